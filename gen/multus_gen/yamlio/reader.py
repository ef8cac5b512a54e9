"""Safe, bounded reading of user files (values overlays, spec files, files to validate).

Refuses, with one clear line each: folders, FIFOs and other non-regular files (opening a FIFO would
block), files over ``MAX_FILE_BYTES``, unreadable files, invalid UTF-8, YAML that does not parse,
duplicate mapping keys (YAML silently keeps the last one), recursive anchors, and alias bombs whose
aliases would copy more than ``MAX_EXPANDED_NODES`` nodes (the nodes written in the file are not counted:
a large honest file is bounded by its size).
"""

from __future__ import annotations

import gc
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from multus_gen.errors import InputError
from multus_gen.findings import JsonPath
from multus_gen.yamlio import goyaml

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_EXPANDED_NODES = 200_000
#: A spec file describes a fleet: 100,000 clusters with their own networks take about 19 MB.
MAX_SPEC_BYTES = 32 * 1024 * 1024


#: The names that mean standard input, as helm and kubectl take them (``-f -``) and as the system spells it.
STDIN_NAMES = ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")

_stdin_read: list[tuple[Any, bytes]] = []  # (the stream, what it held): standard input is read once per run


def is_stdin(path: Path | str) -> bool:
    """True when ``path`` names standard input (``-`` or ``/dev/stdin``)."""
    return str(path) in STDIN_NAMES


def read_stdin_bytes(*, where: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Standard input's bytes, read once per run: reading it again gets the same bytes (a chart archive is
    read by the checks and again by the Helm engine)."""
    stream = sys.stdin
    if stream is None:
        raise InputError("there is no standard input to read", where=where, fix="pipe the file in, or name it")
    held = [raw for seen, raw in _stdin_read if seen is stream]
    if held:
        raw = held[0]
    else:
        raw = stream.buffer.read(max_bytes + 1) if hasattr(stream, "buffer") else stream.read().encode()
        _stdin_read[:] = [(stream, raw)]
    if len(raw) > max_bytes:
        raise InputError(f"standard input is more than the {max_bytes} bytes multus-gen reads", where=where)
    return bytes(raw)


def read_stdin(*, where: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Standard input as UTF-8 text, read once per run: reading it again gets the same text."""
    raw = read_stdin_bytes(where=where, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"standard input is not valid UTF-8 (byte {exc.start})", where=where) from None


