"""Checking: the JSON Schema registry, the rules on chart installs and NADs, findings, and the file walk
of ``validate``."""
