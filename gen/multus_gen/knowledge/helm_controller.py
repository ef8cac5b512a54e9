"""k3s-io/helm-controller facts (FACTS.md section 5): which HelmChart fields need which controller version.

An older controller silently drops a field it does not know. K3s v1.32 ships helm-controller v0.16.5 to
v0.16.16. Source: k3s-io/helm-controller releases and pkg/apis/helm.cattle.io/v1/types.go.
"""

from __future__ import annotations

#: HelmChart/HelmChartConfig spec field -> first helm-controller release that knows it.
FIELD_SINCE: dict[str, str] = {
    "values": "v0.16.20",
    "valuesSecrets": "v0.16.7",
    "takeOwnership": "v0.16.14",
    "driver": "v0.17.1",
    "forceConflicts": "v0.17.6",
    "serverSide": "v0.17.7",
}
#: ``failurePolicy: retry`` arrived with this release.
RETRY_SINCE = "v0.17.6"
#: What K3s v1.32 ships, for messages.
K3S_132_SHIPS = "v0.16.x"
SOURCE = "k3s-io/helm-controller releases; FACTS.md 5"
