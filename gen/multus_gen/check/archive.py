"""What a chart archive (.tgz) says it is: shared by the chart source options (``--chart-archive``) and
``validate`` (a HelmChart's ``spec.chartContent``)."""

from __future__ import annotations

import gzip
import io
import tarfile
from typing import Any

from multus_gen.errors import InputError


def chart_meta(data: bytes, chart: str) -> dict[str, Any] | str:
    """The ``<chart>/Chart.yaml`` of archive ``data`` as a mapping, or what is wrong with the archive."""
    from multus_gen.yamlio.reader import parse_text

    if data[:2] != b"\x1f\x8b":
        return "is not gzip-compressed (a chart archive is a .tgz)"
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            tops = {m.name.split("/", 1)[0] for m in members}
            found = [m for m in members if m.name == f"{chart}/Chart.yaml" and m.isfile()]
            if not found:
                return (
                    f"holds no {chart}/Chart.yaml (top folders: {', '.join(sorted(tops)[:3]) or 'none'}): "
                    f"not the {chart} chart"
                )
            handle = tar.extractfile(found[0])
            text = handle.read(256 * 1024).decode("utf-8") if handle is not None else ""
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        return f"is not a readable gzip tar ({type(exc).__name__})"
    try:
        docs = parse_text(text, where=f"{chart}/Chart.yaml")
    except InputError:
        return f"its {chart}/Chart.yaml does not parse"
    meta = docs[0].data if docs else None
    if not isinstance(meta, dict):
        return f"its {chart}/Chart.yaml is not a mapping"
    if meta.get("name") != chart:
        return f"is chart {meta.get('name')!r}, not {chart}"
    if not meta.get("version"):
        return "its Chart.yaml has no version"
    return meta
