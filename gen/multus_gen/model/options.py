"""Option objects: every command's inputs, parsed and checked once, frozen.

The CLI (flags) and the spec file both end here; nothing downstream sees raw strings.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING

from multus_gen.check.catalog import check_allowed
from multus_gen.errors import InputError, UsageError
from multus_gen.knowledge import charts, helm_controller, k3s, rke2
from multus_gen.model.source import ChartSource, make_source, takes_pull_secrets
from multus_gen.record import record
from multus_gen.values.compose import UserValues

if TYPE_CHECKING:
    from multus_gen.check.cluster import Cluster
    from multus_gen.knowledge.rke2_releases import Rke2Line

IPAMS = charts.IPAMS
DISTROS = ("k3s", "rke2")
#: How the chart installation is emitted: K3s HelmChart, HelmChartConfig, or a GitOps engine's objects.
FORMATS = ("helmchart", "helmchartconfig", "flux", "argocd", "fleet")
#: Formats in which a GitOps engine (not K3s's helm-controller) installs the chart.
ENGINE_FORMATS = ("flux", "argocd", "fleet")
DEFAULT_NAME = "multus"
DEFAULT_NAMESPACE = "kube-system"
FAILURE_POLICIES = ("abort", "reinstall", "retry")
#: Default failurePolicy. helm-controller's own default, ``reinstall``, uninstalls the release when an
#: upgrade fails: for a CNI that removes Multus from every node. ``abort`` leaves the last good release
#: running and the HelmChart in a failed state for a human (FACTS.md 5; RKE2 docs suggest abort).
DEFAULT_FAILURE_POLICY = "abort"

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
#: Helm release names are at most 53 characters; the companion chart is released as ``<name>-crd``.
MAX_RELEASE_NAME = 53
MAX_NAME = MAX_RELEASE_NAME - len("-crd")


def check_dns1123_label(value: str, *, where: str, max_len: int = 63) -> str:
    if not value:
        raise InputError("must not be empty", where=where, fix="use lowercase letters, digits and '-'")
    if len(value) > max_len:
        raise InputError(
            f"{value!r} is {len(value)} characters, more than {max_len}",
            where=where,
            fix="use a shorter name",
        )
    if not _DNS1123_LABEL.match(value):
        raise InputError(
            f"{value!r} is not a DNS-1123 label",
            where=where,
            fix="use lowercase letters, digits and '-', starting and ending with a letter or digit",
        )
    return value


def check_not_owned(name: str, *, where: str = "--name") -> str:
    """Refuse a name K3s deploys itself (:data:`k3s.OWNED_NAMES`), for the chart and its ``-crd`` companion."""
    for candidate, what in ((name, "this name"), (f"{name}-crd", f"the CRD companion {name}-crd")):
        if k3s.owned_by_k3s(candidate):
            raise InputError(
                f"{name!r} is reserved: K3s deploys {what} itself and rewrites (or, when disabled, removes) it on "
                f"every start, replacing yours ({k3s.OWNED_NAMES_SOURCE})",
                where=where,
                fix="use another --name, such as multus",
            )
    return name


def check_data_dir(value: str, *, where: str = "--data-dir") -> str:
    if not value.startswith("/"):
        raise InputError(
            f"{value!r} is not an absolute path",
            where=where,
            fix=f"give an absolute path such as {k3s.DEFAULT_DATA_DIR}",
        )
    if any(ch in value for ch in "\n\r\t\0{}\"'\\ ") or any(ord(ch) < 32 for ch in value):
        raise InputError(f"{value!r} contains characters a K3s data dir cannot have", where=where)
    parts = value.split("/")
    if ".." in parts or "." in parts:
        raise InputError(f"{value!r} contains '.' or '..'", where=where, fix="give the resolved path")
    normal = posixpath.normpath(value)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    return normal


def parse_k3s_version(value: str | None, *, where: str = "--k3s-version") -> k3s.K3sVersion:
    text = value if value is not None else helm_controller.DEFAULT_K3S_VERSION
    try:
        version = k3s.K3sVersion.parse(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not a K3s version",
            where=where,
            fix="use the release spelling v1.30.6+k3s1, the image tag v1.30.6-k3s1, or paste the line "
            "`k3s --version` prints",
        ) from None
    if version.major != 1:
        raise InputError(f"{text!r}: multus-gen knows K3s 1.x only", where=where)
    return version


def resolve_chart_version(
    value: str | None,
    *,
    allow_unknown: bool,
    where: str = "--chart-version",
    distro: str = "k3s",
    ipams: tuple[str, ...] = (),
) -> str:
    """Check a rke2-multus version against the index and the gates (:func:`charts.version_refusal`); returns
    it unchanged when usable, the default when not given."""
    if value is None:
        return charts.DEFAULT_CHART_VERSION
    refused = charts.version_refusal(value, allow_unknown=allow_unknown, distro=distro, ipams=ipams)
    if refused is not None:
        message, fix = refused
        raise InputError(message, where=where, fix=fix)
    return value.strip()


def resolve_crd_chart_version(
    value: str | None, chart_version: str, *, allow_unknown: bool, where: str = "--crd-chart-version"
) -> str | None:
    """The rke2-multus-crd version to install beside ``chart_version``: the given one (checked), else the one
    multus-gen knows goes with it. An unknown rke2-multus at or above the CRD split needs it given: which CRD
    chart matches an unknown version cannot be told."""
    facts = charts.chart_facts(chart_version)
    if value is None:
        if facts.needs_crd_chart and not facts.published:
            raise InputError(
                f"rke2-multus {chart_version} is unknown to multus-gen and ships no CRDs: which rke2-multus-crd "
                "goes with it cannot be told",
                where="--chart-version",
                fix="pass --crd-chart-version (chart.crdVersion in a spec file): the rke2-multus-crd published with "
                f"it; newest known: {charts.PUBLISHED_CRD[-1]}",
            )
        return facts.crd_chart_version
    text = value.strip()
    if not facts.needs_crd_chart:
        raise InputError(
            f"rke2-multus {chart_version} ships the CRDs itself: there is no rke2-multus-crd to install",
            where=where,
            fix="remove it",
        )
    refused = charts.crd_version_refusal(text, allow_unknown=allow_unknown)
    if refused is not None:
        raise InputError(refused[0], where=where, fix=refused[1])
    return text


def normalize_ipams(ipams: tuple[str, ...] | list[str], *, where: str = "--ipam") -> tuple[str, ...]:
    """Unique IPAMs in the fixed order of ``IPAMS`` (so the output does not depend on input order)."""
    for ipam in ipams:
        if ipam not in IPAMS:
            raise InputError(f"unknown IPAM {ipam!r}", where=where, fix="use one of " + ", ".join(IPAMS))
    chosen = tuple(i for i in IPAMS if i in ipams)
    return chosen or ("host-local",)


@record
class GenOptions:
    """Inputs of every command that generates the Multus chart installation.

    ``ipams``: every IPAM the cluster's networks use (a spec file can mix them); the chart gets what each
    one needs. ``ipam`` joins them for messages (``whereabouts+dhcp``). ``given``: the fields the user set
    explicitly (flags or spec keys), so that a format can refuse what it cannot express instead of
    dropping it. ``primary_cni``: RKE2 only, the CNI listed after multus in RKE2's config.yaml.
    """

    ipams: tuple[str, ...] = ("host-local",)
    distro: str = "k3s"
    k3s_version: k3s.K3sVersion = k3s.K3sVersion.parse(helm_controller.DEFAULT_K3S_VERSION)
    data_dir: str = k3s.DEFAULT_DATA_DIR
    chart_version: str = charts.DEFAULT_CHART_VERSION
    name: str = "multus"
    namespace: str = "kube-system"
    user: UserValues = UserValues()
    failure_policy: str = DEFAULT_FAILURE_POLICY
    bootstrap: bool = True
    allow_unknown_chart_version: bool = False
    #: the rke2-multus-crd version beside a chart that ships no CRDs (None: the chart ships them)
    crd_chart_version: str | None = None
    given: frozenset[str] = frozenset()
    #: rule ids whose errors the user accepts (``--allow``): they are reported as warnings
    allow: tuple[str, ...] = ()
    primary_cni: str = rke2.DEFAULT_PRIMARY_CNI
    #: where the chart and its images come from (the public repository and registry unless given)
    source: ChartSource = ChartSource()
    #: ``--from-values``: a values file written after the K3s docs, taken over (values/adopt.py)
    from_values: Path | None = None
    #: ``--from-chart-version``: the rke2-multus version of the helm release the HelmChart takes over
    from_chart_version: str | None = None
    #: ``--rke2-version``: the RKE2 release whose rke2-multus (and rke2-multus-crd) the HelmChartConfigs customize
    rke2_version: str | None = None

    @property
    def ipam(self) -> str:
        return "+".join(self.ipams)

    @property
    def distro_label(self) -> str:
        """``K3s v1.30.5+k3s1`` or ``RKE2``, for messages."""
        return f"K3s {self.k3s_version}" if self.distro == "k3s" else "RKE2"


def make_gen_options(
    *,
    ipam: str | tuple[str, ...] = "host-local",
    distro: str = "k3s",
    k3s_version: str | None = None,
    data_dir: str | None = None,
    chart_version: str | None = None,
    name: str | None = None,
    namespace: str | None = None,
    values_files: tuple[Path, ...] = (),
    set_values: tuple[str, ...] = (),
    set_string_values: tuple[str, ...] = (),
    set_json_values: tuple[str, ...] = (),
    set_file_values: tuple[str, ...] = (),
    failure_policy: str | None = None,
    bootstrap: bool | None = None,
    allow_unknown_chart_version: bool = False,
    primary_cni: str | None = None,
    allow: tuple[str, ...] = (),
    crd_chart_version: str | None = None,
    repo: str | None = None,
    repo_ca: Path | None = None,
    auth_secret: str | None = None,
    plain_http: bool | None = None,
    insecure_skip_tls_verify: bool | None = None,
    chart_archive: Path | None = None,
    crd_chart_archive: Path | None = None,
    static_chart: bool | None = None,
    system_default_registry: str | None = None,
    image_pull_secret: str | None = None,
    from_values: Path | None = None,
    from_chart_version: str | None = None,
    ipam_given: bool = False,
    rke2_version: str | None = None,
) -> GenOptions:
    """Check raw inputs (flags or spec file) and build the frozen options; InputError names the flag.

    ``None`` means "not given": the default applies, and the field is not in ``GenOptions.given``.
    """
    ipams = normalize_ipams((ipam,) if isinstance(ipam, str) else ipam)
    if from_values is not None:
        ipams = _from_values_ipams(from_values, ipams if ipam_given else None, distro=distro)
    elif from_chart_version is not None:
        raise InputError(
            "the chart version of an existing release matters only when taking it over",
            where="--from-chart-version",
            fix="add --from-values with the release's values file, or remove it",
        )
    if distro not in DISTROS:
        raise InputError(f"unknown distribution {distro!r}", where="--distro", fix="use one of " + ", ".join(DISTROS))
    given = {
        key
        for key, value in (
            ("k3s_version", k3s_version),
            ("data_dir", data_dir),
            ("name", name),
            ("namespace", namespace),
            ("failure_policy", failure_policy),
            ("bootstrap", bootstrap),
            ("primary_cni", primary_cni),
        )
        if value is not None
    }
    if failure_policy is not None and failure_policy not in FAILURE_POLICIES:
        raise InputError(
            f"unknown failure policy {failure_policy!r}",
            where="--failure-policy",
            fix="use one of " + ", ".join(FAILURE_POLICIES),
        )
    if distro == "rke2":
        _check_rke2(k3s_version=k3s_version, data_dir=data_dir, name=name, namespace=namespace)
        name = rke2.PACKAGED_CHART_NAME
        namespace = rke2.PACKAGED_NAMESPACE
    elif primary_cni is not None:
        raise InputError(
            "the primary CNI is an RKE2 setting (K3s runs flannel unless disabled)",
            where="--cni",
            fix="remove it, or set the distribution to rke2",
        )
    if primary_cni is not None and primary_cni not in rke2.PRIMARY_CNIS:
        raise InputError(
            f"unknown RKE2 CNI {primary_cni!r}", where="--cni", fix="use one of " + ", ".join(rke2.PRIMARY_CNIS)
        )
    resolved_name = name if name is not None else DEFAULT_NAME
    source = make_source(
        distro=distro,
        repo=repo,
        repo_ca=repo_ca,
        auth_secret=auth_secret,
        plain_http=bool(plain_http),
        insecure_skip_tls_verify=bool(insecure_skip_tls_verify),
        chart_archive=chart_archive,
        crd_chart_archive=crd_chart_archive,
        static_chart=bool(static_chart),
        system_default_registry=system_default_registry,
        image_pull_secret=image_pull_secret,
        chart_version=chart_version,
        crd_chart_version=crd_chart_version,
    )
    if source.archive is not None:
        chart_version = source.archive.version
    if source.crd_archive is not None:
        crd_chart_version = source.crd_archive.version
    shipped = _rke2_shipped(rke2_version, distro=distro, chart_version=chart_version, crd=crd_chart_version)
    if shipped is not None:
        chart_version, allow_unknown_chart_version = shipped.chart, True  # RKE2 chose it: the gates of its number
    chart = resolve_chart_version(chart_version, allow_unknown=allow_unknown_chart_version, distro=distro, ipams=ipams)
    max_len = MAX_RELEASE_NAME if distro == "rke2" else MAX_NAME
    check_not_owned(resolved_name)
    released = _from_chart_version(from_chart_version, chart) if from_values is not None else None
    if source.image_pull_secret is not None and not takes_pull_secrets(chart):
        from multus_gen.knowledge import images

        raise InputError(
            f"rke2-multus {chart}'s templates read no imagePullSecrets (they do from {images.PULL_SECRETS_SINCE} on)",
            where="--image-pull-secret",
            fix="attach the Secret to the chart's ServiceAccount instead (kubectl patch serviceaccount ... "
            "imagePullSecrets), or use a newer --chart-version",
            rule="chart-registry",
        )
    crd_version = (
        resolve_crd_chart_version(
            crd_chart_version,
            chart,
            allow_unknown=allow_unknown_chart_version,
            # the version of --crd-chart-archive: a refusal names the flag given
            where="--crd-chart-archive" if source.crd_archive is not None else "--crd-chart-version",
        )
        if shipped is None
        else _rke2_crd_chart(shipped)
    )
    if source.archive is not None and crd_version is not None and source.crd_archive is None:
        raise InputError(
            f"rke2-multus {chart} ships no CRDs: its companion rke2-multus-crd {crd_version} needs an archive too",
            where="--chart-archive",
            fix=f"add --crd-chart-archive rke2-multus-crd-{crd_version}.tgz",
            rule="chart-archive",
        )
    return GenOptions(
        ipams=ipams,
        distro=distro,
        k3s_version=parse_k3s_version(k3s_version),
        data_dir=check_data_dir(data_dir if data_dir is not None else k3s.DEFAULT_DATA_DIR),
        chart_version=chart,
        crd_chart_version=crd_version,
        name=check_dns1123_label(resolved_name, where="--name", max_len=max_len),
        namespace=check_dns1123_label(namespace if namespace is not None else DEFAULT_NAMESPACE, where="--namespace"),
        user=UserValues(
            files=values_files,
            set=set_values,
            set_string=set_string_values,
            set_json=set_json_values,
            set_file=set_file_values,
        ),
        failure_policy=failure_policy if failure_policy is not None else DEFAULT_FAILURE_POLICY,
        bootstrap=bootstrap if bootstrap is not None else True,
        allow_unknown_chart_version=allow_unknown_chart_version,
        given=frozenset(given),
        allow=check_allowed(allow),
        primary_cni=primary_cni if primary_cni is not None else rke2.DEFAULT_PRIMARY_CNI,
        source=source,
        from_values=from_values,
        from_chart_version=released,
        rke2_version=str(shipped.version) if shipped is not None else None,
    )


@record
class _Shipped:
    version: object
    row: Rke2Line

    @property
    def chart(self) -> str:
        return self.row.chart


def _rke2_shipped(value: str | None, *, distro: str, chart_version: str | None, crd: str | None) -> _Shipped | None:
    """``--rke2-version``: the release and its row of the RKE2 table (knowledge/rke2_releases.py); None when not
    given (the table loads only then)."""
    if value is None:
        return None
    from multus_gen.knowledge import rke2_releases

    if distro != "rke2":
        raise InputError(
            "the RKE2 release matters only for --distro rke2 (K3s: --k3s-version)",
            where="--rke2-version",
            fix="add --distro rke2, or remove it",
        )
    try:
        version = rke2_releases.Rke2Version.parse(value)
    except ValueError:
        raise InputError(
            f"{value!r} is not an RKE2 version",
            where="--rke2-version",
            fix="use the release spelling v1.34.2+rke2r1, the image tag v1.34.2-rke2r1, or paste the line "
            "`rke2 --version` prints",
        ) from None
    row = rke2_releases.for_rke2(version)
    if row is None or version.major != 1:
        raise InputError(
            f"multus-gen knows the rke2-multus of RKE2 {rke2_releases.OLDEST} and later, not of {version}",
            where="--rke2-version",
            fix="pass --chart-version with what `kubectl -n kube-system get helmchart rke2-multus -o "
            "jsonpath='{.spec.version}'` prints instead",
        )
    if chart_version is not None and chart_version.strip() != row.chart:
        raise InputError(
            f"RKE2 {version} ships rke2-multus {row.chart} ({row.source}); a HelmChartConfig customizes the chart "
            f"RKE2 installs and cannot change its version",
            where="--chart-version",
            fix="remove --chart-version (or --rke2-version)",
        )
    if crd is not None:
        raise InputError(
            "RKE2 installs its own rke2-multus-crd (or none): its version is RKE2's",
            where="--crd-chart-version",
            fix="remove it for --rke2-version",
        )
    return _Shipped(version, row)


def _rke2_crd_chart(shipped: _Shipped) -> str | None:
    """The rke2-multus-crd beside RKE2's rke2-multus: None when that RKE2 ships none. Only its presence matters (a
    HelmChartConfig names no version): the companion multus-gen knows, else the chart's number without ``v``."""
    if not shipped.row.crd_chart:
        return None
    return charts.companion_crd_version(shipped.chart) or shipped.chart.lstrip("v")


