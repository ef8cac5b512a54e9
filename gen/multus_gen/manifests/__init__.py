"""Pure builders: plain dicts for every kind of document multus-gen emits."""
