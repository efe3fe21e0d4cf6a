"""The context every action receives: who is calling, against which store. Frozen, never a grab-bag."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalog.store import Store


@dataclass(frozen=True)
class Context:
    """``user`` is a user dict (see ``catalog.store.users``) or None for anonymous callers.

    ``ignore_auth`` is only set by the catalog itself for internal calls (e.g. ``package_show`` to build the
    result of ``package_create``), never from a request.
    """

    store: Store
    site_url: str
    home: Path
    user: dict[str, Any] | None = None
    ignore_auth: bool = False

    @property
    def user_name(self) -> str:
        """The name CKAN puts in "User %s not authorized" messages (empty for anonymous)."""
        return self.user["name"] if self.user else ""

    @property
    def is_sysadmin(self) -> bool:
        return bool(self.user and self.user.get("sysadmin"))

    def internal(self) -> Context:
        """The same caller, with auth skipped: for calls the catalog makes on its own behalf."""
        return replace(self, ignore_auth=True)
