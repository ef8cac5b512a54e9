"""GitOps engine objects for the chart installation: Flux, Argo CD and Rancher Fleet (FACTS.md 9).

Pure builders returning plain dicts with a fixed key order, fed by a :class:`~multus_gen.build.plan.ChartPlan`: the
chart values are the plan's merged values (the same ones the K3s HelmChart carries as ``valuesContent``),
handed to each engine as a structured object (keys sorted). For rke2-multus >= v4.3.009 every engine gets a
second release ``<name>-crd`` of rke2-multus-crd, ordered before rke2-multus.

Decisions (the reasons are in the README section on formats):

* Never uninstall Multus on a failure or on removal. Flux: install remediation retries, upgrade remediation
  ``rollback`` (not ``uninstall``) with ``remediateLastFailure`` so a failed upgrade ends on the last good
  release; the chart's Flux Kustomization has ``prune: false``. Argo CD: ``automated.prune: false``, no
  resources finalizer. Fleet: ``keepResources: true`` on the chart bundles.
* Flux objects (HelmRepository ``rke2-charts``, HelmRelease ``<name>``) live in ``--namespace`` (default
  kube-system, where the release is stored too: ``storageNamespace``, as helm-controller and ``helm install -n
  kube-system`` store it); the Flux Kustomizations that order chart and networks live in ``flux-system`` next
  to the GitRepository they read.
* Argo CD Applications live in ``argocd`` (or ``--namespace`` when given) and deploy in-cluster; an app of
  apps syncs them with the NADs. Sync waves between Applications wait for the earlier Application to be
  healthy only when Argo CD has a health check for Applications (``resource.customizations.health.
  argoproj.io_Application`` in argocd-cm; removed from the defaults in Argo CD 1.8); without it the parent's
  sync fails on the NADs until the CRD exists (``SkipDryRunOnMissingResource`` keeps the dry run from
  blocking everything else) and succeeds on a later attempt.
* Fleet orders bundles with ``dependsOn`` label selectors on the label ``multus-gen/bundle`` multus-gen sets
  (bundle names are ``<gitrepo>-<path>``, unknown here). The agent matches them among the BundleDeployments
  of the same downstream cluster (rancher/fleet agent ``checkDependency``), so the same labels in every
  cluster's folder do not mix clusters up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from multus_gen.build.helmchart import TARGET_NAMESPACE, crd_chart_name
from multus_gen.build.plan import ChartPlan
from multus_gen.findings import Finding, note
from multus_gen.knowledge import charts
from multus_gen.model.options import FLUX_NAMESPACE, FluxSource, GenOptions
from multus_gen.model.source import PUBLIC, ChartSource
from multus_gen.values.compose import sort_keys

# -- Flux -------------------------------------------------------------------------------------------------

HELMREPOSITORY_API = "source.toolkit.fluxcd.io/v1"
HELMRELEASE_API = "helm.toolkit.fluxcd.io/v2"
KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/v1"
HELM_REPOSITORY_NAME = "rke2-charts"
REPOSITORY_INTERVAL = "1h"  # the version is pinned: the index only needs refreshing for new versions
RELEASE_INTERVAL = "10m"
KUSTOMIZATION_INTERVAL = "10m"
KUSTOMIZATION_TIMEOUT = "10m"
#: Install/upgrade attempts before Flux gives up (remediating in between).
REMEDIATION_RETRIES = 3


#: The Secret (key ``ca.crt``) a Flux HelmRepository reads the mirror's CA from (``certSecretRef``).
FLUX_CA_SECRET = f"{HELM_REPOSITORY_NAME}-ca"


def helm_repository(namespace: str, source: ChartSource = PUBLIC) -> dict[str, Any]:
    """The chart repository: ``type: oci`` for a registry; the mirror's CA (``certSecretRef``), credentials
    (``secretRef``) and, for a plain-http registry, ``insecure`` (source.toolkit.fluxcd.io/v1 HelmRepository)."""
    spec: dict[str, Any] = {"interval": REPOSITORY_INTERVAL, "url": source.repo_url}
    if source.oci:
        spec["type"] = "oci"
    if source.repo_ca is not None:
        spec["certSecretRef"] = {"name": FLUX_CA_SECRET}
    if source.auth_secret is not None:
        spec["secretRef"] = {"name": source.auth_secret}
    if source.plain_http and source.oci:
        spec["insecure"] = True  # an http:// chart repository needs nothing more: its URL says so
    return {
        "apiVersion": HELMREPOSITORY_API,
        "kind": "HelmRepository",
        "metadata": {"name": HELM_REPOSITORY_NAME, "namespace": namespace},
        "spec": spec,
    }


def helm_release(
    *,
    name: str,
    namespace: str,
    chart: str,
    version: str,
    values: Mapping[str, Any] | None,
    depends_on: Sequence[str] = (),
) -> dict[str, Any]:
    """A HelmRelease whose helm release is ``name`` (so the DaemonSet is named ``name``), installed into and
    stored in kube-system, remediated by rollback only."""
    spec: dict[str, Any] = {
        "interval": RELEASE_INTERVAL,
        "releaseName": name,
        "targetNamespace": TARGET_NAMESPACE,
        "storageNamespace": TARGET_NAMESPACE,
        "chart": {
            "spec": {
                "chart": chart,
                "version": version,
                "sourceRef": {"kind": "HelmRepository", "name": HELM_REPOSITORY_NAME, "namespace": namespace},
            }
        },
    }
    if depends_on:
        spec["dependsOn"] = [{"name": dep} for dep in depends_on]
    # Correct what someone changed by hand in the cluster, as infra repositories set it (Flux helm-controller
    # compares the release's manifest with the live objects; FACTS 9).
    spec["driftDetection"] = {"mode": "enabled"}
    spec["install"] = {"remediation": {"retries": REMEDIATION_RETRIES}}
    spec["upgrade"] = {
        "remediation": {"retries": REMEDIATION_RETRIES, "remediateLastFailure": True, "strategy": "rollback"}
    }
    if values:
        spec["values"] = sort_keys(dict(values))
    return {
        "apiVersion": HELMRELEASE_API,
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def build_flux(plan: ChartPlan) -> list[dict[str, Any]]:
    """HelmRepository, then the CRD chart's HelmRelease (when needed), then rke2-multus's."""
    opts = plan.opts
    docs = [helm_repository(opts.namespace, opts.source)]
    depends: list[str] = []
    if plan.crd_chart_version is not None:
        crd_name = crd_chart_name(opts.name)
        docs.append(
            helm_release(
                name=crd_name,
                namespace=opts.namespace,
                chart=charts.CRD_CHART_NAME,
                version=plan.crd_chart_version,
                values=plan.crd_values,
            )
        )
        depends.append(crd_name)
    docs.append(
        helm_release(
            name=opts.name,
            namespace=opts.namespace,
            chart=charts.CHART_NAME,
            version=opts.chart_version,
            values=plan.values,
            depends_on=depends,
        )
    )
    return docs


def flux_kustomization(
    *, name: str, path: str, source: FluxSource, prune: bool, wait: bool, depends_on: Sequence[str] = ()
) -> dict[str, Any]:
    """A Flux Kustomization applying the folder ``path`` (``./``-relative to the repository root)."""
    spec: dict[str, Any] = {"interval": KUSTOMIZATION_INTERVAL}
    if depends_on:
        spec["dependsOn"] = [{"name": dep} for dep in depends_on]
    spec["path"] = path
    spec["prune"] = prune
    spec["sourceRef"] = {"kind": source.kind, "name": source.name}
    if source.namespace != FLUX_NAMESPACE:
        spec["sourceRef"]["namespace"] = source.namespace
    if wait:
        spec["wait"] = True
        spec["timeout"] = KUSTOMIZATION_TIMEOUT
    return {
        "apiVersion": KUSTOMIZATION_API,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": FLUX_NAMESPACE},
        "spec": spec,
    }


# -- Argo CD ----------------------------------------------------------------------------------------------

APPLICATION_API = "argoproj.io/v1alpha1"
ARGOCD_NAMESPACE = "argocd"
IN_CLUSTER = "https://kubernetes.default.svc"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
#: Sync waves: CRD chart, then rke2-multus, then the NADs (which also skip the dry run while their CRD is
#: missing: the whole sync is dry-run before wave -2 creates it).
WAVE_CRD_CHART = "-2"
WAVE_CHART = "-1"
WAVE_NETWORKS = "0"
NAD_SYNC_OPTIONS = "SkipDryRunOnMissingResource=true"
SYNC_RETRY: dict[str, Any] = {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}}


#: rke2-multus names its ConfigMap ``<release>-<chart version>-config``: every chart upgrade leaves the old one
#: behind, and with ``prune: false`` the Application stays OutOfSync ("requires pruning", FACTS 9). A chart that
#: ships no CRDs (>= v4.3.009) may prune: nothing it renders is a CRD, so a prune can never take the NADs with it;
#: ``PruneLast`` prunes only after everything else of the sync is healthy. The CRD chart never prunes.
PRUNE_SYNC_OPTIONS = ("PruneLast=true",)


def application(
    *,
    name: str,
    namespace: str,
    chart: str,
    version: str,
    values: Mapping[str, Any] | None,
    wave: str,
    prune: bool = False,
    source: ChartSource = PUBLIC,
) -> dict[str, Any]:
    helm: dict[str, Any] = {"releaseName": name}
    if values:
        helm["valuesObject"] = sort_keys(dict(values))
    sync: dict[str, Any] = {"automated": {"prune": prune, "selfHeal": True}, "retry": SYNC_RETRY}
    if prune:
        sync["syncOptions"] = list(PRUNE_SYNC_OPTIONS)
    return {
        "apiVersion": APPLICATION_API,
        "kind": "Application",
        "metadata": {"name": name, "namespace": namespace, "annotations": {SYNC_WAVE: wave}},
        "spec": {
            "project": "default",
            "source": {"repoURL": argocd_repo_url(source), "chart": chart, "targetRevision": version, "helm": helm},
            "destination": {"server": IN_CLUSTER, "namespace": TARGET_NAMESPACE},
            "syncPolicy": sync,
        },
    }


def argocd_repo_url(source: ChartSource) -> str:
    """Argo CD names a Helm OCI registry without the scheme (``registry.example/charts``; its repository
    Secret says ``enableOCI: "true"``)."""
    return source.repo_url.removeprefix("oci://")


def argocd_namespace(plan: ChartPlan) -> str:
    return plan.opts.namespace if "namespace" in plan.opts.given else ARGOCD_NAMESPACE


def build_argocd(plan: ChartPlan) -> list[dict[str, Any]]:
    """The CRD chart's Application (when needed, an earlier sync wave), then rke2-multus's."""
    opts = plan.opts
    namespace = argocd_namespace(plan)
    docs = []
    if plan.crd_chart_version is not None:
        docs.append(
            application(
                name=crd_chart_name(opts.name),
                namespace=namespace,
                chart=charts.CRD_CHART_NAME,
                version=plan.crd_chart_version,
                values=plan.crd_values,
                wave=WAVE_CRD_CHART,
                source=opts.source,
            )
        )
    docs.append(
        application(
            name=opts.name,
            namespace=namespace,
            chart=charts.CHART_NAME,
            version=opts.chart_version,
            values=plan.values,
            wave=WAVE_CHART,
            prune=plan.crd_chart_version is not None,
            source=opts.source,
        )
    )
    return docs


def argocd_nad(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A NAD synced after the chart: a later sync wave, and no dry run while its CRD does not exist yet."""
    meta = dict(doc["metadata"])
    meta["annotations"] = {**(meta.get("annotations") or {}), SYNC_WAVE: WAVE_NETWORKS, SYNC_OPTIONS: NAD_SYNC_OPTIONS}
    return {**doc, "metadata": meta}


