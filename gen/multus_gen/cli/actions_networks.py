"""What the network commands do: nad, and render (a spec to stdout or a folder, with the render memo and
prune)."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from multus_gen.cli.output import (
    as_format,
    emit,
    info,
    print_finding_line,
    print_notices,
)
from multus_gen.errors import EXIT_OK, UsageError
from multus_gen.model.options import make_gen_options

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from multus_gen.model.spec import Spec
    from multus_gen.sinks import Inputs
    from multus_gen.yamlio.serialize import Manifest
from multus_gen.cli.actions import print_outcomes, read_files


def nad(
    *,
    name: str,
    plugin: str,
    ipam: str,
    namespace: str,
    master: str | None,
    mode: str | None,
    mtu: int | None,
    bridge: str | None,
    is_gateway: bool,
    ip_masq: bool,
    is_default_gateway: bool,
    hairpin_mode: bool,
    macspoofchk: bool,
    promisc_mode: bool,
    vlan: int | None,
    vlan_trunk: tuple[str, ...],
    vlan_id: int | None,
    link_in_container: bool,
    resource_name: str | None,
    spoofchk: str | None,
    trust: str | None,
    min_tx_rate: int | None,
    max_tx_rate: int | None,
    link_state: str | None,
    sysctl: tuple[str, ...],
    tuning_mac: str | None,
    tuning_mtu: int | None,
    promisc: bool,
    sbr: bool,
    portmap: bool,
    device: str | None,
    hwaddr: str | None,
    kernelpath: str | None,
    pci_bus_id: str | None,
    node_name: str | None,
    cni_version: str,
    ranges: tuple[str, ...],
    range_start: tuple[str, ...],
    range_end: tuple[str, ...],
    gateway: tuple[str, ...],
    exclude: tuple[str, ...],
    route: tuple[str, ...],
    address: tuple[str, ...],
    dns: tuple[str, ...],
    network_name: str | None,
    node_slice_size: str | None,
    enable_overlapping_ranges: bool | None,
    log_level: str | None,
    log_file: str | None,
    dhcp_request: tuple[str, ...],
    dhcp_request_skip_default: bool,
    dhcp_provide: tuple[str, ...],
    dhcp_provide_from_arg: tuple[str, ...],
    host_local_data_dir: str | None,
    distro: str,
    k3s_version: str | None,
    data_dir: str | None,
    output: str,
    out: Path | None,
    allow: tuple[str, ...] | None = None,
) -> int:
    from multus_gen.build.pipeline import nad_text
    from multus_gen.model.options import paths_for
    from multus_gen.networks.ipam_build import IpamInputs
    from multus_gen.networks.nad_build import NadOptions

    cluster = make_gen_options(distro=distro, k3s_version=k3s_version, data_dir=data_dir)
    opts = NadOptions(
        name=name,
        namespace=namespace,
        type=plugin,
        master=master,
        mode=mode,
        mtu=mtu,
        bridge=bridge,
        is_gateway=is_gateway,
        ip_masq=ip_masq,
        is_default_gateway=is_default_gateway,
        hairpin_mode=hairpin_mode,
        macspoofchk=macspoofchk,
        promisc_mode=promisc_mode,
        vlan=vlan,
        vlan_trunk=tuple(vlan_trunk),
        vlan_id=vlan_id,
        link_in_container=link_in_container,
        resource_name=resource_name,
        spoofchk=spoofchk,
        trust=trust,
        min_tx_rate=min_tx_rate,
        max_tx_rate=max_tx_rate,
        link_state=link_state,
        sysctl=tuple(sysctl),
        tuning_mac=tuning_mac,
        tuning_mtu=tuning_mtu,
        promisc=promisc,
        sbr=sbr,
        portmap=portmap,
        device=device,
        hwaddr=hwaddr,
        kernelpath=kernelpath,
        pci_bus_id=pci_bus_id,
        node=node_name,
        cni_version=cni_version,
        allow=tuple(allow or ()),
        k3s_paths=paths_for(cluster),
        ipam=IpamInputs(
            kind=ipam,
            ranges=tuple(ranges),
            range_start=tuple(range_start),
            range_end=tuple(range_end),
            gateway=tuple(gateway),
            excludes=tuple(exclude),
            routes=tuple(route),
            addresses=tuple(address),
            dns=tuple(dns),
            data_dir=host_local_data_dir,
            network_name=network_name,
            node_slice_size=node_slice_size,
            enable_overlapping_ranges=enable_overlapping_ranges,
            log_level=log_level,
            log_file=log_file,
            dhcp_request=tuple(dhcp_request),
            dhcp_request_skip_default=dhcp_request_skip_default,
            dhcp_provide=tuple(dhcp_provide),
            dhcp_provide_from_arg=tuple(dhcp_provide_from_arg),
        ),
    )
    text, notices = nad_text(opts)
    text = as_format(text, output)
    print_notices(notices)
    emit(text, out)
    return EXIT_OK


def render(
    *, config: Path, out_dir: Path | None, gitops_path: str | None, prune: bool, output: str, quiet: bool
) -> int:
    try:
        return _render(config=config, out_dir=out_dir, gitops_path=gitops_path, prune=prune, output=output, quiet=quiet)
    finally:
        gc.unfreeze()  # what _load_held froze (nothing when the spec was not loaded)


def _load_held(config: Path) -> Spec:
    """The spec, its objects then kept out of the cyclic garbage collector's walks (``gc.freeze``) until the
    render ends: they live as long as the run, and a fleet's are many -- at 10,000 clusters the collector
    walking them again and again took about a sixth of the run's CPU time."""
    from multus_gen.model.spec import load_spec

    spec = load_spec(config)
    gc.freeze()
    return spec


