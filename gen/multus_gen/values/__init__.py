"""Chart values: overlay composition and merging, helm's ``--set`` grammar, helm's reading of values files."""
