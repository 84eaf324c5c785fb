"""The knowledge base: its models (Contract 1 and the reference records), loading and
checking the YAML, dates, country codes, and the one dated commitment logic."""
