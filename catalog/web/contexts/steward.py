"""What the dataset page adds for its organization's people and for everyone who shares or reports it.

- ``steward``: members see the versions the quality gate blocked (each linked to its report); editors also get
  the upload form (a new version into the inbox), the re-run button and the recent runs. Nobody else gets
  anything here, so a blocked version's existence stays inside the organization, as on the quality page.
- ``community``: the activity stream, the share link and ``<iframe>`` embed of the first previewable resource,
  and the report-a-problem address (``OPENDATA_REPORT_URL``: a URL or ``mailto:`` template where ``{name}``,
  ``{title}`` and ``{url}`` are replaced; default a mail to the maintainer, else the site's contact).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from catalog.metrics.measures import extras
from catalog.store import users
from catalog.web import i18n, runs
from catalog.web.page import PageRequest

DEFAULT_REPORT = "mailto:opendata@example.metro.tokyo.lg.jp?subject={title}&body={url}"


def role(req: PageRequest, pkg: dict) -> str:
    """``editor`` (may upload), ``member`` (sees blocked versions) or ``""``."""
    ctx = req.context
    if ctx.user is None:
        return ""
    if ctx.is_sysadmin or users.has_role(ctx.store, ctx.user, pkg.get("owner_org"), "editor"):
        return "editor"
    return "member" if users.has_role(ctx.store, ctx.user, pkg.get("owner_org"), "member") else ""


def blocked_versions(req: PageRequest, name: str, current: str) -> list[dict]:
    folder = Path(req.context.home) / "reports" / name
    out = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []:
        if path.stem == current:
            continue
        try:
            report = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not report.get("valid") or report.get("partial"):
            summary = report.get("summary") or {}
            out.append({"version": path.stem, "url": req.url(f"/dataset/{name}/quality/{path.stem}"),
                        "errors": int(summary.get("error_count") or report.get("error_count") or 0)})
    return out[:20]


def steward(req: PageRequest, pkg: dict) -> dict | None:
    who = role(req, pkg)
    if not who:
        return None
    ext = extras(pkg)
    name = pkg["name"]
    out = {"role": who, "blocked": blocked_versions(req, name, ext.get("table_version", ""))}
    if who == "editor":
        out.update(
            pipeline=bool(ext.get("table_version")), max_mb=runs.max_upload_bytes() // (1 << 20),
            accept=",".join(runs.EXTENSIONS), upload_url=req.url(f"/dataset/{name}/upload"),
            rerun_url=req.url(f"/dataset/{name}/ingest"),
            runs=[{"id": r.id, "state": r.state, "label": i18n.t(req.lang, f"run_{r.state}"), "started": r.started[:19],
                   "kind": r.kind, "url": req.url(f"/dataset/{name}/run/{r.id}")}
                  for r in runs.recent(req.context.home, name)])
    return out


def report_url(pkg: dict, page_url: str) -> str:
    template = os.environ.get("OPENDATA_REPORT_URL") or (
        f"mailto:{pkg['maintainer_email']}?subject={{title}}&body={{url}}" if pkg.get("maintainer_email")
        else DEFAULT_REPORT)
    title = pkg.get("title") or pkg["name"]
    return (template.replace("{name}", quote(pkg["name"])).replace("{title}", quote(title))
            .replace("{url}", quote(page_url, safe="")))


def community(req: PageRequest, pkg: dict, resource_id: str | None) -> dict:
    page_url = f"{req.base_url}{req.url('/dataset/' + pkg['name'])}"
    share = None
    if resource_id:
        res_path = f"/dataset/{pkg['name']}/resource/{resource_id}"
        title = pkg.get("title") or pkg["name"]
        share = {"url": f"{req.base_url}{req.url(res_path)}", "embed_url": f"{req.base_url}{res_path}/embed",
                 "title": i18n.t(req.lang, "embed_title", title=title)}
        share["iframe"] = (f'<iframe src="{share["embed_url"]}" title="{_attr(share["title"])}" width="100%" '
                           f'height="400" loading="lazy"></iframe>')
    return {"activity_url": req.url(f"/dataset/activity/{pkg['name']}"), "share": share,
            "report_url": report_url(pkg, page_url), "feed_url": "/feeds/dataset.atom"}


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
