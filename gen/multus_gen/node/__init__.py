"""The node: what a K3s or RKE2 node's own files say (``doctor``, ``install --detect``, ``uninstall``).

``facts``: the K3s version, data dir and distribution of a node, each with where it came from; ``doctor``: the
node's CNI files checked against those facts and the manifests folder (with ``validate``'s own rules). Read
only: nothing here writes.
"""
