"""The spec file: one Multus installation (cluster, chart, networks), or a fleet of clusters.

``load_spec(path)`` reads the YAML (safely, bounded), validates it against ``schemas/spec.schema.json``
and turns it into frozen options: a :class:`GenOptions` and the :class:`NadOptions` of every network, per
cluster. Every error is one line carrying the file, the JSON path and the line:
``multus.yaml::$.networks[0].ipam.range (line 12): ...``.

A fleet lists ``clusters``; each entry may override ``cluster`` and ``chart`` (maps merge, lists and
scalars replace, like chart values) and ``networks`` (merged by ``name``; ``remove: true`` drops one;
new names are added).

``format`` (top level) chooses the output format for every cluster; without it each cluster gets its
distribution's default (helmchart on K3s, helmchartconfig on RKE2). ``gitops.path`` is the folder the spec
renders into, relative to the Git repository root (Flux Kustomizations name it); ``gitops.sourceRef`` the
Flux source that reads the repository (default: GitRepository flux-system in flux-system).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from multus_gen.check.schemas import schema_errors
from multus_gen.errors import InputError, MultusGenError
from multus_gen.findings import JsonPath, Location
from multus_gen.knowledge import charts, k3s
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.model.options import (
    FORMATS,
    FluxSource,
    GenOptions,
    make_gen_options,
    normalize_gitops_path,
    paths_for,
    resolve_format,
)
from multus_gen.networks.addresses import cluster_cidrs
from multus_gen.networks.fields import SPEC_KEYS
from multus_gen.networks.ipam_build import IpamInputs
from multus_gen.networks.nad_build import NadOptions
from multus_gen.record import record, replace
from multus_gen.values.compose import merge
from multus_gen.yamlio.reader import MAX_SPEC_BYTES, Document, load_mapping_file

__all__ = ["FORMATS", "ClusterSpec", "Network", "Spec", "load_spec"]

#: spec key -> (make_gen_options argument, the CLI flag its errors name)
_CLUSTER_FIELDS = {
    "distro": ("distro", "--distro"),
    "k3sVersion": ("k3s_version", "--k3s-version"),
    "dataDir": ("data_dir", "--data-dir"),
    "cni": ("primary_cni", "--cni"),
}
#: Cluster keys that mean nothing on RKE2 (see options.make_gen_options).
_K3S_ONLY = frozenset({"k3sVersion", "dataDir"})
_CHART_FIELDS = {
    "version": ("chart_version", "--chart-version"),
    "allowUnknownVersion": ("allow_unknown_chart_version", "--allow-unknown-chart-version"),
    "crdVersion": ("crd_chart_version", "--crd-chart-version"),
    "allow": ("allow", "--allow"),
    "name": ("name", "--name"),
    "namespace": ("namespace", "--namespace"),
    "failurePolicy": ("failure_policy", "--failure-policy"),
    "bootstrap": ("bootstrap", "--bootstrap"),
    "set": ("set_values", "--set"),
    "setString": ("set_string_values", "--set-string"),
    # chart source (air-gapped clusters); file paths are relative to the spec file's folder
    "repo": ("repo", "--repo"),
    "repoCA": ("repo_ca", "--repo-ca"),
    "authSecret": ("auth_secret", "--auth-secret"),
    "plainHTTP": ("plain_http", "--plain-http"),
    "insecureSkipTLSVerify": ("insecure_skip_tls_verify", "--insecure-skip-tls-verify"),
    "archive": ("chart_archive", "--chart-archive"),
    "crdArchive": ("crd_chart_archive", "--crd-chart-archive"),
    "systemDefaultRegistry": ("system_default_registry", "--system-default-registry"),
    "imagePullSecret": ("image_pull_secret", "--image-pull-secret"),
}
#: A CLI flag inside a message or fix (``--repo``, ``--repo-ca``: the longest name).
_FLAG = re.compile(r"(?<![\w-])--[a-z0-9][a-z0-9-]*")


def _spec_words(text: str | None, words: Mapping[str, str]) -> str | None:
    """``text`` -- a message or fix of the CLI's, naming flags -- with each flag a spec key stands for named as
    that key (``--repo`` -> ``chart.repo``): an error located in a spec file speaks the spec's words."""
    if text is None:
        return None

    spoken = _FLAG.sub(lambda m: words.get(m.group(0), m.group(0)), text)
    # a CLI text that already says the spec key ("--x (chart.x in a spec file)") says it once
    for key in set(words.values()):
        spoken = spoken.replace(f"{key} ({key} in a spec file)", key)
    return spoken


