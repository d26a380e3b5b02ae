"""Cleaning and validation: the canonical schema, cell parsers, supplier clustering, templates."""
