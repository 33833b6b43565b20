"""Operator commands against a deployed stack (by stack name) or the local harness: `python -m ops --help`."""