#: Chart keys naming files (read relative to the spec file).
_PATH_FIELDS = frozenset({"repoCA", "archive", "crdArchive"})
#: network key -> NadOptions field (the flag that sets it: multus_gen.networks.fields)
_NETWORK_FIELDS: dict[str, str] = {
    "allow": "allow",
    "name": "name",
    "namespace": "namespace",
    "type": "type",
    "master": "master",
    "mode": "mode",
    "mtu": "mtu",
    "bridge": "bridge",
    "isGateway": "is_gateway",
    "ipMasq": "ip_masq",
    "isDefaultGateway": "is_default_gateway",
    "hairpinMode": "hairpin_mode",
    "macspoofchk": "macspoofchk",
    "promiscMode": "promisc_mode",
    "vlan": "vlan",
    "vlanId": "vlan_id",
    "sbr": "sbr",
    "resourceName": "resource_name",
    "spoofchk": "spoofchk",
    "trust": "trust",
    "linkState": "link_state",
    "minTxRate": "min_tx_rate",
    "maxTxRate": "max_tx_rate",
    "portmap": "portmap",
    "linkInContainer": "link_in_container",
    "device": "device",
    "hwaddr": "hwaddr",
    "kernelpath": "kernelpath",
    "pciBusID": "pci_bus_id",
    "node": "node",
    "cniVersion": "cni_version",
}


#: flag -> the spec key that stands for it, for the wording of errors (:func:`_spec_words`)
_OPTION_WORDS: dict[str, str] = {
    flag: f"{section}.{key}"
    for section, fields in (("cluster", _CLUSTER_FIELDS), ("chart", _CHART_FIELDS))
    for key, (_arg, flag) in fields.items()
}
_NETWORK_WORDS: dict[str, str] = {
    **_OPTION_WORDS,
    **{flag: keys[0] for flag, keys in SPEC_KEYS.items() if keys and flag != "--data-dir"},
}


@record
class Network:
    """One network of one cluster: the NAD options and where each field was written in the spec."""

    options: NadOptions
    sources: Mapping[str, JsonPath]  # spec key ("master", "ipam.range", ...) -> path; "" is the entry


@record
class ClusterSpec:
    """One cluster's resolved inputs."""

    name: str | None
    gen: GenOptions
    networks: tuple[Network, ...]
    cluster_cidrs: tuple[str, ...]
    service_cidrs: tuple[str, ...]
    #: the output format of this cluster (resolved: the spec's ``format`` or the distribution's default)
    format: str = "helmchart"
    #: the flag each cluster/chart key of the spec stands for -> where this cluster's value was written
    flags: tuple[tuple[str, JsonPath], ...] = ()


