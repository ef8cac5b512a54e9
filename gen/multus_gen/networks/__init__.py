"""Networks: IPAM models and CIDR rules, flags/spec fields -> CNI config, NAD documents, checks across
networks."""