def _from_values_ipams(path: Path, given: tuple[str, ...] | None, *, distro: str) -> tuple[str, ...]:
    """The IPAMs of a ``--from-values`` take-over: the file's, unless ``--ipam`` (``given``) names others that
    the file does not contradict (values/adopt.py)."""
    from multus_gen.values.adopt import choose_ipams, read_values

    if distro != "k3s":
        raise InputError(
            "--from-values takes over a helm release installed after the K3s docs; RKE2 deploys rke2-multus itself",
            where="--from-values",
            fix="remove it for --distro rke2 (customize RKE2's rke2-multus with the HelmChartConfig)",
        )
    return choose_ipams(path, read_values(path), given)


def _from_chart_version(value: str | None, chart: str) -> str | None:
    """``--from-chart-version``: the release's rke2-multus version, as `helm list` shows it (``rke2-multus-v4.2.106``)
    or as published. Required when ``chart`` ships no CRDs: from a release <= v4.2.409 that upgrade deletes the
    NAD CRD and every NAD (FACTS.md 3a), and only the installed version tells."""
    if value is None:
        if not charts.ships_crds(chart):
            raise InputError(
                f"rke2-multus {chart} ships no CRDs: taking over a release of rke2-multus <= v4.2.409 with it deletes "
                "the NetworkAttachmentDefinition CRD and every NAD, so the release's chart version must be known",
                where="--from-chart-version",
                fix="pass the CHART column of `helm list -n kube-system --filter '^multus$'`, e.g. "
                "--from-chart-version rke2-multus-v4.2.106; or take it over with --chart-version "
                f"{charts.LAST_BUNDLED} (or older) first",
            )
        return None
    text = value.strip().removeprefix(f"{charts.CHART_NAME}-")
    if charts.version_key(text) is None:
        raise InputError(
            f"{value!r} is not an rke2-multus version",
            where="--from-chart-version",
            fix="pass the CHART column of `helm list -n kube-system`, e.g. rke2-multus-v4.2.106",
        )
    return text


