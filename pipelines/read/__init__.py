"""Readers: bytes on disk → Arrow tables of strings with ``_row`` (CSV streamed; Excel, JSON, GeoJSON, ZIP)."""
