"""The option keys of two IPAMs, read and checked for :mod:`.ipam` (the one check the builders and ``validate``
share): whereabouts' ``enable_overlapping_ranges``, ``node_slice_size``, ``log_level`` and ``log_file``, and
dhcp's ``request`` and ``provide`` lists.

Upstream facts (neither binary is in Debian, so these are read from the sources, not run):

* whereabouts (k8snetworkplumbingwg/whereabouts pkg/types IPAMConfig, pkg/logging, the node-slice controller
  pkg/node-controller): ``node_slice_size`` is a string, ``"/28"`` or ``"28"`` (a JSON number fails to
  unmarshal); the controller slices the top-level ``range`` only (it reads ``range`` and ``network_name``, not
  ``ipRanges``); ``log_level`` is one of debug, verbose, error, panic (anything else leaves the default,
  debug); ``log_file`` is opened by the plugin on the node (a relative path lands wherever the runtime runs it).
* dhcp (containernetworking/plugins plugins/ipam/dhcp, main.go and options.go): ``request`` is a list of
  ``{option, skipDefault}``, ``provide`` a list of ``{option, value, fromArg}``; an option is one of the six
  names of :data:`~multus_gen.networks.models.DHCP_OPTION_NAMES` or a number; the daemon refuses anything else
  when the pod starts ("Can not parse option"), and a value longer than 255 bytes; ``fromArg`` names a key of
  CNI_ARGS, which Multus fills with :data:`~multus_gen.networks.models.MULTUS_CNI_ARGS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from multus_gen.findings import JsonPath
from multus_gen.networks.ipam_rules import Collector
from multus_gen.networks.models import DHCP_OPTION_NAMES, MULTUS_CNI_ARGS, WHEREABOUTS_LOG_LEVELS, DhcpOption

#: The longest value a DHCP option carries (one length octet; options.go refuses longer ones).
DHCP_VALUE_MAX = 255


def node_slice_prefix(text: str) -> int | None:
    """The prefix length of a ``node_slice_size`` (``/26`` or ``26``), None if it is not one."""
    digits = text[1:] if text.startswith("/") else text
    return int(digits) if digits.isdigit() and len(digits) <= 3 else None


def whereabouts_options(
    ipam: Mapping[str, Any], where: JsonPath, ranges: Sequence[Any], out: Collector
) -> tuple[bool | None, str | None, str | None, str | None]:
    """Check whereabouts' option keys; ``ranges``: (WhereaboutsRange, rules ok) of the top-level range and the
    ipRanges entries. Returns (enable_overlapping_ranges, node_slice_size, log_level, log_file) as read."""
    overlapping = ipam.get("enable_overlapping_ranges")
    if overlapping is not None and not isinstance(overlapping, bool):
        out.add(
            "ipam-malformed", (*where, "enable_overlapping_ranges"), "enable_overlapping_ranges must be true or false"
        )
        overlapping = None
    if overlapping is False:
        out.add(
            "ipam-overlapping-ranges-off",
            (*where, "enable_overlapping_ranges"),
            "overlapping-range detection is off: another NAD's overlapping range can hand out the same IP",
        )
    log_level = ipam.get("log_level")
    if log_level is not None and log_level not in WHEREABOUTS_LOG_LEVELS:
        out.add(
            "ipam-log-level-invalid",
            (*where, "log_level"),
            f"log_level {log_level!r} is not one of {', '.join(WHEREABOUTS_LOG_LEVELS)} (whereabouts keeps debug)",
            fix=f"use one of {', '.join(WHEREABOUTS_LOG_LEVELS)}",
        )
        log_level = None
    log_file = ipam.get("log_file")
    if log_file is not None and (not isinstance(log_file, str) or not log_file.startswith("/")):
        out.add(
            "ipam-log-file-invalid",
            (*where, "log_file"),
            f"log_file {log_file!r} is not an absolute path: the plugin opens it on the node, relative to wherever "
            "the container runtime runs it",
            fix="give an absolute path on the node, e.g. /var/log/whereabouts.log",
        )
        log_file = None
    nss = ipam.get("node_slice_size")
    prefix = node_slice_prefix(nss) if isinstance(nss, str) else None
    if nss is not None and prefix is None:
        out.add(
            "ipam-node-slice-size",
            (*where, "node_slice_size"),
            f'node_slice_size {nss!r} is not a prefix length string such as "/26" (whereabouts reads a string)',
            fix='write e.g. "/26"',
        )
    elif prefix is not None:
        if ipam.get("ipRanges"):
            out.add(
                "ipam-node-slice-size",
                (*where, "node_slice_size"),
                "node_slice_size slices the top-level range only: the node-slice controller does not read ipRanges",
                fix="give one range (no second --range) with --node-slice-size",
            )
        for r, ok in ranges:
            if ok and not r.range.prefixlen < prefix <= r.range.max_prefixlen - 2:
                out.add(
                    "ipam-node-slice-size",
                    (*where, "node_slice_size"),
                    f"node_slice_size /{prefix} does not divide range {r.range} into slices of at least 4 addresses",
                    fix=f"use a prefix in /{r.range.prefixlen + 1}-/{r.range.max_prefixlen - 2}",
                )
    return overlapping, nss if prefix is not None else None, log_level, log_file


def _option_name(entry: Mapping[str, Any], path: JsonPath, out: Collector) -> str | None:
    option = entry.get("option")
    if not isinstance(option, str) or not option:
        out.add("ipam-dhcp-option-invalid", (*path, "option"), "a dhcp option entry needs option (a name or number)")
        return None
    if option in DHCP_OPTION_NAMES or (option.isdigit() and 1 <= int(option) <= 254 and option == str(int(option))):
        return option
    out.add(
        "ipam-dhcp-option-unknown",
        (*path, "option"),
        f"dhcp option {option!r} is neither a name the dhcp daemon knows nor an option number (1-254); the daemon "
        "refuses it when the pod starts",
        fix=f"use one of {', '.join(DHCP_OPTION_NAMES)}, or the option's number (e.g. 121)",
    )
    return None


def dhcp_options(
    ipam: Mapping[str, Any], where: JsonPath, out: Collector
) -> tuple[tuple[DhcpOption, ...], tuple[DhcpOption, ...]]:
    """Check dhcp's ``request`` and ``provide`` lists; returns the entries that are right."""
    read: dict[str, list[DhcpOption]] = {"request": [], "provide": []}
    for key, known in (("request", ("option", "skipDefault")), ("provide", ("option", "value", "fromArg"))):
        entries = ipam.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(o, dict) for o in entries):
            out.add("ipam-malformed", (*where, key), f"{key} must be a list of option objects")
            continue
        for i, entry in enumerate(entries):
            path = (*where, key, i)
            for extra in sorted(k for k in entry if k not in known):
                out.add("ipam-unknown-key", (*path, extra), f"dhcp {key} does not know key {extra!r}", fix="remove it")
            if key == "request":
                skip = entry.get("skipDefault", False)
                if not isinstance(skip, bool):
                    out.add("ipam-dhcp-option-invalid", (*path, "skipDefault"), "skipDefault must be true or false")
                    continue
                if skip and entry.get("option") in (None, ""):
                    continue  # only "skip the default list", as options.go allows: an empty request list is sent
                option = _option_name(entry, path, out)
                if option is not None:
                    read[key].append(DhcpOption(option, skip_default=skip))
                continue
            option = _option_name(entry, path, out)
            value, arg = entry.get("value"), entry.get("fromArg")
            if value is None and arg is None:
                out.add(
                    "ipam-dhcp-option-invalid",
                    path,
                    f"provide option {entry.get('option')!r} has neither value nor fromArg: nothing is sent",
                    fix="give a value (--dhcp-provide OPTION=VALUE) or a CNI_ARGS key (--dhcp-provide-from-arg)",
                )
                continue
            if value is not None and (not isinstance(value, str) or len(value.encode()) > DHCP_VALUE_MAX):
                out.add(
                    "ipam-dhcp-option-invalid",
                    (*path, "value"),
                    f"value of {entry.get('option')!r} must be a string of at most {DHCP_VALUE_MAX} bytes",
                )
                continue
            if arg is not None and not isinstance(arg, str):
                out.add("ipam-dhcp-option-invalid", (*path, "fromArg"), "fromArg must be the name of a CNI_ARGS key")
                continue
            if arg is not None and arg not in MULTUS_CNI_ARGS:
                out.add(
                    "ipam-dhcp-from-arg-unknown",
                    (*path, "fromArg"),
                    f"fromArg {arg!r} is not a CNI_ARGS key Multus passes: the daemon sends nothing for it",
                    fix=f"use one of {', '.join(MULTUS_CNI_ARGS)}",
                )
            if option is not None:
                read[key].append(DhcpOption(option, value=value, from_arg=arg))
    return tuple(read["request"]), tuple(read["provide"])
