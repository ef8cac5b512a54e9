"""Version knowledge as data: which paths for which K3s/RKE2, which values for which chart version.

Every table row names its source. Nothing in this package imports anything else of ours.
"""