def _check_rke2(*, k3s_version: str | None, data_dir: str | None, name: str | None, namespace: str | None) -> None:
    """Refuse the K3s-only inputs on RKE2 (one line each, naming the flag)."""
    if k3s_version is not None:
        raise InputError(
            "K3s only: RKE2 keeps CNI files in /etc/cni/net.d and /opt/cni/bin in every release",
            where="--k3s-version",
            fix="remove it for --distro rke2",
        )
    if data_dir is not None:
        raise InputError(
            f"K3s only: RKE2 keeps CNI files in {rke2.CONF_DIR} and {rke2.BIN_DIR} whatever its data-dir",
            where="--data-dir",
            fix="remove it for --distro rke2",
        )
    if name is not None and name != rke2.PACKAGED_CHART_NAME:
        raise InputError(
            f"{name!r}: on RKE2 the HelmChartConfig must be named like RKE2's own HelmChart, "
            f"{rke2.PACKAGED_CHART_NAME} (FACTS.md 5)",
            where="--name",
            fix="remove --name for --distro rke2",
        )
    if namespace is not None and namespace != rke2.PACKAGED_NAMESPACE:
        raise InputError(
            f"{namespace!r}: RKE2's HelmChart {rke2.PACKAGED_CHART_NAME} lives in {rke2.PACKAGED_NAMESPACE}, "
            "and its HelmChartConfig must be in the same namespace",
            where="--namespace",
            fix="remove --namespace for --distro rke2",
        )


