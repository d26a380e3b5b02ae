"""Reporting: the report runner, its views, charts and HTML helpers."""
