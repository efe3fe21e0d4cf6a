"""Resource dicts: validation, upload handling and the exact key order CKAN emits.

An uploaded file's ``url`` is stored as its file name only, as CKAN stores it; ``shown`` builds the download URL
from the serving site URL whenever a resource is answered, so a data home can be served at any address.
"""
from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, unquote

from catalog.store import files, timestamps
from catalog.errors import ValidationError

_KEYS = ("cache_last_updated", "cache_url", "created", "datastore_active", "description", "format", "hash", "id",
         "last_modified", "metadata_modified", "mimetype", "mimetype_inner", "name", "package_id", "position",
         "resource_type", "size", "state", "url", "url_type")
_STRINGS = ("cache_url", "description", "name", "resource_type", "mimetype", "mimetype_inner", "cache_last_updated")
_TABULAR = {"CSV", "PARQUET"}


def clean(data: dict, *, package_id: str, position: int, old: dict | None = None) -> dict:
    """A stored resource dict from input ``data`` (a full replacement of ``old`` if given).

    Keys outside CKAN's resource schema are kept as top-level keys, as CKAN does. ``upload`` is handled by
    ``attach_upload`` after the resource has an id.
    """
    errors: dict[str, list[str]] = {}
    size = data.get("size")
    if size not in (None, ""):
        try:
            size = int(size)
        except (TypeError, ValueError):
            errors["size"] = ["Invalid integer"]
    if errors:
        raise ValidationError(errors)
    now = timestamps.now()
    res: dict[str, Any] = {k: v for k, v in data.items() if k not in _KEYS and k not in ("upload", "clear_upload")}
    res.update({
        "cache_last_updated": data.get("cache_last_updated"), "cache_url": data.get("cache_url"),
        "datastore_active": data.get("datastore_active", (old or {}).get("datastore_active")),
        "created": (old or {}).get("created") or data.get("created") or now,
        "description": data.get("description"), "format": files.clean_format(data.get("format")),
        "hash": data.get("hash") or "", "id": (old or {}).get("id") or data.get("id") or str(uuid.uuid4()),
        "last_modified": data.get("last_modified"), "metadata_modified": now,
        "mimetype": data.get("mimetype"), "mimetype_inner": data.get("mimetype_inner"), "name": data.get("name"),
        "package_id": package_id, "position": position, "resource_type": data.get("resource_type"),
        "size": size if size not in ("",) else None, "state": "active", "url": data.get("url") or "",
        "url_type": data.get("url_type"),
    })
    if not res["format"] and not old and res["url"]:
        res["format"] = files.guess_format(res["url"])  # CKAN's if_empty_guess_format, for new resources only
    for key in _STRINGS:
        if res[key] is not None and not isinstance(res[key], str):
            res[key] = str(res[key])
    if old and old.get("url_type") == "upload" and _same_upload(res["url"], old):
        # an update without a new file keeps the uploaded one (its URL as shown at any address, or its name)
        res.update(url=old["url"], url_type="upload", size=old["size"],
                   last_modified=data.get("last_modified") or old["last_modified"])
    return finish(res)


def _same_upload(url: str, old: dict) -> bool:
    """``url`` still names the old upload: empty, its stored name, or its download URL at whatever site."""
    name = filename_of(old) or ""
    return url in ("", old["url"], name) or url.endswith(f"/resource/{old['id']}/download/{quote(name)}")


def attach_upload(res: dict, upload: files.Upload, files_dir) -> dict:
    """Store the file of an upload; the resource keeps its file name (``shown`` makes the URL)."""
    filename, size = files.save(files_dir, res["id"], upload)
    res.update(url=filename, url_type="upload", size=size, last_modified=timestamps.now())
    res["mimetype"] = res.get("mimetype") or files.guess_mimetype(filename)
    if not res.get("format"):
        res["format"] = files.guess_format(filename)
    if not res.get("name"):
        res["name"] = filename
    return finish(res)


def guess_missing(res: dict) -> dict:
    """``resource_create``/``resource_update`` also guess the mimetype from the URL (package_create does not)."""
    if not res.get("mimetype"):
        res["mimetype"] = files.guess_mimetype(res.get("url"))
    return finish(res)


def finish(res: dict) -> dict:
    """``datastore_active``: uploaded CSV/Parquet files and tables the DataStore write API made are queryable."""
    published = res.get("url_type") == "upload" and (res.get("format") or "").upper() in _TABULAR
    res["datastore_active"] = res.get("datastore_active") is True or published
    return ordered(res)


def ordered(res: dict) -> dict:
    out = {k: res.get(k) for k in _KEYS}
    out.update({k: v for k, v in res.items() if k not in out})
    return out


def filename_of(res: dict) -> str | None:
    """The file name of an uploaded resource: its stored ``url``, or the last segment of its download URL."""
    if res.get("url_type") != "upload":
        return None
    url = res.get("url") or ""
    return unquote(url.rsplit("/", 1)[-1]) if "/" in url else url


def shown(res: dict, site_url: str) -> dict:
    """The resource as answered at ``site_url``: an upload's ``url`` is its download URL there."""
    out = ordered(res)
    name = filename_of(res)
    if name:
        out["url"] = files.download_url(site_url, res["package_id"], res["id"], name)
    return out


def stored_url(res: dict) -> dict:
    """A resource as stored: an upload's ``url`` reduced to its file name (migrates homes written before)."""
    name = filename_of(res)
    return {**res, "url": name} if name is not None and name != res.get("url") else res