# -- Fleet ------------------------------------------------------------------------------------------------

BUNDLE_LABEL = "multus-gen/bundle"
FLEET_FILE = "fleet.yaml"


def has_template_marker(value: Any) -> bool:
    """True if a key or string anywhere in ``value`` contains ``${`` (Fleet would template it)."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(has_template_marker(k) or has_template_marker(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_template_marker(v) for v in value)
    return False


def bundle_labels(bundle: str) -> dict[str, str]:
    return {BUNDLE_LABEL: bundle}


def fleet_bundle(
    *,
    bundle: str,
    depends_on: Sequence[str] = (),
    helm: Mapping[str, Any] | None = None,
    keep_resources: bool = False,
) -> dict[str, Any]:
    """One fleet.yaml. ``defaultNamespace`` only (``namespace`` would fail on cluster-scoped objects such as
    the chart's ClusterRole, FACTS.md 9)."""
    doc: dict[str, Any] = {"defaultNamespace": TARGET_NAMESPACE, "labels": bundle_labels(bundle)}
    if depends_on:
        doc["dependsOn"] = [{"selector": {"matchLabels": bundle_labels(dep)}} for dep in depends_on]
    if keep_resources:
        doc["keepResources"] = True
    if helm is not None:
        doc["helm"] = dict(helm)
    return doc


def _fleet_helm(
    *, chart: str, version: str, release: str, values: Mapping[str, Any] | None, source: ChartSource
) -> dict[str, Any]:
    """``helm.repo`` + ``helm.chart`` for a repository; ``helm.chart: oci://<path>/<chart>`` for a registry."""
    helm: dict[str, Any]
    if source.oci:
        helm = {"chart": f"{source.repo}/{chart}", "version": version, "releaseName": release}
    else:
        helm = {"repo": source.repo_url, "chart": chart, "version": version, "releaseName": release}
    if values and has_template_marker(values):
        helm["disablePreProcess"] = True  # values are data: Fleet must not expand ${ } in them
    if values:
        helm["values"] = sort_keys(dict(values))
    return helm


def build_fleet(plan: ChartPlan) -> list[tuple[str, dict[str, Any]]]:
    """``(bundle folder, fleet.yaml)`` for the CRD chart (when needed) and rke2-multus, in that order."""
    opts = plan.opts
    out: list[tuple[str, dict[str, Any]]] = []
    depends: list[str] = []
    if plan.crd_chart_version is not None:
        crd = crd_chart_name(opts.name)
        helm = _fleet_helm(
            chart=charts.CRD_CHART_NAME,
            version=plan.crd_chart_version,
            release=crd,
            values=plan.crd_values,
            source=opts.source,
        )
        # The CRDs an older rke2-multus release created carry that release's ownership: adopt them (FACTS 3a).
        helm["takeOwnership"] = True
        out.append((crd, fleet_bundle(bundle=crd, helm=helm, keep_resources=True)))
        depends.append(crd)
    helm = _fleet_helm(
        chart=charts.CHART_NAME, version=opts.chart_version, release=opts.name, values=plan.values, source=opts.source
    )
    out.append((opts.name, fleet_bundle(bundle=opts.name, depends_on=depends, helm=helm, keep_resources=True)))
    return out


def fleet_networks_bundle(plan: ChartPlan, bundle: str) -> dict[str, Any]:
    """The fleet.yaml of the NAD bundle: deployed only once rke2-multus's bundle (and so the CRD) is ready."""
    return fleet_bundle(bundle=bundle, depends_on=[plan.opts.name])


# -- what the engines read from elsewhere -------------------------------------------------------------------


def repository_notes(opts: GenOptions, fmt: str) -> tuple[Finding, ...]:
    """What the user creates beside the generated objects so the engine can reach the mirror: Flux's CA Secret,
    Argo CD's repository Secret, Fleet's GitRepo settings (README "Air-gapped clusters")."""
    src = opts.source
    rule = "chart-repo-settings"
    if fmt == "flux" and src.repo_ca is not None:
        text = (
            f"Flux reads the mirror's CA from Secret {opts.namespace}/{FLUX_CA_SECRET} (key ca.crt): "
            f"kubectl -n {opts.namespace} create secret generic {FLUX_CA_SECRET} --from-file=ca.crt={src.repo_ca_file}"
        )
        return (note(text, rule=rule),)
    if fmt == "argocd" and (src.oci or src.repo_settings):
        parts = [f"url {argocd_repo_url(src)}", "type helm"]
        if src.oci:
            parts.append('enableOCI "true"')
        if src.auth_secret is not None:
            parts.append(f"username/password (those of Secret {src.auth_secret})")
        if src.insecure_skip_tls_verify:
            parts.append('insecure "true"')
        if src.plain_http and src.oci:
            parts.append('insecureOCIForceHttp "true"')
        text = (
            "Argo CD reads a repository's settings from a Secret labelled argocd.argoproj.io/secret-type=repository "
            f"in its namespace: create one with {', '.join(parts)}"
            + ("; and add the CA to ConfigMap argocd-tls-certs-cm under the mirror's host name" if src.repo_ca else "")
        )
        return (note(text, rule=rule),)
    if fmt == "fleet" and src.repo_settings:
        text = (
            "Fleet reads a Helm repository's credentials and CA from the GitRepo: set spec.helmSecretName to a Secret "
            "with username/password and/or cacerts, and spec.helmRepoURLRegex to match "
            f"{src.repo_url}"
            + ("; skip TLS checks with the GitRepo's insecureSkipTLSVerify" if src.insecure_skip_tls_verify else "")
        )
        return (note(text, rule=rule),)
    return ()
