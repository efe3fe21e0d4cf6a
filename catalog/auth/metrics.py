"""Auth for the publication-rate actions: public figures, readable by anyone.

Safe because the rows never name datasets — missing lists hold target keys and titles only — so a
private (庁内限定) dataset cannot leak through them.
"""
from __future__ import annotations

from catalog.auth import ok
from catalog.context import Context


def publication_rate_show(context: Context, data_dict: dict) -> dict:
    return ok()
