"""Copyable API examples for a dataset page: a ``curl`` on ``datastore_search`` and a ``ckanapi`` script.

They are written against the URL the reader used to reach this page, so pasting them works as they are
(the browser tests run them). Internal datasets need a token; the examples read it from an environment
variable rather than embedding one.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import urlencode

EXAMPLE_ROWS = 5
TOKEN_VARIABLE = "OPENDATA_API_TOKEN"


@dataclass(frozen=True)
class Snippet:
    id: str
    language: str                        # "shell" | "python"
    title: str
    code: str


def snippets(base_url: str, pkg: dict, resource_id: str | None, lang: str) -> list[Snippet]:
    base = base_url.rstrip("/")
    private = bool(pkg.get("private"))
    out = [_python(base, pkg["name"], resource_id, private, lang)]
    if resource_id:
        out.append(_curl(base, "datastore_search", {"resource_id": resource_id, "limit": EXAMPLE_ROWS}, private,
                         "curl: datastore_search"))
    out.append(_curl(base, "package_show", {"id": pkg["name"]}, private, "curl: package_show"))
    return out


def _curl(base: str, action: str, params: dict, private: bool, title: str) -> Snippet:
    url = f"{base}/api/3/action/{action}?{urlencode(params)}"
    auth = f' -H "Authorization: ${TOKEN_VARIABLE}"' if private else ""
    return Snippet(f"curl-{action}", "shell", title, f"curl{auth} {shlex.quote(url)}")


def _python(base: str, name: str, resource_id: str | None, private: bool, lang: str) -> Snippet:
    comment = "# pip install ckanapi" if lang == "en" else "# pip install ckanapi（ckanapi を使います）"
    lines = [comment]
    if private:
        lines += ["import os", "", "from ckanapi import RemoteCKAN", "",
                  f'ckan = RemoteCKAN("{base}", apikey=os.environ["{TOKEN_VARIABLE}"])']
    else:
        lines += ["from ckanapi import RemoteCKAN", "", f'ckan = RemoteCKAN("{base}")']
    lines += [f'dataset = ckan.action.package_show(id="{name}")', 'print(dataset["title"])']
    if resource_id:
        lines += [f'result = ckan.action.datastore_search(resource_id="{resource_id}", limit={EXAMPLE_ROWS})',
                  'for record in result["records"]:', "    print(record)"]
    return Snippet("python-ckanapi", "python", "Python (ckanapi)", "\n".join(lines))
