"""YAML in and out: the one bounded, safe reader and the one serializer."""
