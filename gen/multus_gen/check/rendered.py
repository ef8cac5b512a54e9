"""The checks on a rendered chart: what helm would send to the API server, read as a node would run it.

Pure functions over rendered objects (plain dicts): given the host dirs the cluster uses (K3s or RKE2), they
say whether every DaemonSet of rke2-multus and rke2-multus-crd really reaches them -- the Multus container's
CNI flags through its hostPath mounts, the kubeconfig Multus writes, the plugins the ``cni-plugins`` init
container installs, the dhcp daemon's binary, the whereabouts installer's dirs -- whether any container mounts
one path twice, whether the CRDs the IPAMs need are installed, and whether every image comes from the chosen
registry. ``multus-gen verify`` runs them on the real archive (:mod:`multus_gen.check.helm_render` renders
it); the conformance suite runs the same functions on every archive it renders, with its own expectations.

"Works" is read from the rendered objects only, never from the chart version: a broken template is found
whatever version it claims to be.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from multus_gen.findings import Finding, JsonPath, Location
from multus_gen.record import record, replace

#: multus thin_entrypoint's defaults for the flags a chart may leave out (multus-cni cmd/thin_entrypoint).
THIN_ENTRYPOINT_DEFAULTS = {
    "--cni-conf-dir": "/host/etc/cni/net.d",
    "--cni-bin-dir": "/host/opt/cni/bin",
    "--multus-autoconfig-dir": "/host/etc/cni/net.d",
    "--multus-kubeconfig-file-host": "/etc/cni/net.d/multus.d/multus.kubeconfig",
}
#: Where the ``cni-plugins`` init container copies the reference plugins (rke2-charts images hardened-cni-plugins).
CNI_PLUGINS_TARGET = "/host/opt/cni/bin"
#: whereabouts' installer defaults for CNI_CONF_DIR / CNI_BIN_DIR (whereabouts script/install-cni.sh).
WHEREABOUTS_ENV_DEFAULTS = {"CNI_CONF_DIR": "/host/etc/cni/net.d", "CNI_BIN_DIR": "/host/opt/cni/bin"}
#: The standard CNI dirs the charts hard-code in their broken generations (FACTS.md 3).
STANDARD_DIRS = ("/etc/cni/net.d", "/opt/cni/bin", "/opt/cni")

NAD_CRD = "network-attachment-definitions.k8s.cni.cncf.io"
#: The CRDs whereabouts allocates with (every whereabouts version); NodeSlicePools (whereabouts >= v0.8, only for
#: ``node_slice_size``) are not required, but counted as whereabouts CRDs.
WHEREABOUTS_CRDS = ("ippools.whereabouts.cni.cncf.io", "overlappingrangeipreservations.whereabouts.cni.cncf.io")
WHEREABOUTS_GROUP = ".whereabouts.cni.cncf.io"
WORKLOADS = ("DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "Job", "CronJob", "Pod")

Obj = dict[str, Any]


@record
class HostDirs:
    """The host dirs a cluster's CNI uses: conf dir, bin dir, Multus' kubeconfig (FACTS.md 2)."""

    conf: str
    bin: str
    kubeconfig: str


@record
class Rendered:
    """One release as helm would install it: every object of every template (``(template path, object)``),
    and the CRDs of the ``crds/`` folders helm installs first (the chart's and its enabled subcharts')."""

    chart: str
    release: str
    namespace: str
    objects: tuple[tuple[str, Obj], ...]
    crds: tuple[tuple[str, Obj], ...] = ()
    #: How findings name the release's source (the archive as the user named it).
    source: str = ""
    #: The rendered text of every template, by its path (None: not kept).
    manifests: dict[str, str] | None = None

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for _, o in self.objects if o.get("kind") == kind]

    def named(self, kind: str, name: str) -> Obj | None:
        found = [o for o in self.of_kind(kind) if _name(o) == name]
        return found[0] if len(found) == 1 else None


# -- reading pods -----------------------------------------------------------------------------------------


def _name(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def pod_spec(workload: Obj) -> Obj:
    """The pod spec of a workload (a CronJob's job template's; a Pod's own)."""
    if workload.get("kind") == "Pod":
        return dict(workload.get("spec") or {})
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return dict(((spec.get("template") or {}).get("spec")) or {})


def _pod_path(workload: Obj) -> JsonPath:
    if workload.get("kind") == "Pod":
        return ("spec",)
    if workload.get("kind") == "CronJob":
        return ("spec", "jobTemplate", "spec", "template", "spec")
    return ("spec", "template", "spec")


def containers(workload: Obj) -> list[Obj]:
    """Init containers first, then the containers."""
    spec = pod_spec(workload)
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def _container_paths(workload: Obj) -> Iterator[tuple[JsonPath, Obj]]:
    spec, base = pod_spec(workload), _pod_path(workload)
    for group in ("initContainers", "containers"):
        for i, ctr in enumerate(spec.get(group) or []):
            yield (*base, group, i), ctr


def host_path_of(workload: Obj, ctr: Obj, path: str) -> str | None:
    """The host path behind ``path`` inside ``ctr``: through the deepest mount holding it, whose volume must be
    a hostPath. None if no mount holds it, a subPath mount does, or its volume is not a hostPath."""
    path = posixpath.normpath(path)
    best: Obj | None = None
    for mount in ctr.get("volumeMounts") or []:
        mp = posixpath.normpath(str(mount.get("mountPath", "")))
        if (path == mp or path.startswith(mp.rstrip("/") + "/")) and (best is None or len(mp) > len(best["mountPath"])):
            best = {**mount, "mountPath": mp}
    if best is None or best.get("subPath"):
        return None
    volumes = {v.get("name"): v for v in pod_spec(workload).get("volumes") or []}
    volume = volumes.get(best.get("name"))
    if volume is None or "hostPath" not in volume:
        return None
    rest = path[len(best["mountPath"]) :].lstrip("/")
    host = str(volume["hostPath"].get("path", ""))
    return posixpath.join(host, rest) if rest else posixpath.normpath(host)


def flag_args(ctr: Obj) -> tuple[dict[str, str], list[str]]:
    """``--flag=value`` arguments of a container as a dict (bare flags map to ''), and the flags given twice."""
    out: dict[str, str] = {}
    twice: list[str] = []
    for arg in ctr.get("args") or []:
        flag, _, value = str(arg).partition("=")
        if flag in out:
            twice.append(flag)
        out[flag] = value
    return out, twice


def env_of(ctr: Obj) -> dict[str, Any]:
    return {e.get("name"): e.get("value") for e in ctr.get("env") or []}


def host_paths(workload: Obj) -> set[str]:
    """The hostPath volumes of a workload."""
    return {str(v["hostPath"].get("path")) for v in pod_spec(workload).get("volumes") or [] if "hostPath" in v}


# -- which DaemonSet is which -----------------------------------------------------------------------------

MULTUS, DHCP, WHEREABOUTS = "multus", "dhcp", "whereabouts"


def role(daemonset: Obj, release: str) -> str | None:
    """multus, dhcp, whereabouts, or None (a DaemonSet these checks do not know)."""
    name = _name(daemonset)
    if name.endswith("-dhcp"):
        return DHCP
    if "whereabouts" in name:
        return WHEREABOUTS
    if name == release or "multus" in name:
        return MULTUS
    return None


# -- the checks ----------------------------------------------------------------------------------------------


class _Out:
    def __init__(self, rendered: Rendered) -> None:
        self.rendered = rendered
        self.findings: list[Finding] = []
        self._where = {id(o): p for p, o in rendered.objects}

    def add(self, obj: Obj | None, path: JsonPath, message: str, *, rule: str, fix: str | None = None) -> None:
        from multus_gen.check.catalog import severity

        template = self._where.get(id(obj)) if obj is not None else None
        if obj is None:
            label = self.rendered.source or self.rendered.chart
        else:
            what = f"{obj.get('kind')} {_name(obj)}"
            label = f"{self.rendered.source}: {what}" if self.rendered.source else what
        at = Location(file=template, path=path, label=label) if template else Location(label=label)
        self.findings.append(Finding(severity(rule), message, fix, at, rule))


def _check_multus(out: _Out, ds: Obj, dirs: HostDirs) -> None:
    base = _pod_path(ds)
    found = [(p, c) for p, c in _container_paths(ds) if p[-2] == "containers" and "multus" in str(c.get("name"))]
    if len(found) != 1:
        out.add(ds, (*base, "containers"), f"{len(found)} Multus containers, want one", rule="rendered-daemonsets")
        return
    cpath, main = found[0]
    args, twice = flag_args(main)
    for flag in twice:
        out.add(ds, (*cpath, "args"), f"{flag} is given twice", rule="rendered-cni-dirs")
    for flag, want in (
        ("--cni-conf-dir", dirs.conf),
        ("--cni-bin-dir", dirs.bin),
        ("--multus-autoconfig-dir", dirs.conf),
    ):
        inside = args.get(flag, THIN_ENTRYPOINT_DEFAULTS[flag])
        shown = f"{flag}={inside}" if flag in args else f"{flag} (default {inside})"
        if not inside.startswith("/"):
            out.add(ds, (*cpath, "args"), f"{shown} is not an absolute path", rule="rendered-cni-dirs")
            continue
        host = host_path_of(ds, main, inside)
        if host != want:
            reached = f"host path {host}" if host else "no hostPath mount"
            out.add(ds, (*cpath, "args"), f"{shown} reaches {reached}, not {want}", rule="rendered-cni-dirs")
    host_kubeconfig = args.get(
        "--multus-kubeconfig-file-host", THIN_ENTRYPOINT_DEFAULTS["--multus-kubeconfig-file-host"]
    )
    if host_kubeconfig != dirs.kubeconfig:
        out.add(
            ds,
            (*cpath, "args"),
            f"Multus is told its kubeconfig is at {host_kubeconfig} on the host, not {dirs.kubeconfig}",
            rule="rendered-kubeconfig",
        )
    # thin_entrypoint writes the kubeconfig to <cni-conf-dir>/multus.d inside the container: the same file?
    inside_conf = args.get("--cni-conf-dir", THIN_ENTRYPOINT_DEFAULTS["--cni-conf-dir"])
    if inside_conf.startswith("/"):
        written = host_path_of(ds, main, f"{inside_conf}/multus.d/multus.kubeconfig")
        if written != dirs.kubeconfig:
            out.add(
                ds,
                (*cpath, "args"),
                f"Multus writes its kubeconfig to host path {written}, not {dirs.kubeconfig}",
                rule="rendered-kubeconfig",
            )
    for path, init in _container_paths(ds):
        if path[-2] == "initContainers" and init.get("name") == "cni-plugins":
            host = host_path_of(ds, init, CNI_PLUGINS_TARGET)
            if host != dirs.bin:
                out.add(
                    ds,
                    (*path, "volumeMounts"),
                    f"the cni-plugins init container installs the CNI plugins into host path {host}, not {dirs.bin}",
                    rule="rendered-cni-plugins",
                )


def _check_standard_dirs(out: _Out, ds: Obj, dirs: HostDirs, rule: str) -> None:
    """A hard-coded standard CNI dir the cluster does not use (the broken generations, FACTS.md 3)."""
    paths = host_paths(ds)
    for path in sorted(paths):
        if path in STANDARD_DIRS and path not in (dirs.conf, dirs.bin) and not dirs.bin.startswith(path + "/"):
            out.add(
                ds, (*_pod_path(ds), "volumes"), f"mounts host path {path}, which this cluster does not use", rule=rule
            )


def _check_whereabouts(out: _Out, ds: Obj, dirs: HostDirs) -> None:
    found = list(_container_paths(ds))
    main = [(p, c) for p, c in found if p[-2] == "containers"]
    if not main:
        out.add(ds, _pod_path(ds), "the whereabouts DaemonSet has no container", rule="rendered-whereabouts")
        return
    cpath, ctr = main[0]
    env = env_of(ctr)
    for name, want in (("CNI_CONF_DIR", dirs.conf), ("CNI_BIN_DIR", dirs.bin)):
        inside = str(env.get(name) or WHEREABOUTS_ENV_DEFAULTS[name])
        host = host_path_of(ds, ctr, inside) if inside.startswith("/") else None
        if host != want:
            reached = f"host path {host}" if host else "no hostPath mount"
            out.add(ds, (*cpath, "env"), f"{name} {inside} reaches {reached}, not {want}", rule="rendered-whereabouts")
    _check_standard_dirs(out, ds, dirs, "rendered-whereabouts")


def _check_dhcp(out: _Out, ds: Obj, dirs: HostDirs) -> None:
    daemons = [
        (p, c)
        for p, c in _container_paths(ds)
        if p[-2] == "containers" and posixpath.basename(str((c.get("command") or [""])[0])) == "dhcp"
    ]
    if len(daemons) != 1:
        out.add(
            ds, (*_pod_path(ds), "containers"), f"{len(daemons)} containers run dhcp, want one", rule="rendered-dhcp"
        )
        return
    cpath, daemon = daemons[0]
    command = [str(c) for c in daemon["command"]]
    host = host_path_of(ds, daemon, command[0]) if command[0].startswith("/") else None
    if host != f"{dirs.bin}/dhcp":
        out.add(
            ds,
            (*cpath, "command"),
            f"the DHCP daemon runs {command[0]}, host path {host}, not {dirs.bin}/dhcp (the plugin Multus installs)",
            rule="rendered-dhcp",
        )
    if command[1:2] != ["daemon"]:
        out.add(
            ds,
            (*cpath, "command"),
            f"the DHCP container runs {' '.join(command)}, not dhcp daemon",
            rule="rendered-dhcp",
        )
    _check_standard_dirs(out, ds, dirs, "rendered-dhcp")


def _check_mounts(out: _Out, workload: Obj) -> None:
    base = _pod_path(workload)
    names = [str(v.get("name")) for v in pod_spec(workload).get("volumes") or []]
    for name in sorted({n for n in names if names.count(n) > 1}):
        out.add(workload, (*base, "volumes"), f"two volumes are named {name}", rule="rendered-mounts")
    for cpath, ctr in _container_paths(workload):
        mounts = ctr.get("volumeMounts") or []
        paths = [posixpath.normpath(str(m.get("mountPath", ""))) for m in mounts]
        for path in sorted({p for p in paths if paths.count(p) > 1}):
            out.add(
                workload,
                (*cpath, "volumeMounts"),
                f"container {ctr.get('name')} mounts {path} twice: the API server rejects the pod",
                rule="rendered-mounts",
            )
        for i, mount in enumerate(mounts):
            if str(mount.get("name")) not in names:
                out.add(
                    workload,
                    (*cpath, "volumeMounts", i),
                    f"container {ctr.get('name')} mounts volume {mount.get('name')}, which the pod does not have",
                    rule="rendered-mounts",
                )


def _check_cni_config(out: _Out, cm: Obj, dirs: HostDirs) -> None:
    text = (cm.get("data") or {}).get("cni-conf.json")
    if text is None:
        return
    path: JsonPath = ("data", "cni-conf.json")
    try:
        conf = json.loads(text)
    except ValueError as exc:
        out.add(cm, path, f"cni-conf.json is not JSON: {exc}", rule="rendered-cni-config")
        return
    if not isinstance(conf, dict):
        out.add(cm, path, "cni-conf.json is not a JSON object", rule="rendered-cni-config")
        return
    for key, want in (("confDir", dirs.conf), ("binDir", dirs.bin), ("kubeconfig", dirs.kubeconfig)):
        if conf.get(key) != want:
            out.add(cm, path, f"cni-conf.json {key} is {conf.get(key)!r}, not {want!r}", rule="rendered-cni-config")
    if "multusAutoconfigDir" in conf and conf["multusAutoconfigDir"] != dirs.conf:
        got = conf["multusAutoconfigDir"]
        out.add(
            cm, path, f"cni-conf.json multusAutoconfigDir is {got!r}, not {dirs.conf!r}", rule="rendered-cni-config"
        )


def _check_images(out: _Out, workload: Obj, registry: str) -> None:
    for cpath, ctr in _container_paths(workload):
        image = str(ctr.get("image", ""))
        if not image.startswith(registry.rstrip("/") + "/"):
            out.add(
                workload,
                (*cpath, "image"),
                f"container {ctr.get('name')} pulls {image}, not from {registry}",
                fix="set the chart's global.systemDefaultRegistry (--system-default-registry), or mirror that image",
                rule="rendered-image-registry",
            )


def check_release(
    rendered: Rendered, dirs: HostDirs, *, ipams: Iterable[str] = (), registry: str | None = None
) -> list[Finding]:
    """The checks on one rendered rke2-multus release (the CRDs are checked across releases: :func:`check_crds`).

    ``ipams``: the IPAMs the networks use (their daemons must be rendered); ``registry``: every image must come
    from it (None: not checked)."""
    out = _Out(rendered)
    wanted = set(ipams)
    seen: dict[str, Obj] = {}
    for ds in rendered.of_kind("DaemonSet"):
        kind = role(ds, rendered.release)
        if kind is None:
            out.add(
                ds,
                (),
                "a DaemonSet multus-gen does not know: its mounts are not checked against the CNI dirs",
                rule="rendered-daemonset-unchecked",
            )
            continue
        if kind in seen:
            out.add(
                ds, ("metadata", "name"), f"a second {kind} DaemonSet ({_name(seen[kind])})", rule="rendered-daemonsets"
            )
            continue
        seen[kind] = ds
        if kind == MULTUS:
            _check_multus(out, ds, dirs)
        elif kind == WHEREABOUTS:
            _check_whereabouts(out, ds, dirs)
        else:
            _check_dhcp(out, ds, dirs)
    if MULTUS not in seen:
        out.add(None, (), "no Multus DaemonSet is rendered", rule="rendered-daemonsets")
    if WHEREABOUTS in wanted and WHEREABOUTS not in seen:
        out.add(
            None,
            (),
            "no whereabouts DaemonSet is rendered: whereabouts networks get no address",
            fix="enable rke2-whereabouts (--ipam whereabouts)",
            rule="rendered-whereabouts",
        )
    if DHCP in wanted and DHCP not in seen:
        out.add(
            None,
            (),
            "no DHCP daemon DaemonSet is rendered: dhcp networks get no address",
            fix="set manifests.dhcpDaemonSet (--ipam dhcp)",
            rule="rendered-dhcp",
        )
    for _, obj in rendered.objects:
        if obj.get("kind") in WORKLOADS:
            _check_mounts(out, obj)
            if registry:
                _check_images(out, obj, registry)
        if obj.get("kind") == "ConfigMap":
            _check_cni_config(out, obj, dirs)
    return out.findings


def crd_names(rendered: Rendered) -> set[str]:
    """The CRDs a release installs: its ``crds/`` folders' and its templates'."""
    return {_name(o) for _, o in (*rendered.crds, *rendered.objects) if o.get("kind") == "CustomResourceDefinition"}


def check_crds(releases: Sequence[Rendered], *, ipams: Iterable[str] = ()) -> list[Finding]:
    """The CRDs across the releases of one installation (rke2-multus, and rke2-multus-crd beside >= v4.3.009):
    the NetworkAttachmentDefinition CRD, the whereabouts CRDs when whereabouts is used (and only then), each
    installed by one release."""
    if not releases:
        return []
    out = _Out(releases[-1])
    out.rendered = replace(releases[-1], source=" + ".join(r.source for r in releases if r.source))
    owners: dict[str, list[str]] = {}
    for rel in releases:
        for name in crd_names(rel):
            owners.setdefault(name, []).append(rel.chart)
    charts = " + ".join(r.chart for r in releases)
    if NAD_CRD not in owners:
        out.add(
            None,
            (),
            f"{charts} install no NetworkAttachmentDefinition CRD ({NAD_CRD}): no NAD can be created",
            fix="rke2-multus >= v4.3.009 needs rke2-multus-crd beside it (--crd-chart-archive)",
            rule="rendered-crds",
        )
    missing = [name for name in WHEREABOUTS_CRDS if name not in owners]
    wb_fix = (
        "rke2-multus-crd renders them only with rke2-whereabouts.enabled (multus-gen sets it)"
        if len(releases) > 1
        else "the rke2-whereabouts subchart ships them in its crds/ folder"
    )
    if WHEREABOUTS in set(ipams) and missing:
        out.add(
            None,
            (),
            f"{charts} install no whereabouts CRD {', '.join(missing)}: whereabouts cannot allocate",
            fix=wb_fix,
            rule="rendered-crds",
        )
    present = sorted(name for name in owners if name.endswith(WHEREABOUTS_GROUP))
    if WHEREABOUTS not in set(ipams) and present:
        out.add(
            None,
            (),
            f"{charts} install whereabouts CRDs although whereabouts is not used",
            rule="rendered-crd-unneeded",
        )
    for name, by in sorted(owners.items()):
        if len(by) > 1:
            out.add(
                None,
                (),
                f"CRD {name} is installed by {' and '.join(by)}: helm refuses the second (invalid ownership metadata)",
                rule="rendered-crds",
            )
    return out.findings


def check_installation(
    releases: Sequence[Rendered],
    dirs: HostDirs,
    *,
    ipams: Iterable[str] = (),
    registry: str | None = None,
) -> list[Finding]:
    """Every check on an installation: rke2-multus (the last release), the CRD chart before it if any, the CRDs."""
    ipams = tuple(ipams)
    findings: list[Finding] = []
    for rel in releases:
        if rel is releases[-1]:
            findings += check_release(rel, dirs, ipams=ipams, registry=registry)
        else:  # the CRD chart: no DaemonSet of its own, only mounts and images if it ever gets a workload
            out = _Out(rel)
            for _, obj in rel.objects:
                if obj.get("kind") in WORKLOADS:
                    _check_mounts(out, obj)
                    if registry:
                        _check_images(out, obj, registry)
            findings += out.findings
    return findings + check_crds(releases, ipams=ipams)
