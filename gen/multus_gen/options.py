"""Option objects: every command's inputs, parsed and checked once, frozen.

The CLI (flags) and the spec file both end here; nothing downstream sees raw strings.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .knowledge import charts, k3s
from .values import UserValues

IPAMS = ("host-local", "whereabouts", "dhcp")
DISTROS = ("k3s", "rke2")
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
    text = value if value is not None else k3s.DEFAULT_K3S_VERSION
    try:
        version = k3s.K3sVersion.parse(text)
    except ValueError:
        raise InputError(
            f"{text!r} is not a K3s version",
            where=where,
            fix="use the form v1.30.5+k3s1 (see `k3s --version`)",
        ) from None
    if version.major != 1:
        raise InputError(f"{text!r}: multus-gen knows K3s 1.x only", where=where)
    return version


def resolve_chart_version(value: str | None, *, allow_unknown: bool, where: str = "--chart-version") -> str:
    """Check a rke2-multus version against the index and the gates; returns it unchanged when usable."""
    if value is None:
        return charts.DEFAULT_CHART_VERSION
    version = value.strip()
    if version in charts.PUBLISHED:
        facts = charts.chart_facts(version)
        if facts.status == charts.BROKEN:
            good = charts.nearest_good(version)
            raise InputError(
                f"rke2-multus {version} is broken on K3s: {facts.layout.note} ({facts.layout.source})",
                where=where,
                fix=f"use {good}",
            )
        return version
    spelled = charts.same_version_spelled_differently(version)
    if spelled is not None:
        raise InputError(
            f"rke2-multus has no version {version!r} (versions are matched exactly)",
            where=where,
            fix=f"did you mean {spelled}?",
        )
    if charts.version_key(version) is None:
        raise InputError(
            f"{version!r} is not a chart version", where=where, fix=f"use e.g. {charts.DEFAULT_CHART_VERSION}"
        )
    if charts.is_newer_than_index(version):
        if allow_unknown:
            return version
        raise InputError(
            f"rke2-multus {version} is newer than every version multus-gen knows (newest: {charts.newest_published()})",
            where=where,
            fix="pass --allow-unknown-chart-version to use it with the newest known gates, "
            f"or use {charts.DEFAULT_CHART_VERSION}",
        )
    raise InputError(
        f"rke2-multus {version} is not in the chart repository index",
        where=where,
        fix=f"use {charts.nearest_good(version)}",
    )


def normalize_ipams(ipams: tuple[str, ...] | list[str], *, where: str = "--ipam") -> tuple[str, ...]:
    """Unique IPAMs in the fixed order of ``IPAMS`` (so the output does not depend on input order)."""
    for ipam in ipams:
        if ipam not in IPAMS:
            raise InputError(f"unknown IPAM {ipam!r}", where=where, fix="use one of " + ", ".join(IPAMS))
    chosen = tuple(i for i in IPAMS if i in ipams)
    return chosen or ("host-local",)


@dataclass(frozen=True)
class GenOptions:
    """Inputs of every command that generates the Multus chart installation.

    ``ipams``: every IPAM the cluster's networks use (a spec file can mix them); the chart gets what each
    one needs. ``ipam`` joins them for messages (``whereabouts+dhcp``).
    """

    ipams: tuple[str, ...] = ("host-local",)
    distro: str = "k3s"
    k3s_version: k3s.K3sVersion = field(default_factory=lambda: k3s.K3sVersion.parse(k3s.DEFAULT_K3S_VERSION))
    data_dir: str = k3s.DEFAULT_DATA_DIR
    chart_version: str = charts.DEFAULT_CHART_VERSION
    name: str = "multus"
    namespace: str = "kube-system"
    user: UserValues = field(default_factory=UserValues)
    failure_policy: str = DEFAULT_FAILURE_POLICY
    bootstrap: bool = True
    allow_unknown_chart_version: bool = False

    @property
    def ipam(self) -> str:
        return "+".join(self.ipams)


def make_gen_options(
    *,
    ipam: str | tuple[str, ...] = "host-local",
    k3s_version: str | None = None,
    data_dir: str | None = None,
    chart_version: str | None = None,
    name: str = "multus",
    namespace: str = "kube-system",
    values_files: tuple[Path, ...] = (),
    set_values: tuple[str, ...] = (),
    set_string_values: tuple[str, ...] = (),
    failure_policy: str = DEFAULT_FAILURE_POLICY,
    bootstrap: bool = True,
    allow_unknown_chart_version: bool = False,
) -> GenOptions:
    """Check raw inputs (flags or spec file) and build the frozen options; InputError names the flag."""
    ipams = normalize_ipams((ipam,) if isinstance(ipam, str) else ipam)
    if failure_policy not in FAILURE_POLICIES:
        raise InputError(
            f"unknown failure policy {failure_policy!r}",
            where="--failure-policy",
            fix="use one of " + ", ".join(FAILURE_POLICIES),
        )
    return GenOptions(
        ipams=ipams,
        k3s_version=parse_k3s_version(k3s_version),
        data_dir=check_data_dir(data_dir if data_dir is not None else k3s.DEFAULT_DATA_DIR),
        chart_version=resolve_chart_version(chart_version, allow_unknown=allow_unknown_chart_version),
        name=check_dns1123_label(name, where="--name", max_len=MAX_NAME),
        namespace=check_dns1123_label(namespace, where="--namespace"),
        user=UserValues(files=values_files, set=set_values, set_string=set_string_values),
        failure_policy=failure_policy,
        bootstrap=bootstrap,
        allow_unknown_chart_version=allow_unknown_chart_version,
    )
