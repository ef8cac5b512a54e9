"""One reader per engine: K3s HelmChart/HelmChartConfig, Flux HelmRelease (and its chartRef source), Argo CD
Application, Fleet fleet.yaml, plain values files. Each turns a document into installs with value layers,
and reports what is wrong with the engine object itself."""

from __future__ import annotations

import json
import re
from typing import Any

from multus_gen.check.documents import (
    APPLICATION,
    FLEET,
    FLUX_SOURCE,
    HELMCHART,
    HELMCHARTCONFIG,
    HELMRELEASE,
    MULTUS_CHARTS,
    VALUES_FILE,
    Source,
    chart_ref,
)
from multus_gen.check.shape import check_shape
from multus_gen.check.state import Install, Run
from multus_gen.check.versions import default_for
from multus_gen.findings import JsonPath
from multus_gen.knowledge import charts
from multus_gen.values.compose import get_path
from multus_gen.yamlio.reader import Document


def read_helmchart(run: Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    chart, url_version = chart_ref(spec.get("chart") if isinstance(spec, dict) else None)
    if chart is None:
        return  # another chart: not ours
    run.mark(src, HELMCHART)
    check_shape(run, src, doc, HELMCHART)
    assert isinstance(spec, dict)
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    inst = Install(
        src,
        doc,
        HELMCHART,
        chart,
        ("spec", "chart"),
        url_version if url_version is not None else spec.get("version"),
        ("spec", "chart") if url_version is not None else (("spec", "version") if "version" in spec else ("spec",)),
        ("spec",),
        name=meta.get("name") if isinstance(meta.get("name"), str) else None,
        namespace=meta.get("namespace") if isinstance(meta.get("namespace"), str) else None,
    )
    name = inst.name or ""
    if len(name) > 53:
        run.out.add(
            src,
            doc,
            ("metadata", "name"),
            "release-name-length",
            f"the HelmChart name is the helm release name, which helm limits to 53 characters ({len(name)})",
            "use a shorter name",
        )
    no_source = "://" not in str(spec.get("chart")) and not spec.get("repo") and not spec.get("chartContent")
    if no_source and run.cluster.distro == "k3s":
        run.out.add(
            src,
            doc,
            ("spec",),
            "chart-no-repo",
            f"no spec.repo: helm-controller cannot find chart {chart}",
            f"set repo: {charts.CHART_REPO}",
        )
    _check_chart_source(run, src, doc, spec, chart)
    _layers_from_helm_objects(run, inst, src, doc, spec, "HelmChart")
    if isinstance(spec.get("set"), dict):
        for key, value in spec["set"].items():
            _add_helm_controller_set(run, inst, ("spec", "set", key), str(key), value)
    run.installs.append(inst)


def _check_chart_source(run: Run, src: Source, doc: Document, spec: dict[str, Any], chart: str) -> None:
    """A HelmChart's chart source: an embedded archive must be the chart and version the object names (helm-controller
    installs the archive whatever ``chart``/``version`` say); a download that skips TLS checks is warned."""
    import base64
    import binascii

    if spec.get("insecureSkipTLSVerify") is True:
        run.out.add(
            src,
            doc,
            ("spec", "insecureSkipTLSVerify"),
            "chart-tls-unverified",
            "the chart is downloaded without checking the server's certificate: anyone on the path can replace it",
            "give the mirror's CA in spec.repoCA (multus-gen: --repo-ca) instead",
        )
    content = spec.get("chartContent")
    if not isinstance(content, str) or not content:
        return
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        run.out.add(src, doc, ("spec", "chartContent"), "chart-archive", "spec.chartContent is not base64", None)
        return
    from multus_gen.check.archive import chart_meta

    meta = chart_meta(data, chart)
    if isinstance(meta, str):
        run.out.add(src, doc, ("spec", "chartContent"), "chart-archive", f"spec.chartContent {meta}", None)
        return
    version = spec.get("version")
    if version is not None and str(meta["version"]) != str(version):
        run.out.add(
            src,
            doc,
            ("spec", "version"),
            "chart-archive",
            f"spec.chartContent is {chart} {meta['version']}, but spec.version says {version}: helm-controller "
            "installs the archive",
            f"set version: {meta['version']}",
        )


def _add_helm_controller_set(run: Run, inst: Install, at: JsonPath, key: str, value: object) -> None:
    """helm-controller's ``set``: ints and true/false/null go to --set, everything else to --set-string."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return  # the shape check reported it
    if isinstance(value, int) or value.lower() in ("true", "false", "null"):
        run.set_entry(inst, at, f"{key}={value}", False)
    else:
        escaped = re.sub(r"\\*,", lambda m: m.group(0) if len(m.group(0)) % 2 == 0 else "\\" + m.group(0), value)
        run.set_entry(inst, at, f"{key}={escaped}", True)


def _layers_from_helm_objects(
    run: Run, inst: Install, src: Source, doc: Document, spec: dict[str, Any], what: str
) -> None:
    if "valuesContent" in spec:
        layer = run.embedded(src, doc, ("spec", "valuesContent"), spec["valuesContent"], f"{what} valuesContent")
        if layer is not None:
            inst.layers.append(layer)
    if "values" in spec:
        layer = run.mapping(src, doc, ("spec", "values"), spec["values"], f"{what} values")
        if layer is not None:
            inst.layers.append(layer)
    if spec.get("valuesSecrets"):
        run.unchecked(src, doc, ("spec", "valuesSecrets"), "values come from Secrets (valuesSecrets)")


def attach_configs(run: Run) -> None:
    by_key: dict[tuple[str, str], Install] = {}
    for inst in run.installs:
        if inst.kind == HELMCHART and inst.name:
            by_key[(inst.namespace or "default", inst.name)] = inst
    for src, doc in run.configs:
        data: dict[str, Any] = doc.data
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        name = meta.get("name")
        namespace = meta.get("namespace") or "default"
        spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        target = by_key.get((str(namespace), str(name)))
        packaged = run.cluster.distro == "rke2" and name in MULTUS_CHARTS
        values_look_like_multus = any(
            k in str(spec.get("valuesContent", "")) or (isinstance(spec.get("values"), dict) and k in spec["values"])
            for k in ("cni_conf", "rke2-whereabouts", "multusAutoconfigDir")
        )
        if target is None and not packaged and name not in MULTUS_CHARTS and not values_look_like_multus:
            continue  # configures some other chart
        run.mark(src, HELMCHARTCONFIG)
        check_shape(run, src, doc, HELMCHARTCONFIG)
        if target is None:
            # Which chart it configures, by its name (multus-gen names the CRD chart's release <name>-crd).
            crd = name == charts.CRD_CHART_NAME or str(name).endswith("-crd")
            chart = charts.CRD_CHART_NAME if crd else charts.CHART_NAME
            if not packaged:
                run.out.add(
                    src,
                    doc,
                    ("metadata", "name"),
                    "helmchartconfig-orphan",
                    f"HelmChartConfig {namespace}/{name} applies to no HelmChart among the checked files: "
                    "a HelmChartConfig applies only to the HelmChart of the same name and namespace",
                    "check the name and namespace, or validate the HelmChart's file too",
                )
            target = Install(src, doc, HELMCHARTCONFIG, chart, ("metadata", "name"), None, ("metadata",), ("spec",))
            target.name, target.namespace = str(name), str(namespace)
            target.partial = not packaged  # the HelmChart's own values are not in sight: check what is set
            run.installs.append(target)
        elif target.configs:
            first_src, _ = target.configs[0]
            run.out.add(
                src,
                doc,
                ("metadata", "name"),
                "helmchartconfig-duplicate",
                f"a second HelmChartConfig for HelmChart {namespace}/{name} (the first is in {first_src.file}): "
                "only one applies",
                "merge them into one",
            )
            continue
        target.configs.append((src, doc))
        _layers_from_helm_objects(run, target, src, doc, spec, "HelmChartConfig")


def read_helmrelease(run: Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("chartRef"), dict):
        _read_chart_ref(run, src, doc, spec)
        return
    chart_spec = get_path(spec, "chart", "spec")
    chart, _ = chart_ref(chart_spec.get("chart") if isinstance(chart_spec, dict) else None)
    if chart is None:
        return
    assert isinstance(chart_spec, dict)
    run.mark(src, HELMRELEASE)
    inst = Install(
        src,
        doc,
        HELMRELEASE,
        chart,
        ("spec", "chart", "spec", "chart"),
        chart_spec.get("version"),  # Flux's default is "*": the newest
        ("spec", "chart", "spec", "version") if "version" in chart_spec else ("spec", "chart", "spec"),
        ("spec",),
        name=get_path(data, "metadata", "name"),
    )
    _add_release(run, inst, spec)


def _add_release(run: Run, inst: Install, spec: dict[str, Any]) -> None:
    """A HelmRelease's install with its values (``spec.values``; ``valuesFrom`` cannot be seen)."""
    src, doc = inst.src, inst.doc
    layer = run.mapping(src, doc, ("spec", "values"), spec.get("values"), "HelmRelease spec.values")
    if layer is not None:
        inst.layers.append(layer)
    if spec.get("valuesFrom"):
        run.unchecked(src, doc, ("spec", "valuesFrom"), "values come from ConfigMaps/Secrets (valuesFrom)")
    run.installs.append(inst)


def _read_chart_ref(run: Run, src: Source, doc: Document, spec: dict[str, Any]) -> None:
    """A HelmRelease whose chart comes from a Flux source (``spec.chartRef``: an OCIRepository or a HelmChart).

    The chart and its version are read from the source document when it is among the checked files (or their
    neighbours); a HelmRelease that names a multus source not in sight is reported, its values unchecked.
    """
    ref = spec["chartRef"]
    meta = doc.data.get("metadata")
    namespace = (meta.get("namespace") if isinstance(meta, dict) else None) or "default"
    kind, name = str(ref.get("kind")), str(ref.get("name"))
    ref_namespace = str(ref.get("namespace") or namespace)
    found = run.flux_sources.get((kind, ref_namespace, name))
    if found is None:
        release = get_path(doc.data, "metadata", "name")
        if "multus" in f"{name} {release}":
            run.mark(src, HELMRELEASE)
            run.out.add(
                src,
                doc,
                ("spec", "chartRef"),
                "flux-source-unseen",
                f"chartRef names {kind} {ref_namespace}/{name}, which is not among the checked files: its chart, "
                "version and the values for them are not checked",
                "validate the file that defines the source too",
            )
        return
    source_src, source_doc = found
    source_spec = source_doc.data.get("spec")
    source_spec = source_spec if isinstance(source_spec, dict) else {}
    where = f"{kind} {ref_namespace}/{name}"
    if kind == "OCIRepository":
        chart, _ = chart_ref(source_spec.get("url"))
        ref_field = source_spec.get("ref")
        pin: dict[str, Any] = ref_field if isinstance(ref_field, dict) else {}
        if chart is not None and pin.get("digest") and not pin.get("tag") and not pin.get("semver"):
            run.mark(src, HELMRELEASE)
            run.mark(source_src, FLUX_SOURCE)
            run.out.add(
                source_src,
                source_doc,
                ("spec", "ref", "digest"),
                "flux-digest-only",
                f"{chart} is pinned by digest only: multus-gen cannot tell its version, so the values are not checked",
                f"pin the tag too (spec.ref.tag: {default_for(chart)}), the version the digest stands for",
            )
            return
        key = "tag" if pin.get("tag") is not None else "semver" if pin.get("semver") is not None else None
        version = pin.get(key) if key else None
        version_at: JsonPath = ("spec", "ref", key) if key else ("spec",)
        field_name = f"{where} spec.ref.tag"
    else:  # a Flux HelmChart source
        chart, _ = chart_ref(source_spec.get("chart"))
        version = source_spec.get("version")  # Flux's default is "*": the newest
        version_at = ("spec", "version") if "version" in source_spec else ("spec",)
        field_name = f"{where} spec.version"
    if chart is None:
        return
    run.mark(src, HELMRELEASE)
    run.mark(source_src, FLUX_SOURCE)
    inst = Install(
        src,
        doc,
        HELMRELEASE,
        chart,
        ("spec", "chartRef"),
        version,
        version_at,
        ("spec",),
        name=get_path(doc.data, "metadata", "name"),
        version_in=(source_src, source_doc, field_name),
    )
    _add_release(run, inst, spec)


def read_application(run: Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    found: list[tuple[JsonPath, dict[str, Any]]] = []
    if isinstance(spec.get("source"), dict):
        found.append((("spec", "source"), spec["source"]))
    for i, item in enumerate(spec.get("sources") or []):
        if isinstance(item, dict):
            found.append((("spec", "sources", i), item))
    for at, source in found:
        chart, _ = chart_ref(source.get("chart"))
        if chart is None:
            continue
        run.mark(src, APPLICATION)
        inst = Install(
            src,
            doc,
            APPLICATION,
            chart,
            (*at, "chart"),
            source.get("targetRevision"),
            (*at, "targetRevision") if "targetRevision" in source else at,
            (*at, "helm"),
            name=get_path(data, "metadata", "name"),
        )
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        if helm.get("valuesObject") is not None:
            layer = run.mapping(src, doc, (*at, "helm", "valuesObject"), helm["valuesObject"], "helm.valuesObject")
            if layer is not None:
                inst.layers.append(layer)
            if helm.get("values"):
                run.out.add(
                    src,
                    doc,
                    (*at, "helm", "values"),
                    "argocd-values-ignored",
                    "helm.values is ignored: Argo CD uses helm.valuesObject when both are set",
                    "keep one of them",
                )
        elif helm.get("values"):
            values = helm["values"]
            layer = (
                run.mapping(src, doc, (*at, "helm", "values"), values, "helm.values")
                if isinstance(values, dict)
                else run.embedded(src, doc, (*at, "helm", "values"), values, "helm.values")
            )
            if layer is not None:
                inst.layers.append(layer)
        if helm.get("valueFiles"):
            run.unchecked(src, doc, (*at, "helm", "valueFiles"), "values come from files (helm.valueFiles)")
        for j, param in enumerate(helm.get("parameters") or []):
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                run.set_entry(
                    inst,
                    (*at, "helm", "parameters", j),
                    f"{param['name']}={param.get('value', '')}",
                    bool(param.get("forceString")),
                )
        run.installs.append(inst)


def read_fleet(run: Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    helm = data["helm"]
    chart, url_version = chart_ref(helm.get("chart"))
    if chart is None:
        return
    run.mark(src, FLEET)
    if "namespace" in data:
        run.out.add(
            src,
            doc,
            ("namespace",),
            "fleet-namespace",
            "fleet.yaml 'namespace' forces every object of the bundle into that namespace, which fails on "
            "the chart's cluster-scoped objects (ClusterRole, ClusterRoleBinding, CRDs)",
            "use defaultNamespace instead",
        )
    inst = Install(
        src,
        doc,
        FLEET,
        chart,
        ("helm", "chart"),
        url_version if url_version is not None else helm.get("version"),
        ("helm", "chart") if url_version is not None else (("helm", "version") if "version" in helm else ("helm",)),
        ("helm",),
        name=helm.get("releaseName") if isinstance(helm.get("releaseName"), str) else None,
    )
    layer = run.mapping(src, doc, ("helm", "values"), helm.get("values"), "helm.values")
    if layer is not None:
        inst.layers.append(layer)
        if not helm.get("disablePreProcess") and "${" in json.dumps(layer.values):
            run.out.add(
                src,
                doc,
                ("helm", "values"),
                "fleet-preprocess",
                "Fleet templates '${ }' in helm.values; a literal '${' is replaced or fails",
                "set helm.disablePreProcess: true if the values hold a literal '${'",
            )
    for key in ("valuesFiles", "valuesFrom"):
        if helm.get(key):
            run.unchecked(src, doc, ("helm", key), f"values come from helm.{key}")
    run.installs.append(inst)
    for i, target in enumerate(data.get("targetCustomizations") or []):
        if not isinstance(target, dict) or not isinstance(target.get("helm"), dict):
            continue
        t_helm = target["helm"]
        if "values" not in t_helm and "version" not in t_helm:
            continue
        at: JsonPath = ("targetCustomizations", i, "helm")
        variant = Install(
            src,
            doc,
            FLEET,
            chart,
            inst.chart_at,
            t_helm.get("version", inst.version),
            (*at, "version") if "version" in t_helm else inst.version_at,
            at,
            layers=list(inst.layers),
            name=inst.name,
        )
        t_layer = run.mapping(src, doc, (*at, "values"), t_helm.get("values"), "targetCustomizations helm.values")
        if t_layer is not None:
            variant.layers.append(t_layer)
        run.installs.append(variant)


def read_values_file(run: Run, src: Source, doc: Document, chart_version: str) -> None:
    run.mark(src, VALUES_FILE)
    inst = Install(src, doc, VALUES_FILE, charts.CHART_NAME, (), chart_version, (), ())
    layer = run.mapping(src, doc, (), doc.data, "a values file")
    if layer is not None:
        inst.layers.append(layer)
    run.installs.append(inst)
