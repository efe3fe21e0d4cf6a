"""Users, memberships and API tokens.

Tokens are random strings shown once; only their sha256 is stored, so a leaked database leaks no credentials.
The module-level functions taking ``home`` are the administration interface (CLI, pipeline setup); the
``store``-level ones are what actions and the web app use.
"""
from __future__ import annotations

import hashlib
import secrets
import uuid
from pathlib import Path

from catalog.store import timestamps
from catalog.errors import NotFound, ValidationError
from catalog.store.db import Store, open_store

CAPACITIES = ("admin", "editor", "member")
_RANK = {"member": 1, "editor": 2, "admin": 3}


def ensure_user(home: Path, name: str, sysadmin: bool = False) -> dict:
    """Create the user if missing (and raise it to sysadmin if asked); return the user dict."""
    store = open_store(home)
    with store.transaction() as conn:
        row = conn.execute("SELECT id FROM user WHERE name = ?", (name,)).fetchone()
        if row is None:
            now = timestamps.now()
            conn.execute("INSERT INTO user (id, name, sysadmin, created, state, last_active) "
                         "VALUES (?, ?, ?, ?, 'active', ?)", (str(uuid.uuid4()), name, int(sysadmin), now, now))
        elif sysadmin:
            conn.execute("UPDATE user SET sysadmin = 1 WHERE id = ?", (row["id"],))
    return get_user(store, name)


def create_token(home: Path, user_name: str, token_name: str) -> str:
    """A new API token for the user; the plain token is returned once and stored only hashed."""
    return new_token(open_store(home), get_user(open_store(home), user_name), token_name)


def set_membership(home: Path, user: str, org: str, role: str) -> None:
    """Give ``user`` the ``role`` (admin/editor/member) in the organization or group ``org`` (name or id)."""
    store = open_store(home)
    grp = store.one("SELECT id FROM grp WHERE name = ? OR id = ?", (org, org))
    if grp is None:
        raise NotFound(f'Organization "{org}" was not found.')
    add_member(store, grp["id"], get_user(store, user)["id"], role)


def get_user(store: Store, name_or_id: str) -> dict:
    row = store.one("SELECT * FROM user WHERE name = ? OR id = ?", (name_or_id, name_or_id))
    if row is None:
        raise NotFound(f'User "{name_or_id}" was not found.')
    return {"id": row["id"], "name": row["name"], "sysadmin": bool(row["sysadmin"]), "created": row["created"],
            "state": row["state"], "fullname": row["fullname"], "email": row["email"], "about": row["about"],
            "last_active": row["last_active"]}


def user_for_token(store: Store, token: str | None) -> dict | None:
    """The user a token belongs to, or None (an unknown token means anonymous, never an error)."""
    if not token:
        return None
    row = store.one("SELECT id, user, last_access FROM token WHERE sha256 = ?", (_digest(token),))
    if row is None:
        return None
    _touch(store, row)
    try:
        return get_user(store, row["user"])
    except NotFound:
        return None


def _touch(store: Store, token_row) -> None:
    """Record when a token (and its user) was last used, at most every 10 minutes: a write per request is waste."""
    now = timestamps.now()
    if token_row["last_access"] and token_row["last_access"] > timestamps.minutes_ago(10):
        return
    with store.transaction() as conn:
        conn.execute("UPDATE token SET last_access = ? WHERE id = ?", (now, token_row["id"]))
        conn.execute("UPDATE user SET last_active = ? WHERE id = ?", (now, token_row["user"]))


def new_token(store: Store, user: dict, token_name: str) -> str:
    token = secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute("INSERT INTO token (id, user, name, sha256, created) VALUES (?, ?, ?, ?, ?)",
                     (str(uuid.uuid4()), user["id"], token_name, _digest(token), timestamps.now()))
    return token


def revoke_token(store: Store, token: str | None = None, jti: str | None = None) -> int:
    with store.transaction() as conn:
        if token:
            return conn.execute("DELETE FROM token WHERE sha256 = ?", (_digest(token),)).rowcount
        return conn.execute("DELETE FROM token WHERE id = ?", (jti,)).rowcount


def list_tokens(store: Store, user: dict) -> list[dict]:
    """A user's API tokens as CKAN's ``api_token_list`` lists them (never the token itself), newest first."""
    rows = store.query("SELECT id, name, user, created, last_access FROM token WHERE user = ? "
                       "ORDER BY created DESC, id", (user["id"],))
    return [{"id": r["id"], "name": r["name"], "user_id": r["user"], "created_at": r["created"],
             "last_access": r["last_access"]} for r in rows]


