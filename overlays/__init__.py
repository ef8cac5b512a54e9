"""YAML value overlays shipped as package data: multus_gen.overlays."""