def resolve_format(fmt: str | None, opts: GenOptions, *, where: str = "--format") -> str:
    """The output format for ``opts`` (default: helmchart on K3s, helmchartconfig on RKE2), or InputError
    for a combination that cannot work or would silently drop a setting."""
    if fmt is None:
        fmt = "helmchartconfig" if opts.distro == "rke2" else "helmchart"
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", where=where, fix="use one of " + ", ".join(FORMATS))
    if opts.distro == "rke2" and fmt != "helmchartconfig":
        raise InputError(
            f"RKE2 deploys rke2-multus itself; format {fmt} would install a second Multus beside it",
            where=where,
            fix="use helmchartconfig, and deliver that file as a plain manifest: RKE2 manifests folder or GitOps",
        )
    if opts.from_values is not None and fmt != "helmchart":
        raise InputError(
            f"--from-values emits a K3s HelmChart that takes over the helm release; format {fmt} does not "
            "(helm-controller upgrades a release of the HelmChart's name in place)",
            where=where,
            fix="use --format helmchart, or print the corrected values with `multus-gen values --from-values FILE` "
            "for your engine",
        )
    if fmt == "helmchartconfig" and opts.distro == "k3s" and opts.name.startswith("rke2-"):
        raise InputError(
            f"{opts.name!r} names a chart RKE2 packages; K3s has no such HelmChart for a HelmChartConfig to customize",
            where="--name",
            fix="use --distro rke2, or the name of your K3s HelmChart, default multus",
        )
    if fmt != "helmchart" and "bootstrap" in opts.given:
        raise InputError(
            f"bootstrap is a field of K3s's HelmChart; format {fmt} has no place for it",
            where="--bootstrap",
            fix=f"remove it for format {fmt}",
        )
    if fmt == "fleet" and "namespace" in opts.given:
        raise InputError(
            "a fleet.yaml has no namespace of its own, and the chart always goes to kube-system",
            where="--namespace",
            fix="remove it for format fleet",
        )
    _check_source_format(fmt, opts)
    if fmt in ENGINE_FORMATS and "failure_policy" in opts.given:
        raise InputError(
            f"failurePolicy is a helm-controller setting; with format {fmt} the GitOps engine installs the chart "
            "(multus-gen sets its remediation: roll back, never uninstall)",
            where="--failure-policy",
            fix=f"remove it for format {fmt}",
        )
    return fmt