@record
class Spec:
    path: Path
    #: ``format`` as the spec gives it (None: each cluster's distribution default)
    format: str | None
    clusters: tuple[ClusterSpec, ...]
    fleet: bool
    doc: Document
    #: ``gitops.path``, normalized (None when the spec does not say)
    gitops_path: str | None = None
    flux_source: FluxSource = FluxSource()

    def location(self, at: JsonPath) -> Location:
        return Location(file=str(self.path), path=at, line=self.doc.line_of(at))

    def error(self, at: JsonPath, message: str, fix: str | None = None) -> InputError:
        return InputError(message, at=self.location(at), fix=fix)

    def flag_error(self, cluster: ClusterSpec, exc: MultusGenError) -> MultusGenError:
        """Re-point an error a generator raised about a flag (``--plain-http``) at the cluster's spec key that
        stands for it (``chart.plainHTTP``); an error about anything else is returned as it is."""
        at = dict(cluster.flags).get(exc.finding.at.flag or "")
        if at is None:
            return exc
        finding = exc.finding
        fix = _spec_words(finding.fix, _OPTION_WORDS)
        return type(exc).of(
            replace(finding, at=self.location(at), message=_spec_words(finding.message, _OPTION_WORDS) or "", fix=fix)
        )

    def network_error(self, network: Network, exc: InputError) -> InputError:
        """Re-point an InputError from the NAD builder (which names CLI flags) at the spec field that set the
        flag (:data:`multus_gen.networks.fields.SPEC_KEYS`), else at the network's entry."""
        keys = SPEC_KEYS.get(exc.finding.at.flag or "", ())
        at = next((network.sources[k] for k in keys if k in network.sources), network.sources[""])
        return InputError(
            _spec_words(exc.message, _NETWORK_WORDS) or "",
            at=self.location(at),
            fix=_spec_words(exc.fix, _NETWORK_WORDS),
            rule=exc.finding.rule,
        )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _cidrs(located: Spec, member: _Member, key: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """A cluster's pod or service CIDRs, one per family: K3s's dual-stack ``IPv4,IPv6`` string split."""
    try:
        return tuple(str(net) for net in cluster_cidrs(values))
    except ValueError as exc:
        raise located.error(
            member.source("cluster", key),
            f"{key}: {exc}",
            fix="give one CIDR, or an IPv4,IPv6 pair for dual stack (e.g. 10.42.0.0/16,fd00:42::/56)",
        ) from None


def _pairs(value: Any, first: str, second: str) -> tuple[str, ...]:
    """Routes (dst[,gw]) and addresses (address[,gateway]) as the CLI strings the builder takes."""
    out = []
    for item in value or ():
        if isinstance(item, Mapping):
            out.append(item[first] + (f",{item[second]}" if item.get(second) else ""))
        else:
            out.append(item)
    return tuple(out)


def _ipam_inputs(ipam: Mapping[str, Any]) -> IpamInputs:
    return IpamInputs(
        kind=ipam["type"],
        ranges=_strings(ipam.get("range")) + _strings(ipam.get("ranges")),
        range_start=_strings(ipam.get("rangeStart")),
        range_end=_strings(ipam.get("rangeEnd")),
        gateway=_strings(ipam.get("gateway")),
        excludes=_strings(ipam.get("exclude")),
        routes=_pairs(ipam.get("routes"), "dst", "gw"),
        addresses=_pairs(ipam.get("addresses"), "address", "gateway"),
        dns=_strings(ipam.get("dns")),
        data_dir=ipam.get("dataDir"),
        network_name=ipam.get("networkName"),
        enable_overlapping_ranges=ipam.get("enableOverlappingRanges"),
        node_slice_size=None if ipam.get("nodeSliceSize") is None else str(ipam["nodeSliceSize"]),
        log_level=ipam.get("logLevel"),
        log_file=ipam.get("logFile"),
        dhcp_request=tuple(str(o) for o in ipam.get("request") or ()),
        dhcp_request_skip_default=bool(ipam.get("requestSkipDefault")),
        dhcp_provide=tuple(f"{p['option']}={p['value']}" for p in ipam.get("provide") or () if "value" in p),
        dhcp_provide_from_arg=tuple(
            f"{p['option']}={p['fromArg']}" for p in ipam.get("provide") or () if "fromArg" in p
        ),
    )


def _trunk(items: Any) -> tuple[str, ...]:
    """A spec's ``vlanTrunk`` (ids, ``MIN-MAX`` strings, ``{id}`` / ``{minID, maxID}`` objects) as the
    ``--vlan-trunk`` values the builder takes."""
    out = []
    for item in items or ():
        if isinstance(item, Mapping):
            if "id" in item:
                out.append(str(item["id"]))
            if "minID" in item:  # the schema requires maxID with it
                out.append(f"{item['minID']}-{item['maxID']}")
        else:
            out.append(str(item))
    return tuple(out)


class _Entry:
    """A network as a cluster sees it: its merged fields and where each was written. A network of the spec that
    a cluster does not override is one entry shared by all such clusters."""

    def __init__(self, net: dict[str, Any], sources: dict[str, JsonPath]) -> None:
        self.net = net
        self.sources = sources
        self._built: dict[K3sPaths, Network] = {}

    def network(self, paths: K3sPaths) -> Network:
        """The network on a cluster with node paths ``paths`` (built once per paths)."""
        built = self._built.get(paths)
        if built is None:
            net = self.net
            fields = {field: net[key] for key, field in _NETWORK_FIELDS.items() if key in net}
            if "allow" in fields:
                fields["allow"] = tuple(fields["allow"])
            if "vlanTrunk" in net:
                fields["vlan_trunk"] = _trunk(net["vlanTrunk"])
            tuning = net.get("tuning") or {}
            fields.update(
                sysctl=tuple(f"{k}={v}" for k, v in (tuning.get("sysctl") or {}).items()),
                tuning_mac=tuning.get("mac"),
                tuning_mtu=tuning.get("mtu"),
                promisc=bool(tuning.get("promisc")),
            )
            options = NadOptions(**fields, ipam=_ipam_inputs(net["ipam"]), k3s_paths=paths)
            built = self._built[paths] = Network(options, self.sources)
        return built


def _spec_networks(data: Mapping[str, Any]) -> dict[str, _Entry]:
    """The spec's own ``networks`` by name, each an entry for the clusters to share."""
    return {
        net["name"]: _Entry(dict(net), _sources(net, ("networks", i)))
        for i, net in enumerate(data.get("networks") or [])
    }


class _Member:
    """One cluster of the spec (the whole spec when it lists no clusters) with the origin of each field."""

    def __init__(self, data: Mapping[str, Any], index: int | None, spec_networks: Mapping[str, _Entry]) -> None:
        self.data = data
        self.index = index
        self.entry: Mapping[str, Any] = data["clusters"][index] if index is not None else {}
        self.name: str | None = self.entry.get("name")
        self.spec_networks = spec_networks

    def section(self, key: str) -> dict[str, Any]:
        merged: dict[str, Any] = merge(self.data.get(key) or {}, self.entry.get(key) or {})
        return merged

    def flags(self) -> tuple[tuple[str, JsonPath], ...]:
        """(the flag of each cluster and chart key this member sets, where it is written)."""
        return tuple(
            (flag, self.source(section, key))
            for section, fields in (("cluster", _CLUSTER_FIELDS), ("chart", _CHART_FIELDS))
            for key, (_arg, flag) in fields.items()
            if key in self.section(section)
        )

    def source(self, section: str, key: str) -> JsonPath:
        if self.index is not None and key in (self.entry.get(section) or {}):
            return ("clusters", self.index, section, key)
        if key in (self.data.get(section) or {}):
            return (section, key)
        return (section,) if section in self.data else ()

    @cached_property
    def networks(self) -> list[_Entry]:
        merged = dict(self.spec_networks)
        for j, override in enumerate(self.entry.get("networks") or []):
            name = override["name"]
            base: JsonPath = ("clusters", self.index or 0, "networks", j)
            if override.get("remove"):
                merged.pop(name, None)
                continue
            fields = {k: v for k, v in override.items() if k != "remove"}
            old = merged.get(name)
            net, sources = (old.net, old.sources) if old is not None else ({}, {"": base})
            merged[name] = _Entry(merge(net, fields), {**sources, **_sources(fields, base), "": sources.get("", base)})
        return list(merged.values())


def _sources(net: Mapping[str, Any], base: JsonPath) -> dict[str, JsonPath]:
    out: dict[str, JsonPath] = {"": base}
    for key, value in net.items():
        out[key] = (*base, key)
        if key in ("ipam", "tuning") and isinstance(value, Mapping):
            for sub in value:
                out[f"{key}.{sub}"] = (*base, key, sub)
    return out


#: make_gen_options' arguments and the spec's format -> the options, the format and the node paths
_Made = dict[tuple[Any, ...], tuple[GenOptions, str, K3sPaths]]


def _node_slice_values() -> dict[str, Any]:
    """The chart value that runs whereabouts' node-slice controller (:data:`charts.NODE_SLICE_KEYS`), fresh."""
    values: dict[str, Any] = {}
    *parents, last = charts.NODE_SLICE_KEYS
    level = values
    for key in parents:
        level = level.setdefault(key, {})
    level[last] = True
    return values


def _node_slice(net: Mapping[str, Any]) -> bool:
    ipam = net.get("ipam")
    return isinstance(ipam, Mapping) and ipam.get("type") == "whereabouts" and ipam.get("nodeSliceSize") is not None


def _gen_options(spec_path: Path, doc: Document, member: _Member, made: _Made) -> tuple[GenOptions, str, K3sPaths]:
    """The cluster's options, format and node paths; ``made`` memoizes them on identical inputs."""
    cluster = member.section("cluster")
    chart = member.section("chart")
    ipams = {e.net["ipam"]["type"] for e in member.networks if isinstance(e.net.get("ipam"), Mapping)}
    ipams = (ipams - {"static"}) | set(chart.get("ipam") or ())
    kwargs: dict[str, Any] = {"ipam": tuple(sorted(ipams)) or ("host-local",)}
    if cluster.get("distro") == "rke2" and member.index is not None:
        # a fleet's K3s clusters share these; an RKE2 member ignores them unless its own entry sets them
        own = member.entry.get("cluster") or {}
        cluster = {k: v for k, v in cluster.items() if k not in _K3S_ONLY or k in own}
    for section, fields in (("cluster", _CLUSTER_FIELDS), ("chart", _CHART_FIELDS)):
        values = cluster if section == "cluster" else chart
        for key, (arg, _flag) in fields.items():
            if key in values and key in _PATH_FIELDS:
                # a file of that name beside the spec: "-" in a spec is no standard input (the flags' "-" is)
                parent = spec_path.parent if str(values[key]) != "-" else spec_path.parent.absolute()
                kwargs[arg] = parent / str(values[key])
            elif key in values:
                kwargs[arg] = tuple(values[key]) if isinstance(values[key], list) else values[key]
    made_key = (*kwargs.items(), member.data.get("format"))
    if made_key not in made:
        try:
            opts = make_gen_options(**kwargs)
            fmt = resolve_format(member.data.get("format"), opts)
        except InputError as exc:
            at: JsonPath = ("format",) if exc.finding.at.flag == "--format" else ()
            for section, fields in (("cluster", _CLUSTER_FIELDS), ("chart", _CHART_FIELDS)):
                for key, (_arg, flag) in fields.items():
                    if flag == exc.finding.at.flag:
                        at = member.source(section, key)
            located = Spec(spec_path, None, (), False, doc).location(at)
            message = _spec_words(exc.message, _OPTION_WORDS) or ""
            fix = _spec_words(exc.fix, _OPTION_WORDS)
            raise InputError(message, at=located, fix=fix, rule=exc.finding.rule) from None
        made[made_key] = (opts, fmt, paths_for(opts))
    opts, fmt, paths = made[made_key]
    inline: tuple[Any, ...] = (chart["values"],) if chart.get("values") else ()
    if any(_node_slice(e.net) for e in member.networks):  # whereabouts' node_slice_size needs its controller
        inline = (_node_slice_values(), *inline)
    if inline:
        opts = replace(opts, user=replace(opts.user, inline=inline))
    return opts, fmt, paths


def load_spec(path: Path) -> Spec:
    doc = load_mapping_file(path, where=str(path), max_bytes=MAX_SPEC_BYTES)
    data: dict[str, Any] = doc.data
    located = Spec(path, None, (), False, doc)
    errors = schema_errors("spec", data, rule="spec")
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        fix = "quote the value" if "is not of type 'string'" in first.message else "see multus-gen render --help"
        raise located.error(first.at.path or (), first.message + more, fix=fix)
    if "clusters" in data and not data["clusters"]:
        raise located.error(
            ("clusters",),
            "clusters is empty: a fleet needs at least one cluster",
            fix="list the clusters, or remove clusters: for a single-cluster spec",
        )
    for key, items in (("clusters", data.get("clusters") or []), ("networks", data.get("networks") or [])):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item["name"] in seen:
                raise located.error((key, i, "name"), f"name {item['name']!r} is used twice")
            seen.add(item["name"])
    indexes: list[int | None] = list(range(len(data["clusters"]))) if data.get("clusters") else [None]
    clusters = []
    spec_networks = _spec_networks(data)
    made: _Made = {}
    for index in indexes:
        member = _Member(data, index, spec_networks)
        gen, fmt, paths = _gen_options(path, doc, member, made)
        networks = []
        for entry in member.networks:
            if "type" not in entry.net or "ipam" not in entry.net:
                raise located.error(entry.sources[""], f"network {entry.net['name']!r} needs type and ipam")
            networks.append(entry.network(paths))
        cluster = member.section("cluster")
        cidrs = {
            key: _cidrs(located, member, key, _strings(cluster.get(key)) or (default,))
            for key, default in (("clusterCIDR", k3s.CLUSTER_CIDR), ("serviceCIDR", k3s.SERVICE_CIDR))
        }
        clusters.append(
            ClusterSpec(
                name=member.name,
                gen=gen,
                networks=tuple(networks),
                cluster_cidrs=cidrs["clusterCIDR"],
                service_cidrs=cidrs["serviceCIDR"],
                format=fmt,
                flags=member.flags(),
            )
        )
    gitops = data.get("gitops") or {}
    gitops_path = None
    if "path" in gitops:
        try:
            gitops_path = normalize_gitops_path(gitops["path"])
        except InputError as exc:
            raise located.error(("gitops", "path"), exc.message, exc.fix) from None
    source = FluxSource(**gitops.get("sourceRef", {}))
    return Spec(
        path=path,
        format=data.get("format"),
        clusters=tuple(clusters),
        fleet=bool(data.get("clusters")),
        doc=doc,
        gitops_path=gitops_path,
        flux_source=source,
    )
