"""The one error hierarchy of the catalog. Turned into CKAN's envelope and status codes only in ``catalog/app.py``."""
from __future__ import annotations


class ActionError(Exception):
    """Base class of errors raised by actions."""


class NotFound(ActionError):
    """404 ``Not Found Error``."""


class NotAuthorized(ActionError):
    """403 ``Authorization Error``."""


class ValidationError(ActionError):
    """409 ``Validation Error`` with ``error_dict`` = {field: [messages]}."""

    def __init__(self, error_dict: dict[str, list[str] | str | dict]):
        super().__init__(error_dict)
        self.error_dict = error_dict


class SearchQueryError(ActionError):
    """400 ``Search Query Error``."""


class SearchError(ActionError):
    """409 ``Search Error``."""
