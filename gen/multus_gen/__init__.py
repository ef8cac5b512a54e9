"""multus-gen: GitOps manifests for Multus CNI on K3s and RKE2, right for every K3s and chart version."""

__version__ = "0.1.0"
