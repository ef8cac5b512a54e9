"""The container images each rke2-multus version pulls, per component, and what decides whether a component
runs (for ``multus-gen images`` and private registries).

Read from the ``values.yaml`` of the real archives (rancher/rke2-charts assets/rke2-multus, the archives in the
conformance fixtures) and their templates: every image is ``{{ system_default_registry }}{{ repository }}:{{ tag }}``
where the helper is ``global.systemDefaultRegistry`` followed by ``/`` when set. The rke2-multus-crd chart has no
images. The conformance suite renders each archive with the Helm engine and compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from multus_gen.findings import get_path
from multus_gen.knowledge import charts
from multus_gen.record import record

SOURCE = "values.yaml and templates of rancher/rke2-charts assets/rke2-multus/rke2-multus-<version>.tgz"
#: rke2-multus templates read ``imagePullSecrets`` from this version on (absent from every template of
#: v3.7.1-build2021041601, present in v4.0.2-build2023081100 and later: checked in the generation archives).
PULL_SECRETS_SINCE = "v4.0.2-build2023081100"
REGISTRY_KEY = ("global", "systemDefaultRegistry")


@record
class Component:
    """One workload's image: its values path (``.repository``/``.tag`` below it) and when the chart renders it."""

    name: str
    image_at: tuple[str, ...]
    #: (values path, value) pairs that must all hold for the workload to render (chart defaults apply)
    when: tuple[tuple[tuple[str, ...], Any], ...]
    #: (values path, value) pairs any of which keeps it from rendering
    unless: tuple[tuple[tuple[str, ...], Any], ...] = ()


COMPONENTS: tuple[Component, ...] = (
    Component("multus", ("image",), ((("manifests", "daemonSet"), True),), ((("thickPlugin", "enabled"), True),)),
    Component("cni-plugins", ("cniplugins", "image"), ((("manifests", "daemonSet"), True),)),
    Component(
        "multus-thick",
        ("thickPlugin", "image"),
        ((("manifests", "daemonSet"), True), (("thickPlugin", "enabled"), True)),
    ),
    Component("dhcp", ("dhcpDaemonSet", "image"), ((("manifests", "dhcpDaemonSet"), True),)),
    Component(
        "dynamic-networks-controller",
        ("dynamicNetworksController", "image"),
        ((("dynamicNetworksController", "enabled"), True),),
    ),
    Component("whereabouts", ("rke2-whereabouts", "image"), ((("rke2-whereabouts", "enabled"), True),)),
)

#: Image (without registry) of every component, per archive multus-gen keeps (charts.VERIFIED).
IMAGES: dict[str, dict[str, str]] = {
    "v4.2.106": {
        "multus": "rancher/hardened-multus-cni:v4.2.1-build20250627",
        "cni-plugins": "rancher/hardened-cni-plugins:v1.7.1-build20250611",
        "multus-thick": "rancher/hardened-multus-thick:v4.2.1-build20250627",
        "dhcp": "rancher/mirrored-library-busybox:1.36.1",
        "dynamic-networks-controller": "rancher/hardened-multus-dynamic-networks-controller:v0.3.7-build20250711",
        "whereabouts": "rancher/hardened-whereabouts:v0.9.1-build20250704",
    },
    "v4.2.202": {
        "multus": "rancher/hardened-multus-cni:v4.2.2-build20250729",
        "cni-plugins": "rancher/hardened-cni-plugins:v1.7.1-build20250725",
        "multus-thick": "rancher/hardened-multus-thick:v4.2.2-build20250729",
        "dhcp": "rancher/mirrored-library-busybox:1.36.1",
        "dynamic-networks-controller": "rancher/hardened-multus-dynamic-networks-controller:v0.3.7-build20250711",
        "whereabouts": "rancher/hardened-whereabouts:v0.9.1-build20250704",
    },
    "v4.3.017": {
        "multus": "rancher/hardened-multus-cni:v4.3.0-build20260819",
        "cni-plugins": "rancher/hardened-cni-plugins:v1.9.1-build20260819",
        "multus-thick": "rancher/hardened-multus-thick:v4.3.0-build20260819",
        "dhcp": "rancher/mirrored-library-busybox:1.36.1",
        "dynamic-networks-controller": "rancher/hardened-multus-dynamic-networks-controller:v0.3.8-build20260818",
        "whereabouts": "rancher/hardened-whereabouts:v0.9.4-build20260819",
    },
}

#: What the chart's values.yaml sets for the switches the components depend on (the same in every version above).
DEFAULT_SWITCHES: dict[tuple[str, ...], Any] = {
    ("manifests", "daemonSet"): True,
    ("manifests", "dhcpDaemonSet"): False,
    ("thickPlugin", "enabled"): False,
    ("dynamicNetworksController", "enabled"): False,
    ("rke2-whereabouts", "enabled"): False,
}


def takes_pull_secrets(version: str) -> bool:
    """True if rke2-multus ``version``'s templates read ``imagePullSecrets``."""
    key, since = charts.version_key(version), charts.version_key(PULL_SECRETS_SINCE)
    return key is None or since is None or key >= since


def enabled(component: Component, values: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> bool:
    """Whether ``component`` renders with ``values`` over the chart's ``defaults`` (the values.yaml, or the
    switches every known version ships)."""

    def value(path: tuple[str, ...]) -> Any:
        found = get_path(values, *path)
        if found is not None:
            return found
        if defaults is not None:
            return get_path(defaults, *path)
        return DEFAULT_SWITCHES.get(path)

    def truthy(path: tuple[str, ...], want: Any) -> bool:
        return bool(value(path)) == bool(want)

    return all(truthy(p, w) for p, w in component.when) and not any(truthy(p, w) for p, w in component.unless)


def with_registry(image: str, registry: str | None) -> str:
    """The reference a pod pulls: ``<registry>/<image>`` when a system default registry is set."""
    return f"{registry}/{image}" if registry else image
