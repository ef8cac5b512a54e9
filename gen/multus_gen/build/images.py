"""The container images an installation pulls (``multus-gen images``): every ``image:tag`` the chart's
workloads reference with the chosen options, for image mirroring tools (one reference per line).

Two ways, said in the output (``source``):

* ``render``: a chart archive is given and the Helm engine (``helm_python``) is installed: the archive is rendered
  with the values multus-gen emits, and every container and init container image of the rendered objects is
  listed. What the cluster will run, exactly.
* ``values``: the archive's own ``values.yaml`` (with ``--chart-archive`` when the Helm engine is missing), or
  multus-gen's table of the versions it keeps (:mod:`multus_gen.knowledge.images`): each workload the values
  switch on, with ``repository:tag`` under ``global.systemDefaultRegistry``.
"""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Mapping
from typing import Any

from multus_gen.build.plan import ChartPlan
from multus_gen.errors import InputError
from multus_gen.findings import get_path
from multus_gen.knowledge import charts, images
from multus_gen.model.source import ChartArchive
from multus_gen.record import record
from multus_gen.values.compose import merge


@record
class ImageList:
    images: tuple[str, ...]
    #: ``render`` (Helm engine on the archive), ``archive values`` (its values.yaml), ``knowledge`` (the table)
    source: str
    chart_version: str


def _archive_values(data: bytes, chart: str) -> dict[str, Any]:
    """The archive's ``values.yaml``, with each subchart's under its name (helm's view of the defaults)."""
    from multus_gen.yamlio.reader import parse_text

    out: dict[str, Any] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = member.name.split("/")
            if not member.isfile() or parts[-1] != "values.yaml" or parts[0] != chart:
                continue
            handle = tar.extractfile(member)
            docs = parse_text(handle.read().decode("utf-8") if handle else "", where=member.name)
            data_map = docs[0].data if docs and isinstance(docs[0].data, dict) else {}
            if len(parts) == 2:
                out = merge(data_map, out)
            elif len(parts) == 4 and parts[1] == "charts":
                out = merge(out, {parts[2]: merge(data_map, out.get(parts[2], {}))})
    return out


def _from_values(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    merged = merge(dict(defaults), dict(values))
    registry = get_path(merged, *images.REGISTRY_KEY) or None
    out = []
    for component in images.COMPONENTS:
        if not images.enabled(component, merged, defaults):
            continue
        image = get_path(merged, *component.image_at)
        repository, tag = get_path(image, "repository"), get_path(image, "tag")
        if not repository or not tag:
            continue
        out.append(images.with_registry(f"{repository}:{tag}", str(registry) if registry else None))
    return out


def _from_table(plan: ChartPlan, values: Mapping[str, Any]) -> list[str]:
    version = plan.opts.chart_version
    table = images.IMAGES.get(version)
    if table is None:
        raise InputError(
            f"multus-gen keeps the images of rke2-multus {', '.join(images.IMAGES)} only, not {version}",
            where="--chart-version",
            fix=f"pass --chart-archive rke2-multus-{version}.tgz (its values.yaml is read)",
        )
    registry = get_path(values, *images.REGISTRY_KEY) or None
    out = []
    for component in images.COMPONENTS:
        if images.enabled(component, values):
            out.append(images.with_registry(table[component.name], str(registry) if registry else None))
    return out


#: A container's ``image:`` line in rendered templates (read as text: helm itself keeps the last of duplicate keys,
#: which multus-gen's strict reader refuses, and rke2-whereabouts renders one).
_IMAGE_LINE = re.compile(r"""^\s*(?:-\s+)?image:\s*["']?([^"'\s#]+)["']?\s*$""", re.MULTILINE)


def _rendered(plan: ChartPlan, data: bytes, values: Mapping[str, Any]) -> list[str]:
    import tempfile
    from pathlib import Path

    import helm_python

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chart.tgz"
        path.write_bytes(data)
        chart = helm_python.Chart.load(str(path))
        rendered = chart.render(dict(values), name=plan.opts.name, namespace="kube-system")
    out: list[str] = []
    for name, text in sorted(rendered.items()):
        if name.endswith((".yaml", ".yml")):
            out += _IMAGE_LINE.findall(text)
    return out


def engine_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("helm_python") is not None


def list_images(
    plan: ChartPlan,
    *,
    use_engine: bool = True,
    archive: ChartArchive | None = None,
    registry: str | None = None,
) -> ImageList:
    """The images ``plan`` pulls, unique, sorted (the CRD chart has none). ``archive``: the chart archive when it
    is no chart source of ``plan`` (RKE2 installs its packaged chart: the archive is that chart); ``registry``:
    RKE2's own ``system-default-registry``, which RKE2 passes to the chart as ``global.systemDefaultRegistry``."""
    archive = archive if archive is not None else plan.opts.source.archive
    values: dict[str, Any] = dict(plan.values)
    if registry:
        values = merge(values, {"global": {"systemDefaultRegistry": registry}})
    if archive is not None and use_engine and engine_available():
        found, how = _rendered(plan, archive.data, values), "render"
    elif archive is not None:
        found, how = _from_values(values, _archive_values(archive.data, charts.CHART_NAME)), "archive values"
    else:
        found, how = _from_table(plan, values), "knowledge"
    return ImageList(tuple(sorted(set(found))), how, plan.opts.chart_version)
