"""Placeholder: due colours job being written."""
