"""From options to a plan: the paths, chart facts and merged values for one Multus installation.

Pure: reads only the shipped overlays and the user's value files named in the options.
"""

from __future__ import annotations

from dataclasses import dataclass

from .knowledge import charts, k3s
from .options import GenOptions
from .values import UserValues, Values, compose, get_path


@dataclass(frozen=True)
class Notice:
    """A warning for stderr: something that will not fail now but may not do what the user wants."""

    message: str
    where: str | None = None

    def one_line(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return " ".join(text.split())


@dataclass(frozen=True)
class ChartPlan:
    """Everything the manifest builders need, resolved."""

    opts: GenOptions
    paths: k3s.K3sPaths
    facts: charts.ChartFacts
    values: Values
    crd_values: Values | None
    notices: tuple[Notice, ...]

    @property
    def crd_chart_version(self) -> str | None:
        return self.facts.crd_chart_version


def overlays_for(opts: GenOptions, facts: charts.ChartFacts) -> list[str]:
    """The shipped overlays, in composition order: distribution, IPAM, version gates."""
    return [f"distro/{opts.distro}", *(f"ipam/{ipam}" for ipam in opts.ipams), *facts.overlays]


def _params(paths: k3s.K3sPaths) -> dict[str, str]:
    return {
        "data_dir": paths.data_dir,
        "conf_dir": paths.conf_dir,
        "bin_dir": paths.bin_dir,
        "multus_kubeconfig": paths.multus_kubeconfig,
    }


def make_plan(opts: GenOptions) -> ChartPlan:
    facts = charts.chart_facts(opts.chart_version)
    paths = k3s.paths(opts.data_dir, opts.k3s_version)
    values = compose(overlays_for(opts, facts), _params(paths), opts.user)
    crd_values: Values | None = None
    if facts.needs_crd_chart:
        crd_overlays = [name for ipam in opts.ipams for name in charts.CRD_CHART_IPAM_OVERLAYS.get(ipam, ())]
        crd_values = compose(crd_overlays, _params(paths), UserValues())
    notices = [*_version_notices(opts, facts), *check_invariants(opts, facts, paths, values)]
    return ChartPlan(opts, paths, facts, values, crd_values, tuple(notices))


def _version_notices(opts: GenOptions, facts: charts.ChartFacts) -> list[Notice]:
    out: list[Notice] = []
    if not facts.published:
        out.append(
            Notice(
                f"rke2-multus {opts.chart_version} is not in the index multus-gen knows; using the gates of the "
                f"newest known version ({charts.newest_published()}); check the result",
                "--chart-version",
            )
        )
    if facts.crd_chart_version and facts.crd_chart_version not in charts.PUBLISHED_CRD:
        out.append(
            Notice(
                f"rke2-multus-crd {facts.crd_chart_version} is not in the index multus-gen knows",
                "--chart-version",
            )
        )
    if opts.failure_policy == "retry":
        out.append(
            Notice(
                "failurePolicy retry needs helm-controller v0.17.6 or newer (K3s v1.32 ships v0.16.x); "
                "older controllers do not know it",
                "--failure-policy",
            )
        )
    if opts.failure_policy == "reinstall":
        out.append(
            Notice(
                "failurePolicy reinstall uninstalls Multus from every node when an upgrade fails",
                "--failure-policy",
            )
        )
    if opts.distro == "k3s" and not k3s.has_stable_cni_bin(opts.k3s_version):
        out.append(
            Notice(
                f"K3s {opts.k3s_version} keeps CNI plugins in data/current/bin, which K3s re-points on every "
                "upgrade: after upgrading K3s, regenerate with the new --k3s-version and re-apply "
                f"(K3s {_first_stable(opts.k3s_version)} and later use the stable data/cni)",
                "--k3s-version",
            )
        )
    return out


def _first_stable(version: k3s.K3sVersion) -> str:
    patch = k3s.STABLE_CNI_BIN_SINCE.get((version.major, version.minor))
    if patch is not None:
        return f"v{version.major}.{version.minor}.{patch}+k3s1"
    major, minor = k3s.STABLE_CNI_BIN_ALL_FROM
    return f"v{major}.{minor}.0+k3s1"


def check_invariants(opts: GenOptions, facts: charts.ChartFacts, paths: k3s.K3sPaths, values: Values) -> list[Notice]:
    """Warnings where the final values (after the user's overrides) break a K3s or chart invariant."""
    out: list[Notice] = []
    if opts.distro != "k3s":
        return out
    where = "chart values"
    conf = get_path(values, "config", "cni_conf", "confDir")
    binv = get_path(values, "config", "cni_conf", "binDir")
    kube = get_path(values, "config", "cni_conf", "kubeconfig")
    auto = get_path(values, "config", "cni_conf", "multusAutoconfigDir")
    if conf != paths.conf_dir:
        out.append(
            Notice(
                f"config.cni_conf.confDir is {conf!r} but K3s {opts.k3s_version} keeps CNI configs in "
                f"{paths.conf_dir}: Multus will not find flannel's config",
                where,
            )
        )
    if binv != paths.bin_dir:
        reason = "K3s installs CNI plugins there"
        if binv == k3s.legacy_bin_dir(paths.data_dir) and paths.bin_dir_stable:
            reason = "data/current/bin changes target on every K3s upgrade"
        out.append(
            Notice(
                f"config.cni_conf.binDir is {binv!r} but K3s {opts.k3s_version} needs {paths.bin_dir} ({reason})",
                where,
            )
        )
    if kube != paths.multus_kubeconfig:
        out.append(
            Notice(
                f"config.cni_conf.kubeconfig is {kube!r}; Multus on K3s writes it to {paths.multus_kubeconfig}",
                where,
            )
        )
    if facts.sets_autoconfig_dir and auto != conf:
        out.append(
            Notice(
                f"config.cni_conf.multusAutoconfigDir is {auto!r} but must equal confDir on rke2-multus "
                f"{opts.chart_version}, or Multus never finds the default network",
                where,
            )
        )
    if not facts.sets_autoconfig_dir and auto is not None:
        out.append(
            Notice(
                f"config.cni_conf.multusAutoconfigDir is set but rke2-multus {opts.chart_version} does not mount it: "
                "Multus gets a path that does not exist in its container",
                where,
            )
        )
    whereabouts = get_path(values, "rke2-whereabouts", "enabled") is True
    if "whereabouts" in opts.ipams and not whereabouts:
        out.append(Notice("--ipam whereabouts but rke2-whereabouts.enabled is not true", where))
    if whereabouts:
        for key, expected in (("confDir", conf), ("binDir", binv)):
            got = get_path(values, "rke2-whereabouts", "cniConf", key)
            if got != expected:
                out.append(
                    Notice(
                        f"rke2-whereabouts.cniConf.{key} is {got!r}; it must match config.cni_conf.{key}",
                        where,
                    )
                )
    if "dhcp" in opts.ipams and get_path(values, "manifests", "dhcpDaemonSet") is not True:
        out.append(Notice("--ipam dhcp but manifests.dhcpDaemonSet is not true: no DHCP daemon runs", where))
    return out