def _render(
    *, config: Path, out_dir: Path | None, gitops_path: str | None, prune: bool, output: str, quiet: bool
) -> int:
    if prune and out_dir is None:
        raise UsageError("--prune needs --out-dir", where="--prune")
    if out_dir is None:
        return _render_to_stdout(config, gitops_path, output)
    if output != "yaml":
        raise UsageError("-o json is for stdout; --out-dir writes YAML files", where="-o", fix="leave out -o")
    from multus_gen import cache as memo
    from multus_gen.sinks import Inputs
    from multus_gen.sinks.folder import tree_lock, verify_manifests
    from multus_gen.yamlio.reader import is_stdin

    if prune and is_stdin(config):
        raise UsageError(
            "--prune deletes only what a spec file wrote before; a spec on stdin has no such record",
            where="--prune",
            fix="name the spec file with -c",
        )
    inputs = Inputs(read_files(config))
    key = None if is_stdin(config) else memo.render_key(config, out_dir, gitops_path)
    # --prune deletes: it always renders, so what it deletes never rests on a remembered render
    remembered = memo.recall(key) if key is not None and not prune else None
    # rendered before by this build from the same spec text and the same files it names: is the tree as left?
    if remembered is not None and out_dir.is_dir() and memo.inputs_unchanged(remembered.inputs):
        with tree_lock(out_dir):
            outcomes = verify_manifests(out_dir, remembered.files)
            if outcomes is not None and not any(inputs.input_at(o.path) for o in outcomes):
                for severity, text in remembered.notices:
                    print_finding_line(severity, text)
                print_outcomes(outcomes, quiet=quiet, what=f"{out_dir}: ")
                _settle(out_dir, config, dict(remembered.files), False, inputs)
                return EXIT_OK
    _render_to_folder(config, out_dir, gitops_path, prune, key, quiet, inputs)
    return EXIT_OK


