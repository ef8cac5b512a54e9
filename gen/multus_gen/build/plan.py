"""From options to a plan: the paths, chart facts and merged values for one Multus installation.

Pure: reads only the shipped overlays and the user's value files named in the options.
"""

from __future__ import annotations

from multus_gen.knowledge import charts, helm_controller, k3s, rke2
from multus_gen.model.options import GenOptions
from multus_gen.model.record import record
from multus_gen.values.compose import UserValues, Values, apply_user_values, compose, get_path, prune_equal

WARNING = "warning"
NOTE = "note"


@record
class Notice:
    """A message for stderr. ``warning``: something that will not fail now but may not do what the user
    wants; ``note``: a step the user must take outside multus-gen."""

    message: str
    where: str | None = None
    level: str = WARNING

    def one_line(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return " ".join(text.split())


@record
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


def paths_for(opts: GenOptions) -> k3s.K3sPaths:
    """The node paths of the cluster ``opts`` describes: K3s's (per data dir and version) or RKE2's."""
    if opts.distro == "rke2":
        return rke2.paths()
    return k3s.paths(opts.data_dir, opts.k3s_version)


def make_plan(opts: GenOptions) -> ChartPlan:
    """Paths, gates and merged values for ``opts``.

    On RKE2 the shipped overlays' values that equal the chart defaults (which already are RKE2's paths) are
    left out before the user's values apply: the HelmChartConfig carries only what differs from what RKE2
    installs anyway.
    """
    facts = charts.chart_facts(opts.chart_version)
    paths = paths_for(opts)
    if opts.distro == "rke2":
        base = prune_equal(compose(overlays_for(opts, facts), _params(paths), UserValues()), rke2.CHART_DEFAULT_PATHS)
        values = apply_user_values(base, opts.user)
    else:
        values = compose(overlays_for(opts, facts), _params(paths), opts.user)
    crd_values: Values | None = None
    if facts.needs_crd_chart:
        # follow the final values, not the flags: -f/--set may enable (or disable) whereabouts too
        enabled = ["whereabouts"] if get_path(values, "rke2-whereabouts", "enabled") is True else []
        crd_overlays = [name for ipam in enabled for name in charts.CRD_CHART_IPAM_OVERLAYS.get(ipam, ())]
        crd_values = compose(crd_overlays, _params(paths), UserValues())
    notices = [*_version_notices(opts, facts), *check_invariants(opts, facts, paths, values)]
    if opts.distro == "rke2":
        notices.append(Notice(rke2.config_guidance(opts.primary_cni), level=NOTE))
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
                f"failurePolicy retry needs helm-controller {helm_controller.RETRY_SINCE} or newer "
                f"(K3s v1.32 ships {helm_controller.K3S_132_SHIPS}); "
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
                f"(K3s {k3s.first_stable_cni_bin_release(opts.k3s_version)} and later use the stable data/cni)",
                "--k3s-version",
            )
        )
    return out


def _effective(values: Values, *keys: str) -> object:
    """A chart value as the templates see it: the user's/overlay's value, or the chart default when the
    key is absent (a null stays null: helm deletes the default)."""
    node: object = values
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return rke2.CHART_DEFAULT_PATHS.get(tuple(keys))
        node = node[key]
    return node


def check_invariants(opts: GenOptions, facts: charts.ChartFacts, paths: k3s.K3sPaths, values: Values) -> list[Notice]:
    """Warnings where the final values (after the user's overrides) break a distribution or chart invariant.

    Absent keys count as the chart defaults (the standard dirs): right on RKE2, wrong on K3s.
    """
    out: list[Notice] = []
    where = "chart values"
    dist = opts.distro_label
    name = "K3s" if opts.distro == "k3s" else "RKE2"
    conf = _effective(values, "config", "cni_conf", "confDir")
    binv = _effective(values, "config", "cni_conf", "binDir")
    kube = _effective(values, "config", "cni_conf", "kubeconfig")
    auto = get_path(values, "config", "cni_conf", "multusAutoconfigDir")
    if auto is None and facts.sets_autoconfig_dir and opts.distro == "rke2":
        auto = _effective(values, "config", "cni_conf", "multusAutoconfigDir")
    primary = "flannel's" if opts.distro == "k3s" else "the primary CNI's"
    if conf != paths.conf_dir:
        out.append(
            Notice(
                f"config.cni_conf.confDir is {conf!r} but {dist} keeps CNI configs in "
                f"{paths.conf_dir}: Multus will not find {primary} config",
                where,
            )
        )
    if binv != paths.bin_dir:
        reason = f"{name} installs CNI plugins there"
        if opts.distro == "k3s" and binv == k3s.legacy_bin_dir(paths.data_dir) and paths.bin_dir_stable:
            reason = "data/current/bin changes target on every K3s upgrade"
        out.append(
            Notice(
                f"config.cni_conf.binDir is {binv!r} but {dist} needs {paths.bin_dir} ({reason})",
                where,
            )
        )
    if kube != paths.multus_kubeconfig:
        out.append(
            Notice(
                f"config.cni_conf.kubeconfig is {kube!r}; Multus on {name} writes it to {paths.multus_kubeconfig}",
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
            got = _effective(values, "rke2-whereabouts", "cniConf", key)
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