def _check_source_format(fmt: str, opts: GenOptions) -> None:
    """Refuse a chart source format ``fmt`` cannot carry (one line, the flag, the fix)."""
    from multus_gen.model.source import check_chart_content

    src = opts.source
    if fmt == "helmchartconfig" and opts.distro == "k3s" and (src.repo or src.archive):
        raise InputError(
            "a HelmChartConfig customizes a HelmChart's values; it has no chart source",
            where="--repo" if src.repo else "--chart-archive",
            fix="put the chart source on the HelmChart (--format helmchart)",
            rule="chart-repo-url",
        )
    if fmt in ENGINE_FORMATS and src.archive is not None:
        raise InputError(
            f"format {fmt} installs charts from a repository; a local archive is a K3s HelmChart feature "
            "(spec.chartContent or a static chart)",
            where="--chart-archive",
            fix="push the archive to your mirror or OCI registry and pass --repo, or use --format helmchart",
            rule="chart-archive",
        )
    if fmt == "flux" and src.insecure_skip_tls_verify:
        raise InputError(
            "a Flux HelmRepository cannot skip TLS verification",
            where="--insecure-skip-tls-verify",
            fix="give the mirror's CA with --repo-ca (Flux: certSecretRef)",
            rule="chart-repo-url",
        )
    if src.static_chart and fmt != "helmchart":
        raise InputError(
            "static charts are served by K3s to its own helm-controller", where="--static-chart", rule="chart-archive"
        )
    if fmt == "helmchart" and not src.static_chart:
        for archive in (src.archive, src.crd_archive):
            if archive is not None:
                release = opts.name if archive.chart == charts.CHART_NAME else f"{opts.name}-crd"
                flag = "--chart-archive" if archive.chart == charts.CHART_NAME else "--crd-chart-archive"
                check_chart_content(archive, release, where=flag)


