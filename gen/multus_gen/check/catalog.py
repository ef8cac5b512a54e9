"""The rules of multus-gen, each with one id and one severity (what ``--allow RULE`` names).

A rule reports with the same severity wherever it runs: in ``validate``, and on the generators' own output
(they run the same checks on every document they build). An ``error`` makes ``validate`` fail and the
generators refuse; ``--allow RULE`` (on every generating command and on ``validate``) turns that rule's errors
into warnings for one run. The networks' rules (``ipam-*``, ``nad-*``) are in :mod:`multus_gen.networks`'
own table, with the same shape; ``multus-gen rules`` lists both.
"""

from __future__ import annotations

from collections.abc import Iterable

from multus_gen.findings import ERROR, NOTE, WARNING, Severity
from multus_gen.record import record


@record
class Rule:
    id: str
    severity: Severity
    summary: str


_RULES = (
    # files and documents
    Rule("file-unreadable", ERROR, "a file that cannot be read (missing, not UTF-8, too large, not a regular file)"),
    Rule("file-syntax", ERROR, "a file of ours that is not valid YAML/JSON (or an alias bomb, or nested too deeply)"),
    Rule("file-cluster", ERROR, "a file in one cluster's folder of the spec (validate -c) made for another cluster"),
    Rule("document-schema", ERROR, "a document that breaks multus-gen's own schema for its kind"),
    Rule("crd-shape", ERROR, "a HelmChart/HelmChartConfig field the upstream CRD does not accept"),
    # chart source and version
    Rule("chart-no-repo", ERROR, "a HelmChart without spec.repo, a chart URL or chartContent"),
    Rule("chart-not-pinned", ERROR, "no chart version: the newest chart is installed whenever the install re-runs"),
    Rule("chart-version-type", ERROR, "a chart version that is not a string"),
    Rule("chart-version-range", ERROR, "a version range instead of a pin"),
    Rule("chart-version-unusable", ERROR, "an unknown, misspelled or broken rke2-multus version"),
    Rule("chart-version-newer", WARNING, "a chart version newer than every version multus-gen knows"),
    Rule("chart-version-unknown", WARNING, "a chart version below the newest known one but not in the index"),
    Rule("chart-version-ipam", ERROR, "a chart version that cannot run an IPAM the values enable (K3s)"),
    Rule("crd-chart-version-unusable", ERROR, "an unknown, misspelled or broken rke2-multus-crd version"),
    Rule("crd-chart-version-newer", WARNING, "an rke2-multus-crd version newer than every version multus-gen knows"),
    Rule("chart-repo-url", ERROR, "a chart source that is not https/oci (http only with --plain-http), or misplaced"),
    Rule("chart-repo-ca", ERROR, "a repository CA that is not a PEM certificate bundle"),
    Rule("chart-archive", ERROR, "a chart archive that is not a gzip tar of the named chart and version"),
    Rule(
        "chart-archive-size", ERROR, "a chart archive too big for spec.chartContent (helm-controller's 1 MiB ConfigMap)"
    ),
    Rule("chart-registry", ERROR, "a private image registry or pull secret the chart or distribution cannot take"),
    Rule("chart-tls-unverified", WARNING, "a chart download that skips TLS verification (insecureSkipTLSVerify)"),
    Rule("chart-repo-settings", NOTE, "repository CA/credentials the engine reads from a Secret you create"),
    Rule("release-name-length", ERROR, "a release name over helm's 53 characters"),
    Rule("rke2-packaged-chart", WARNING, "a HelmChart for rke2-multus on RKE2, which packages it itself"),
    # chart values
    Rule("values-syntax", ERROR, "values that are not a YAML mapping (valuesContent, helm.values, values files)"),
    Rule("values-keys", ERROR, "value keys helm cannot use"),
    Rule("values-set-entry", ERROR, "a --set style entry helm refuses"),
    Rule("values-unchecked", WARNING, "values from Secrets, ConfigMaps or files that multus-gen cannot see"),
    Rule("values-schema", ERROR, "a chart value of the wrong type or shape (schemas/rke2-multus-values)"),
    Rule("cni-conf-dir", ERROR, "config.cni_conf.confDir is not the cluster's CNI conf dir"),
    Rule("cni-bin-dir", ERROR, "config.cni_conf.binDir is not the cluster's CNI bin dir"),
    Rule("cni-kubeconfig", ERROR, "config.cni_conf.kubeconfig is not where Multus writes it on this cluster"),
    Rule("multus-autoconfig-dir", ERROR, "multusAutoconfigDir missing or wrong for the chart version's gate"),
    Rule("whereabouts-dirs", ERROR, "rke2-whereabouts.cniConf dirs differ from Multus' dirs"),
    Rule("chart-gate-value", ERROR, "a value the chart version's gates require, missing or different"),
    Rule("chart-gated-key", ERROR, "a value the chart version does not take (it would pass an unmounted path)"),
    Rule("cni-bin-dir-legacy", WARNING, "the legacy bin dir data/current/bin, which K3s re-points on every upgrade"),
    Rule("path-trailing-slash", WARNING, "a CNI dir ending in '/'"),
    Rule("fullname-override", WARNING, "config.fullnameOverride, which no template uses"),
    Rule("thick-plugin", ERROR, "thickPlugin.enabled on K3s: its DaemonSet hard-codes /etc/cni/net.d, /opt/cni/bin"),
    # how the engine installs it
    Rule("failure-policy-missing", WARNING, "no failurePolicy: helm-controller's reinstall uninstalls Multus"),
    Rule("failure-policy-reinstall", WARNING, "failurePolicy reinstall uninstalls Multus from every node"),
    Rule(
        "helm-controller-field",
        ERROR,
        "a HelmChart field or failurePolicy value the target K3s's helm-controller CRD rejects or drops",
    ),
    Rule("helmchartconfig-orphan", WARNING, "a HelmChartConfig for no HelmChart in sight"),
    Rule("helmchartconfig-duplicate", ERROR, "a second HelmChartConfig for one HelmChart (only one applies)"),
    Rule("flux-source-unseen", WARNING, "a Flux chartRef whose source is not among the checked files"),
    Rule("flux-digest-only", WARNING, "an OCI chart pinned by digest only (its version cannot be told)"),
    Rule("argocd-values-ignored", WARNING, "Argo CD helm.values next to helm.valuesObject (ignored)"),
    Rule("fleet-namespace", ERROR, "fleet.yaml 'namespace', which fails on cluster-scoped objects"),
    Rule("fleet-preprocess", WARNING, "Fleet templating '${ }' in values"),
    # across documents
    Rule("crd-chart-missing", ERROR, "rke2-multus >= v4.3.009 without an rke2-multus-crd install"),
    Rule("crd-chart-reminder", WARNING, "a plain values file for rke2-multus >= v4.3.009: install rke2-multus-crd too"),
    Rule("crd-chart-duplicate", ERROR, "rke2-multus-crd next to an rke2-multus that ships the CRDs itself"),
    Rule("crd-chart-ipam", ERROR, "the CRD chart does not render the CRDs of an IPAM rke2-multus enables"),
    Rule("ipam-prerequisite", ERROR, "a NAD's IPAM needs a chart value no rke2-multus install sets"),
    Rule("nad-config-depth", ERROR, "a NAD spec.config nested too deeply to be a CNI config"),
    Rule("bridge-native-vlan", ERROR, "bridge vlan with vlanTrunk beside an rke2-multus whose CNI plugins refuse it"),
    # the node (doctor)
    Rule("node-config", ERROR, "a K3s/RKE2 config file on the node that does not parse or is not a mapping"),
    Rule("node-file-unreadable", ERROR, "a CNI file on the node that cannot be read or parsed"),
    Rule("node-version-unknown", WARNING, "the node's K3s version could not be found (checked with the default)"),
    Rule("node-cni-conf-dir", ERROR, "the node's CNI conf dir is missing"),
    Rule("node-no-primary-cni", ERROR, "no primary CNI config on the node (flannel-backend none and nothing else)"),
    Rule("node-primary-exclusive", ERROR, "a primary CNI that removes other CNI configs (Cilium cni.exclusive)"),
    Rule("node-multus-conf-missing", WARNING, "Multus is installed but its 00-multus.conf is not on the node"),
    Rule("node-multus-leftover", ERROR, "a 00-multus.conf with no Multus install: every new pod fails"),
    Rule("node-multus-not-first", ERROR, "another CNI config sorts before 00-multus.conf"),
    Rule("node-multus-bin-dir", ERROR, "00-multus.conf's binDir is not this node's CNI bin dir"),
    Rule("node-multus-kubeconfig", ERROR, "00-multus.conf's kubeconfig is not this node's"),
    Rule("node-multus-conf-dir", ERROR, "00-multus.conf's confDir is not this node's CNI conf dir"),
    Rule("node-multus-kubeconfig-missing", ERROR, "Multus' kubeconfig (multus.d/multus.kubeconfig) is missing"),
    Rule("node-whereabouts-files", ERROR, "whereabouts.d files missing while a NAD uses whereabouts"),
    Rule("node-dhcp-daemon", ERROR, "no DHCP daemon socket while a NAD uses dhcp"),
    Rule("node-plugin-missing", ERROR, "a CNI plugin the manifests need is not in the node's bin dir"),
    # the real chart archive, rendered (verify, helmchart --verify)
    Rule("chart-render", ERROR, "a chart archive that helm cannot load or render with the generated values"),
    Rule("rendered-daemonsets", ERROR, "no Multus DaemonSet (or container) rendered, or two of one kind"),
    Rule("rendered-daemonset-unchecked", WARNING, "a rendered DaemonSet whose mounts multus-gen cannot check"),
    Rule("rendered-cni-dirs", ERROR, "a Multus CNI flag that does not reach the cluster's CNI dir through the mounts"),
    Rule("rendered-kubeconfig", ERROR, "Multus' kubeconfig written or announced elsewhere than the cluster's path"),
    Rule("rendered-cni-plugins", ERROR, "the cni-plugins init container installs outside the cluster's bin dir"),
    Rule("rendered-cni-config", ERROR, "the rendered cni-conf.json names other dirs than the cluster's"),
    Rule("rendered-mounts", ERROR, "a container mounting one path twice, two volumes of one name, a mount of none"),
    Rule("rendered-dhcp", ERROR, "the DHCP daemon missing, or not running the dhcp plugin of the cluster's bin dir"),
    Rule("rendered-whereabouts", ERROR, "the whereabouts DaemonSet missing, or installing outside the cluster's dirs"),
    Rule("rendered-crds", ERROR, "a CRD the networks need that no release installs, or that two releases install"),
    Rule("rendered-crd-unneeded", WARNING, "whereabouts CRDs installed although whereabouts is not used"),
    Rule("rendered-image-registry", ERROR, "a rendered image not pulled from the chosen registry"),
    # replacing an existing file
    Rule("upgrade-deletes-nads", ERROR, "an upgrade from rke2-multus <= v4.2.409 straight to >= v4.3.009 (NADs lost)"),
    Rule("upgrade-transition", NOTE, "a change to an existing install that needs a step on the cluster"),
    # spec files and notes
    Rule("spec", ERROR, "a multus-gen spec file that cannot be rendered"),
    Rule("rke2-enable-multus", NOTE, "RKE2 deploys rke2-multus only when its config enables it"),
    Rule("crd-chart-by-hand", NOTE, "values for `helm install`: the CRD chart is a second helm install"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def register(rules: Iterable[Rule]) -> None:
    """Add another layer's rules (the networks'); an id stands for one rule with one severity."""
    for rule in rules:
        known = RULES.get(rule.id)
        if known is not None and known != rule:
            raise ValueError(f"rule {rule.id!r} is defined twice")
        RULES[rule.id] = rule


def all_rules() -> list[Rule]:
    """Every rule: the chart install's (here) and the networks' (``multus_gen.networks``), by id."""
    return sorted(RULES.values(), key=lambda r: r.id)


def severity(rule: str) -> Severity:
    return RULES[rule].severity


def check_allowed(allowed: Iterable[str], *, where: str = "--allow") -> tuple[str, ...]:
    """The ``--allow`` values, each a known rule id that can report an error."""
    from multus_gen.errors import InputError

    allowed = tuple(allowed)
    if any(rule not in RULES for rule in allowed):  # the networks' rules load only when one is named
        from multus_gen.networks.rules import NETWORK_RULES

        register(Rule(*rule) for rule in NETWORK_RULES)
    out = []
    for rule in allowed:
        known = RULES.get(rule)
        if known is None:
            raise InputError(f"no rule {rule!r}", where=where, fix="see `multus-gen rules` for the rule ids")
        if known.severity != ERROR:
            raise InputError(f"rule {rule!r} is a {known.severity}, not an error: nothing to allow", where=where)
        out.append(rule)
    return tuple(dict.fromkeys(out))