def token_id(store: Store, token: str) -> str | None:
    """The id of an API token (what a web session remembers instead of the token), or None."""
    row = store.one("SELECT id FROM token WHERE sha256 = ?", (_digest(token),))
    return row["id"] if row else None


def token_alive(store: Store, token_id: str, user_id: str) -> bool:
    """True while the token ``token_id`` exists and belongs to ``user_id`` (revoking deletes it)."""
    return store.one("SELECT 1 FROM token WHERE id = ? AND user = ?", (token_id, user_id)) is not None


def grants(store: Store, user: dict) -> str:
    """A fingerprint of what a user may do (sysadmin, roles per organization): a session ends when it changes."""
    roles = sorted(groups_of(store, user).items())
    return hashlib.sha256(repr((bool(user.get("sysadmin")), roles)).encode()).hexdigest()[:32]


def token_owner(store: Store, token: str | None = None, jti: str | None = None) -> str | None:
    row = store.one("SELECT user FROM token WHERE sha256 = ? OR id = ?", (_digest(token or ""), jti or ""))
    return row["user"] if row else None


def add_member(store: Store, grp_id: str, user_id: str, capacity: str) -> None:
    if capacity not in CAPACITIES:
        raise ValidationError({"role": [f"Role must be one of {', '.join(CAPACITIES)}"]})
    with store.transaction() as conn:
        conn.execute("INSERT INTO member (grp, user, capacity) VALUES (?, ?, ?) "
                     "ON CONFLICT (grp, user) DO UPDATE SET capacity = excluded.capacity", (grp_id, user_id, capacity))


def capacity(store: Store, user: dict | None, grp_id: str | None) -> str | None:
    """The user's role in a group/organization, or None."""
    if not user or not grp_id:
        return None
    row = store.one("SELECT capacity FROM member WHERE grp = ? AND user = ?", (grp_id, user["id"]))
    return row["capacity"] if row else None


def has_role(store: Store, user: dict | None, grp_id: str | None, least: str) -> bool:
    """True if the user is sysadmin or holds at least role ``least`` (member < editor < admin) in the group."""
    if user and user.get("sysadmin"):
        return True
    held = capacity(store, user, grp_id)
    return held is not None and _RANK[held] >= _RANK[least]


def groups_of(store: Store, user: dict | None, least: str = "member") -> dict[str, str]:
    """{group id: capacity} of the groups/organizations where the user holds at least ``least``."""
    if not user:
        return {}
    rows = store.query("SELECT grp, capacity FROM member WHERE user = ?", (user["id"],))
    return {r["grp"]: r["capacity"] for r in rows if _RANK[r["capacity"]] >= _RANK[least]}


def user_dict(user: dict, created_packages: int = 0, *, email: bool = False) -> dict:
    """A user as CKAN's ``user_show``/``user_list`` answer it; the e-mail address only when ``email``."""
    out = member_dict(user, "", created_packages)
    del out["capacity"]
    if email:
        out["email"] = user["email"]
    return out


def list_users(store: Store, q: str = "", order_by: str = "name") -> list[dict]:
    """Active users whose name, full name or e-mail contains ``q``, ordered by ``order_by`` (a user column)."""
    order = order_by if order_by in ("name", "fullname", "created", "last_active", "sysadmin", "id") else "name"
    rows = store.query(f"SELECT name FROM user WHERE state = 'active' AND (name LIKE ?1 OR coalesce(fullname, '') "
                       f"LIKE ?1 OR coalesce(email, '') LIKE ?1) ORDER BY {order}, name", (f"%{q}%",))
    return [get_user(store, r["name"]) for r in rows]


def member_dict(user: dict, capacity_: str, created_packages: int = 0) -> dict:
    """A user as CKAN lists it among an organization's ``users``."""
    return {"about": user["about"], "activity_streams_email_notifications": False, "capacity": capacity_,
            "created": user["created"], "display_name": user["fullname"] or user["name"],
            "email_hash": hashlib.md5((user["email"] or "").strip().lower().encode()).hexdigest(),
            "fullname": user["fullname"], "id": user["id"], "image_display_url": None, "image_url": None,
            "last_active": user["last_active"], "name": user["name"], "number_created_packages": created_packages,
            "state": user["state"], "sysadmin": user["sysadmin"]}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
