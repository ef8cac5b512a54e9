"""From options to a plan: the paths, chart facts and merged values for one Multus installation.

Pure: reads only the shipped overlays and the user's value files named in the options.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from multus_gen.findings import Finding, note
from multus_gen.knowledge import charts, k3s, rke2
from multus_gen.model.options import GenOptions, paths_for
from multus_gen.record import record
from multus_gen.values.compose import UserValues, Values, apply_user_values, compose, get_path, merge, prune_equal

if TYPE_CHECKING:  # loaded by --from-values runs only
    from multus_gen.values.adopt import Change


@record
class ChartPlan:
    """Everything the manifest builders need, resolved."""

    opts: GenOptions
    paths: k3s.K3sPaths
    facts: charts.ChartFacts
    values: Values
    crd_values: Values | None
    notices: tuple[Finding, ...]
    #: ``--from-values``: each key multus-gen owns that the user's file had otherwise (values/adopt.py)
    taken_over: tuple[Change, ...] = ()

    @property
    def crd_chart_version(self) -> str | None:
        # given (or checked) with the options; the facts' companion when the options were built without it
        return self.opts.crd_chart_version or self.facts.crd_chart_version


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


def registry_values(opts: GenOptions) -> Values:
    """The chart values of the private image registry options, below the user's own values.

    ``global.systemDefaultRegistry`` prefixes every image of rke2-multus and its rke2-whereabouts subchart
    (their templates' ``system_default_registry`` helper); ``imagePullSecrets`` is read by every DaemonSet of
    rke2-multus and, as ``rke2-whereabouts.imagePullSecrets``, by the subchart's (rke2-multus v4.x values.yaml
    and templates; the CRD chart has no images)."""
    src = opts.source
    out: Values = {}
    if src.system_default_registry is not None:
        out["global"] = {"systemDefaultRegistry": src.system_default_registry}
    if src.image_pull_secret is not None:
        secrets = [{"name": src.image_pull_secret}]
        out["imagePullSecrets"] = secrets
        if "whereabouts" in opts.ipams:
            out["rke2-whereabouts"] = {"imagePullSecrets": [dict(s) for s in secrets]}
    return out


def make_plan(opts: GenOptions) -> ChartPlan:
    """Paths, gates and merged values for ``opts``.

    On RKE2 the shipped overlays' values that equal the chart defaults (which already are RKE2's paths) are
    left out before the user's values apply: the HelmChartConfig carries only what differs from what RKE2
    installs anyway.
    """
    facts = charts.chart_facts(opts.chart_version)
    paths = paths_for(opts)
    taken_over: tuple[Change, ...] = ()
    base = compose(overlays_for(opts, facts), _params(paths), UserValues())
    if opts.distro == "rke2":
        base = prune_equal(base, rke2.CHART_DEFAULT_PATHS)
    elif opts.from_values is not None:
        from multus_gen.values.adopt import read_values, take_over

        base, taken_over = take_over(read_values(opts.from_values), base, opts.from_values)
    values = apply_user_values(merge(base, registry_values(opts)), opts.user)
    crd_values: Values | None = None
    if facts.needs_crd_chart:
        # follow the final values, not the flags: -f/--set may enable (or disable) whereabouts too
        enabled = ["whereabouts"] if get_path(values, "rke2-whereabouts", "enabled") is True else []
        crd_overlays = [name for ipam in enabled for name in charts.CRD_CHART_IPAM_OVERLAYS.get(ipam, ())]
        crd_values = compose(crd_overlays, _params(paths), UserValues())
    notices: list[Finding] = []
    if opts.distro == "rke2":
        notices.append(note(rke2.config_guidance(opts.primary_cni), rule="rke2-enable-multus"))
    return ChartPlan(opts, paths, facts, values, crd_values, tuple(notices), taken_over)