def _make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents when missing, as ``helm template --output-dir`` does."""
    if os.path.lexists(folder):
        return
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        from multus_gen.errors import DeliveryError

        raise DeliveryError(f"cannot create {folder}: {exc.strerror}", where="--out-dir") from None


def _render_to_stdout(config: Path, gitops_path: str | None, output: str) -> int:
    from multus_gen.build.pipeline import fleet_notices, render_checked
    from multus_gen.model.options import gitops_path_for

    spec = _load_held(config)
    summaries, rendered = render_checked(spec, gitops_path=gitops_path_for(gitops_path, spec.gitops_path, None))
    print_notices(fleet_notices(summaries))
    flat = ("helmchart", "helmchartconfig", "argocd")
    single = len(summaries) == 1 and not spec.fleet and summaries[0].format in flat
    if output != "yaml":  # one object or a List of every document of every file
        sys.stdout.write(as_format("".join(m.content for c in rendered for m in c.manifests), output))
        return EXIT_OK
    for cluster in rendered:
        for i, manifest in enumerate(cluster.manifests):
            text = manifest.content
            if single and i > 0:  # one stream: drop the repeated header of the second file
                text = text[text.index("---\n") :]
            if not single:
                sys.stdout.write(f"# path: {manifest.path}\n")
            sys.stdout.write(text)
    return EXIT_OK


def _render_to_folder(
    config: Path,
    out_dir: Path,
    gitops_path: str | None,
    prune: bool,
    key: str | None,
    quiet: bool,
    inputs: Inputs,
) -> None:
    from multus_gen import cache as memo
    from multus_gen.build.pipeline import fleet_notices, render_checked
    from multus_gen.model.options import gitops_path_for
    from multus_gen.sinks.folder import tree_lock, write_manifests

    spec = _load_held(config)
    path = gitops_path_for(gitops_path, spec.gitops_path, str(out_dir))
    summaries, rendered = render_checked(spec, gitops_path=path)  # all checked before the first file is written
    notices = fleet_notices(summaries)
    print_notices(notices)
    written: dict[str, str] = {}  # path -> digest, noted as the sink goes over the files (the same each pass)
    manifests = _Noting(rendered.manifests(), written)  # rendered again from the memo on each pass: not held
    _make_folder(out_dir)  # only once the spec is good: a refused spec leaves no folder behind
    with tree_lock(out_dir):  # one lock for the whole tree; every target is checked before the first write
        outcomes = write_manifests(out_dir, manifests, fsync=False, mode=0o644, locked=True, inputs=inputs)
        print_outcomes(outcomes, quiet=quiet, what=f"{out_dir}: ")
        _settle(out_dir, config, written, prune, inputs)
    if key is not None:
        from multus_gen.cli.actions import named_files

        named = memo.input_digests(named_files(c.gen for c in spec.clusters))
        memo.remember(key, list(written.items()), [(n.severity, n.one_line()) for n in notices], named)


class _Noting:
    """``manifests`` (iterable again and again), noting each one's path and digest in ``written`` on the way."""

    def __init__(self, manifests: Iterable[Manifest], written: dict[str, str]) -> None:
        self._manifests = manifests
        self._written = written

    def __iter__(self) -> Iterator[Manifest]:
        from multus_gen import cache as memo
        from multus_gen.sinks import clean_relative_path

        for manifest in self._manifests:
            self._written[clean_relative_path(manifest.path)] = memo.digest(manifest.content)
            yield manifest


def _settle(out_dir: Path, config: Path, written: dict[str, str], prune: bool, inputs: Inputs) -> None:
    """Record what this spec wrote into ``out_dir`` and report (or, with ``--prune``, delete) what it wrote
    before and no longer writes (``sinks.prune``: only files of its own record, with the recorded bytes)."""
    from multus_gen.sinks.prune import settle
    from multus_gen.yamlio.reader import is_stdin

    if is_stdin(config):
        return  # a spec on stdin has no identity to record what it wrote under
    for stale in settle(out_dir, config, written, delete=prune, inputs=inputs):
        if stale.status == "removed":
            info(f"{out_dir / stale.path}: removed (no longer in the spec)")
        elif stale.status == "changed":
            info(f"{out_dir / stale.path}: no longer in the spec, but changed since multus-gen wrote it (kept)")
        else:
            info(f"{out_dir / stale.path}: no longer in the spec (kept; --prune deletes it)")