_GITOPS_PATH = re.compile(r"^[A-Za-z0-9._/-]*$")


def normalize_gitops_path(path: str, *, where: str = "--gitops-path") -> str:
    """A repository-relative folder, POSIX, without ``./`` (``""`` is the repository root).

    Letters, digits, ``.``, ``_``, ``-`` and ``/`` only: the path goes into Flux Kustomizations verbatim.
    """
    text = path.strip()
    if text.startswith("/") or not _GITOPS_PATH.match(text):
        raise InputError(
            f"{path!r} is not a plain path relative to the repository root",
            where=where,
            fix="give the folder as the Git repository sees it (letters, digits, '.', '_', '-', '/'), "
            "e.g. clusters/prod",
        )
    normal = posixpath.normpath(text) if text else "."
    if normal == ".." or normal.startswith("../"):
        raise InputError(f"{path!r} leaves the repository", where=where)
    return "" if normal == "." else normal


def gitops_path_for(option: str | None, spec_value: str | None, out_dir: str | None) -> str | None:
    """The repository path the rendered folder sits at: ``--gitops-path``, else the spec's ``gitops.path``,
    else ``--out-dir`` as given when it is relative (``""`` on stdout: paths are shown relative to the
    repository root). None when it cannot be known (an absolute ``--out-dir``)."""
    if option is not None:
        return normalize_gitops_path(option)
    if spec_value is not None:
        return spec_value
    if out_dir is None:
        return ""
    if out_dir.startswith("/"):
        return None
    return normalize_gitops_path(out_dir, where="--out-dir")


