"""A chart archive, read and rendered by the Helm engine as helm-controller's job would install it.

The engine is ``helm_python`` (PyPI helm-python-sdk), an optional extra (``pip install 'multus-gen[verify]'``):
it is imported here, lazily, only by ``multus-gen verify`` and ``helmchart --verify``; without it they say how
to install it. The archive is checked to be the named chart and version before (``model.source.read_archive``,
the one archive reader), so that a file that is not that chart is refused in one line before the engine loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from multus_gen.check.rendered import Rendered
from multus_gen.errors import InputError, ValidationError

VERIFY_EXTRA = "pip install 'multus-gen[verify]'"
#: Chart.yaml is a few hundred bytes; a larger one is not a chart's.
MAX_CHART_YAML = 1 << 20


def helm_engine() -> Any:
    """The ``helm_python`` module; InputError (exit 1, one line) when the verify extra is not installed."""
    try:
        import helm_python
    except (ImportError, OSError) as exc:  # OSError: the package is there, its native library is not loadable
        raise InputError(
            f"verifying a chart archive needs the Helm engine (helm-python-sdk), which is not installed ({exc})",
            fix=f"install the extra: {VERIFY_EXTRA}",
        ) from None
    return helm_python


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of user value sources: maps merge recursively, everything else (null too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def helm_values(helm: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """The user values helm gets from a HelmChart's (or HelmChartConfig's) ``spec``, as helm-controller passes
    them (FACTS.md 5): ``valuesContent`` as a values file (read by helm's Go YAML reader), ``values`` as a
    second one, then each ``set`` entry as ``--set`` (integers, true/false) or ``--set-string``."""
    values: dict[str, Any] = {}
    if spec.get("valuesContent") is not None:
        values = merge(values, helm.values_from_yaml(spec["valuesContent"]) or {})
    if spec.get("values") is not None:
        values = merge(values, spec["values"])
    for key, value in (spec.get("set") or {}).items():
        if isinstance(value, int) or str(value).lower() in ("true", "false"):
            values = merge(values, helm.parse_set_string(f"{key}={value}"))
        else:
            values = merge(values, helm.parse_set_string_values(f"{key}={value}"))
    return values


def _documents(text: str) -> list[dict[str, Any]]:
    """The objects of one rendered template (PyYAML's libyaml loader when present: rendered manifests are large
    and many; what differs from Go's reader -- odd scalars -- does not reach the paths and names checked)."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [d for d in yaml.load_all(text, Loader=loader) if isinstance(d, dict)]


def load_chart(helm: Any, path: Path, *, where: str) -> Any:
    """A freshly loaded chart: helm-python-sdk's ``render`` drops the subcharts it disables, so a chart object
    is rendered once."""
    try:
        return helm.Chart.load(str(path))
    except helm.HelmError as exc:
        raise InputError(
            f"the Helm engine cannot load {path}: {' '.join(str(exc).split())}", where=where, rule="chart-render"
        ) from None


def render_chart(
    helm: Any, chart: Any, values: dict[str, Any], *, release: str, namespace: str, source: str = ""
) -> Rendered:
    """Render ``chart`` (from :func:`load_chart`) with the user ``values`` for release ``release`` in
    ``namespace``: every object of every template, and the CRDs of the ``crds/`` folders helm installs (the
    chart's and its enabled subcharts')."""
    try:
        manifests: dict[str, str] = chart.render(values, name=release, namespace=namespace)
    except helm.HelmError as exc:
        raise ValidationError(
            f"{source or chart.name}: helm cannot render the chart with these values: {' '.join(str(exc).split())}",
            rule="chart-render",
        ) from None
    objects: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(manifests):
        if path.endswith((".yaml", ".yml", ".json")):  # NOTES.txt and friends are printed, not applied
            objects += [(path, doc) for doc in _documents(manifests[path])]
    # after render, the chart holds only the subcharts their conditions enable (helm's dependency processing)
    crds = [(str(c["filename"]), doc) for c in chart.crds for doc in _documents(str(c["data"]))]
    return Rendered(str(chart.name), release, namespace, tuple(objects), tuple(crds), source, manifests)


def render_archive(
    helm: Any, path: Path, values: dict[str, Any], *, release: str, namespace: str, where: str, source: str = ""
) -> Rendered:
    """Load and render the archive ``path`` (see :func:`render_chart`)."""
    chart = load_chart(helm, path, where=where)
    return render_chart(helm, chart, values, release=release, namespace=namespace, source=source)