def read_text(path: Path, *, where: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a user file as UTF-8 text, refusing anything that is not a small regular readable file
    (``-`` and ``/dev/stdin``: standard input, see :func:`read_stdin`)."""
    if is_stdin(path):
        return read_stdin(where=where, max_bytes=max_bytes)
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"file {name} does not exist", where=where, fix="check the path") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", where=where) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{name} is a folder, not a file", where=where, fix="name a YAML file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{name} is not a regular file (FIFO, socket or device)", where=where)
    if st.st_size > max_bytes:
        raise InputError(f"{name} is {st.st_size} bytes, more than the {max_bytes} bytes multus-gen reads", where=where)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}", where=where) from None
    if len(raw) > max_bytes:
        raise InputError(f"{name} is more than the {max_bytes} bytes multus-gen reads", where=where)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not valid UTF-8 (byte {exc.start})", where=where) from None


def _construct_mapping(self: Any, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A mapping as Go's YAML reader builds it for Kubernetes and helm: merge keys (``<<``) resolved, keys made
    strings as sigs.k8s.io/yaml makes them (``y`` -> ``"true"``, ``0x10`` -> ``"16"``, :func:`goyaml.go_key`),
    and a duplicate key refused (YAML would silently keep the last one; Go's reader refuses it too)."""
    self.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = goyaml.go_key(self.construct_object(key_node, deep=True))
        try:
            duplicate = key in mapping
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key is not a scalar", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = self.construct_object(value_node, deep=deep)
    return mapping


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and reads plain scalars as Go's YAML does (:mod:`.goyaml`)."""

    construct_mapping = _construct_mapping
    resolve = goyaml.resolve


_Loader.add_constructor(goyaml.PLAIN_TAG, goyaml.construct_plain)


def check_expansion(root: yaml.Node) -> None:
    """Refuse recursive anchors and alias bombs.

    What a bomb grows is alias expansion: each alias of an anchored node copies that node's whole (expanded)
    tree. Those copies are counted, not the nodes written in the file, so a large honest file (a fleet of
    10,000 clusters, no alias at all) is only bounded by ``MAX_FILE_BYTES``. Each written node is visited
    once; an alias costs one look-up, so the check is linear in the file.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    expanded = 0

    def size(node: yaml.Node) -> int:
        nonlocal expanded
        ident = id(node)
        if ident in sizes:  # an alias: the loader will copy this node's whole tree here
            expanded += sizes[ident]
            if expanded > MAX_EXPANDED_NODES:
                raise yaml.YAMLError(f"aliases expand to more than {MAX_EXPANDED_NODES} nodes (a YAML bomb?)")
            return sizes[ident]
        if ident in active:
            raise yaml.YAMLError("recursive anchor: a node contains an alias of itself")
        active.add(ident)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key) + size(value)
        active.discard(ident)
        sizes[ident] = total
        return total

    size(root)


#: Below this bound on a text's nesting depth (:func:`depth_bound`) and without a ``*``, the walk of
#: :func:`check_expansion` is skipped: YAML writes an alias only as ``*name``, so there is none to expand, and a
#: text that shallow is far from the recursion limit that refuses deeper ones as "nested too deeply".
SHALLOW_DEPTH = 400


def depth_bound(text: str) -> int:
    """A cheap upper bound on the nesting depth of ``text``: every flow collection needs a ``[`` or ``{``, and a
    line's block nesting is at most twice its length plus 2 (see :func:`libyaml_safe`)."""
    return text.count("[") + text.count("{") + 2 * max(map(len, text.splitlines()), default=0) + 2


def _compose_all(text: str, fast: bool = False, walk: bool = True) -> Iterator[yaml.Node | None]:
    loader = FastLoader(text) if fast else _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None and walk:
                check_expansion(node)
            yield node
    finally:
        loader.dispose()


def describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if problem.startswith("exceeded maximum nesting depth"):  # PyYAML >= 6.0.4's own limit
            problem = "nested too deeply"  # the words multus-gen uses when Python's recursion limit stops it
        if mark is not None:
            return f"not valid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"
        return f"not valid YAML: {problem}"
    return f"not valid YAML: {exc}"


def record_lines(node: yaml.Node, path: JsonPath, out: dict[JsonPath, int], depth: int = 0) -> None:
    if path not in out:
        out[path] = node.start_mark.line + 1
    if depth > 100:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = (*path, str(key.value))
                out.setdefault(child, key.start_mark.line + 1)
                record_lines(value, child, out, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            record_lines(item, (*path, i), out, depth + 1)


class Document:
    """One parsed YAML document with the line of every JSON path in it."""

    def __init__(self, data: Any, lines: dict[JsonPath, int], index: int) -> None:
        self.data = data
        self.lines = lines
        self.index = index

    def line_of(self, path: JsonPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor present in the source."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line is not None:
                return line
        return None


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)

#: libyaml's composer recurses in C without a depth limit and crashes the interpreter at a few ten thousand
#: levels; below this bound on the nesting depth a text may go to libyaml (several times faster).
LIBYAML_MAX_DEPTH = 5000

if _CSafeLoader is not None:

    class FastLoader(_CSafeLoader):  # type: ignore[misc]
        """libyaml's SafeLoader with the same rules as ``_Loader`` (duplicate keys, Go's plain scalars)."""

        construct_mapping = _construct_mapping
        resolve = goyaml.resolve

    FastLoader.add_constructor(goyaml.PLAIN_TAG, goyaml.construct_plain)


def libyaml_safe(text: str, bound: int | None = None) -> bool:
    """True when ``text`` does not nest deeper than LIBYAML_MAX_DEPTH.

    First a cheap, conservative bound: flow collections need a ``[``/``{`` each; block collections need more
    indentation at least every other level, or a ``-``/``?``/``:`` indicator on the same line. A large flow
    style spec (thousands of ``{``) fails that bound however shallow it is; then the depth is measured
    exactly on libyaml's event stream, which is safe at any depth (libyaml's parser keeps its states on the
    heap; only the composer recurses).
    """
    if _CSafeLoader is None:
        return False
    # A line's block bound below is at most twice its length plus 2 (each indicator takes a character of its
    # own): when even that (``depth_bound``) stays under the limit, the line-by-line count is not needed.
    if (depth_bound(text) if bound is None else bound) <= LIBYAML_MAX_DEPTH:
        return True
    bound = text.count("[") + text.count("{")
    block = 0
    for line in text.splitlines():
        body = line.lstrip(" ")
        depth = 2 * (len(line) - len(body)) + body.count("- ") + body.count("? ") + body.count(": ") + 2
        block = max(block, depth)
    if bound + block <= LIBYAML_MAX_DEPTH:
        return True
    return _event_depth(text) <= LIBYAML_MAX_DEPTH


def _event_depth(text: str) -> float:
    """The deepest collection nesting in ``text``, from libyaml's events (infinite if it does not parse: the
    pure-Python parser then reports the error in its own words)."""
    loader = _CSafeLoader(text)
    depth = deepest = 0
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, opening):
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > LIBYAML_MAX_DEPTH:
                        break
            elif isinstance(event, closing):
                depth -= 1
    except yaml.YAMLError:
        return float("inf")
    finally:
        loader.dispose()
    return deepest


def parse_documents(text: str, *, where: str) -> list[Document]:
    """Every YAML document in ``text`` (empty ones dropped), with line numbers.

    libyaml parses when the text is shallow enough for it (``libyaml_safe``), else the pure-Python parser;
    the same guards apply either way (duplicate keys, recursive anchors, alias bombs)."""
    docs: list[Document] = []
    bound = depth_bound(text)
    fast = libyaml_safe(text, bound)
    collecting = gc.isenabled()
    gc.disable()  # a large file's node tree is allocated in one go: no cycles to find in it, only time to spend
    try:
        nodes = _compose_all(text, fast, walk="*" in text or bound > SHALLOW_DEPTH)
        for index, node in enumerate(nodes):
            if node is None:
                continue
            loader = FastLoader("") if fast else _Loader("")
            try:
                data = loader.construct_document(node)
            finally:
                loader.dispose()
            lines: dict[JsonPath, int] = {}
            record_lines(node, (), lines)
            docs.append(Document(data, lines, index))
    except yaml.YAMLError as exc:
        raise InputError(describe_yaml_error(exc), where=where) from None
    except RecursionError:
        raise InputError("not valid YAML: nested too deeply", where=where) from None
    finally:
        if collecting:
            gc.enable()
    return docs


def _parse_json(text: str, where: str) -> list[Document]:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", where=where) from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", where=where) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", where=where) from None
    return [] if data is None else [Document(data, {(): 1}, 0)]


def parse_text(text: str, *, where: str, as_json: bool = False) -> list[Document]:
    """Every document in ``text``: a YAML stream (:func:`parse_documents`), or one JSON value; empty
    documents dropped. Raises InputError (one line) for invalid YAML/JSON, duplicate keys, recursive anchors,
    alias bombs and nesting too deep to handle."""
    return _parse_json(text, where) if as_json else parse_documents(text, where=where)


def load_mapping_file(path: Path, *, where: str, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """One YAML file that must hold exactly one mapping (a values overlay, a spec file)."""
    text = read_text(path, where=where, max_bytes=max_bytes)
    docs = parse_documents(text, where=where)
    if not docs:
        return Document({}, {(): 1}, 0)
    if len(docs) > 1:
        raise InputError(f"{path} holds {len(docs)} YAML documents; expected one", where=where)
    if not isinstance(docs[0].data, dict):
        kind = type(docs[0].data).__name__
        raise InputError(f"{path} must hold a YAML mapping (key: value), not a {kind}", where=where, fix="see --help")
    return docs[0]
