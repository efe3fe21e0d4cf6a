"""The web catalog: server-rendered pages (Japanese, English under ``/en/``), each also as ``.json``, the sign-in,
resource downloads, DCAT, ``/metrics``, dashboard CSVs and the static files. Pages call the same actions as API
clients (``catalog/web/contexts/``).

``create_app`` mounts ``routes()`` and ``middleware(home)`` (the signed session cookie of the web sign-in).
Names in page paths use the ``name`` convertor (no dots), so ``/dataset/<name>.json`` is the page's data and
``/dataset/<id>.ttl`` is DCAT, whatever the order.
"""
from __future__ import annotations

from pathlib import Path

from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from catalog.web import embed, endpoints, feeds, steward, views
from catalog.web.contexts import activity, dashboard, dataset, groups, home, organization, quality, resource, search
from catalog.web.render import json_path
from catalog.web.cache import AnswerCache
from catalog.web.session import middleware

__all__ = ["AnswerCache", "middleware", "routes"]

STATIC = Path(__file__).resolve().parent / "static"
# leaflet and leaflet.markercluster come from npm (web/package.json, installed by ./dev); served locally, never from a CDN
VENDOR = Path(__file__).resolve().parents[2] / "web" / "node_modules"



class _Name(Convertor):
    """CKAN names and ids (``[a-z0-9_-]``, uuids) and table versions: never a dot, so ``.json``/``.ttl`` stay suffixes."""

    regex = "[A-Za-z0-9_-]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("name", _Name())

# (Japanese path, builder, template, extras for the template only)
PAGES = [
    ("/", home.build, "home.html", None),
    ("/dataset", search.build, "search.html", None),
    ("/dataset/{name:name}", dataset.build, "dataset.html", None),
    ("/dataset/{name:name}/resource/{resource:name}", resource.build, "resource.html", None),
    ("/dataset/{name:name}/quality", quality.build, "quality.html", None),
    ("/dataset/{name:name}/quality/{version:name}", quality.build, "quality.html", None),
    ("/organization", organization.build_list, "organizations.html", None),
    ("/organization/{name:name}", organization.build, "organization.html", None),
    ("/dashboard", dashboard.build, "dashboard.html", views.dashboard_svgs),
    ("/dataset/activity/{name:name}", activity.build_dataset, "activity.html", None),
    ("/organization/activity/{name:name}", activity.build_organization, "activity.html", None),
    ("/group/activity/{name:name}", activity.build_group, "activity.html", None),
    ("/group", groups.build_list, "groups.html", None),
    ("/group/{name:name}", groups.build, "group.html", None),
]
# the steward's forms and pages, and the embeddable resource view (catalog/web/steward.py, embed.py)
STEWARD = [
    ("/dataset/{name:name}/upload", steward.upload, ["POST"]),
    ("/dataset/{name:name}/ingest", steward.rerun, ["POST"]),
    ("/dataset/{name:name}/run/{run:name}.json", steward.run_status, ["GET"]),
    ("/dataset/{name:name}/run/{run:name}", steward.run_status, ["GET"]),
    ("/user/{name:name}/api-tokens", steward.api_tokens, ["GET", "POST"]),
    ("/user/{name:name}/api-tokens/{jti:name}/revoke", steward.api_token_revoke, ["POST"]),
    ("/dataset/{name:name}/resource/{res_id:name}/embed", embed.embed, ["GET"]),
]


def routes() -> list[BaseRoute]:
    json_routes, html_routes = [], []
    for path, builder, template, decorate in PAGES:
        for prefix in ("", "/en"):
            json_routes.append(Route(json_path(prefix + path), views.page_json(builder)))
            html = views.page(builder, template, decorate)
            html_routes.append(Route(prefix + path, endpoints.negotiated(html) if path == "/dataset/{name:name}" else html))
    return [
        Mount("/static/vendor/leaflet", app=StaticFiles(directory=VENDOR / "leaflet" / "dist", check_dir=False)),
        Mount("/static/vendor/leaflet.markercluster",
              app=StaticFiles(directory=VENDOR / "leaflet.markercluster" / "dist", check_dir=False)),
        Mount("/static", app=StaticFiles(directory=STATIC)),
        *json_routes,
        Route("/dataset/{pkg_id}/resource/{res_id}/download/{filename}", endpoints.download),
        Route("/dataset/{name:name}/quality/{version:name}/gx/{path:path}", views.gx_docs),
        Route("/dataset/{name:name}/resource/{resource:name}.csv", views.explorer_csv),
        Route("/en/dataset/{name:name}/resource/{resource:name}.csv", views.explorer_csv),
        Route("/metrics", endpoints.metrics),
        Route("/feeds/dataset.atom", feeds.dataset_feed),
        Route("/feeds/organization/{name:name}.atom", feeds.organization_feed),
        Route("/feeds/group/{name:name}.atom", feeds.group_feed),
        *[Route(prefix + path, handler, methods=methods) for path, handler, methods in STEWARD for prefix in ("", "/en")],
        Route("/catalog.{fmt}", endpoints.dcat_catalog),
        Route("/catalog", endpoints.dcat_catalog_negotiated),
        Route("/dataset/{pkg_id}.{fmt}", endpoints.dcat_dataset),
        Route("/dashboard/{chart:name}.csv", views.dashboard_csv),
        Route("/en/dashboard/{chart:name}.csv", views.dashboard_csv),
        Route("/user/login", views.login, methods=["GET", "POST"]),
        Route("/en/user/login", views.login, methods=["GET", "POST"]),
        Route("/user/logout", views.logout, methods=["POST"]),
        Route("/en/user/logout", views.logout, methods=["POST"]),
        *html_routes,
    ]