def make_cluster(distro: str = "k3s", k3s_version: str | None = None, data_dir: str | None = None) -> Cluster:
    """Check the command line's cluster options; a bad value is a usage error naming the flag."""
    from multus_gen.check.cluster import DISTROS, Cluster

    if distro not in DISTROS:
        raise UsageError(f"unknown distribution {distro!r}", where="--distro", fix="use k3s or rke2")
    try:
        version = parse_k3s_version(k3s_version)
        directory = check_data_dir(data_dir if data_dir is not None else k3s.DEFAULT_DATA_DIR)
    except InputError as exc:
        raise UsageError(exc.message, where=exc.where, fix=exc.fix) from None
    return Cluster(distro, version, directory)


#: The namespace Flux itself runs in (``flux bootstrap``'s).
FLUX_NAMESPACE = "flux-system"


@record
class FluxSource:
    """The Flux source the Kustomizations read the Git repository from (``flux bootstrap``'s by default)."""

    kind: str = "GitRepository"
    name: str = "flux-system"
    namespace: str = FLUX_NAMESPACE


def paths_for(opts: GenOptions) -> k3s.K3sPaths:
    """The node paths of the cluster ``opts`` describes: K3s's (per data dir and version) or RKE2's."""
    if opts.distro == "rke2":
        return rke2.paths()
    return k3s.paths(opts.data_dir, opts.k3s_version)
