"""Licence openness: CC-BY-NC / ND (and CKAN's non-open ids) cannot be published as open data."""
from __future__ import annotations

import re

from quality.findings import Finding
from quality.catalogue import FINDING_TYPES, message

# NC (non-commercial) and ND (no derivatives) fail the open definition; so do CKAN's closed/unspecified ids.
_NON_OPEN = re.compile(r"(^|[-_ ])(nc|nd)([-_ ]|$)|^other-(nc|closed|at)$|^notspecified$", re.IGNORECASE)


def check_license(license_id: str | None) -> Finding | None:
    """A ``non-open-license`` error for e.g. ``CC-BY-NC-ND-4.0``; None for CC-BY-4.0, CC0, PDL1.0 and the like."""
    if not license_id or not _NON_OPEN.search(license_id.strip()):
        return None
    severity, family, _, _ = FINDING_TYPES["non-open-license"]
    ja, en = message("non-open-license", None, license_id)
    return Finding("non-open-license", severity, family, ja, en, examples=(license_id,), count=1)
