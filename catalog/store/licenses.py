"""The licence register: CKAN's default list plus the licences Japanese catalogs use.

Shapes follow CKAN's ``license_list``: ``domain_*`` and ``is_generic`` are the strings ``"True"``/``"False"``.
"""
from __future__ import annotations

_ODC = "http://www.opendefinition.org/licenses/"

# (id, title, url, od_conformance, is_generic, domain_content, domain_data)
_ROWS: list[tuple[str, str, str, str, bool, bool, bool]] = [
    ("notspecified", "License not specified", "", "not reviewed", True, False, False),
    ("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)", _ODC + "odc-pddl", "approved", False, False, True),
    ("odc-odbl", "Open Data Commons Open Database License (ODbL)", _ODC + "odc-odbl", "approved", False, False, True),
    ("odc-by", "Open Data Commons Attribution License", _ODC + "odc-by", "approved", False, False, True),
    ("cc-zero", "Creative Commons CCZero", _ODC + "cc-zero", "approved", False, True, True),
    ("cc-by", "Creative Commons Attribution", _ODC + "cc-by", "approved", False, False, False),
    ("cc-by-sa", "Creative Commons Attribution Share-Alike", _ODC + "cc-by-sa", "approved", False, True, False),
    ("gfdl", "GNU Free Documentation License", _ODC + "gfdl", "approved", False, True, False),
    ("other-open", "Other (Open)", "", "approved", True, True, False),
    ("other-pd", "Other (Public Domain)", "", "approved", True, True, False),
    ("other-at", "Other (Attribution)", "", "approved", True, True, False),
    ("uk-ogl", "UK Open Government Licence (OGL)", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", "approved", False, True, False),
    ("cc-nc", "Creative Commons Non-Commercial (Any)", "http://creativecommons.org/licenses/by-nc/2.0/", "not reviewed", False, False, False),
    ("other-nc", "Other (Non-Commercial)", "", "not reviewed", True, False, False),
    ("other-closed", "Other (Not Open)", "", "not reviewed", True, False, False),
    # The Tokyo open data catalog and the national 公共データ利用規約 (PDL 1.0).
    ("CC-BY-4.0", "クリエイティブ・コモンズ 表示（CC BY）", "https://creativecommons.org/licenses/by/4.0/deed.ja", "approved", False, True, True),
    ("CC-BY-NC-4.0", "クリエイティブ・コモンズ 表示-非営利（CC BY-NC）", "https://creativecommons.org/licenses/by-nc/4.0/deed.ja", "not reviewed", False, True, True),
    ("CC-BY-ND-4.0", "クリエイティブ・コモンズ 表示-改変禁止（CC BY-ND）", "https://creativecommons.org/licenses/by-nd/4.0/deed.ja", "not reviewed", False, True, True),
    ("CC-BY-NC-ND-4.0", "クリエイティブ・コモンズ 表示-非営利-改変禁止（CC BY-NC-ND）", "https://creativecommons.org/licenses/by-nc-nd/4.0/deed.ja", "not reviewed", False, True, True),
    ("CC0-1.0", "クリエイティブ・コモンズ CC0（パブリック・ドメイン）", "https://creativecommons.org/publicdomain/zero/1.0/deed.ja", "approved", False, True, True),
    ("PDL-1.0", "公共データ利用規約 第1.0版", "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0", "approved", False, True, True),
]


def _as_dict(row: tuple) -> dict[str, str]:
    lid, title, url, od, generic, content, data = row
    return {"domain_content": str(content), "id": lid, "domain_data": str(data), "domain_software": "False",
            "family": "", "is_generic": str(generic), "od_conformance": od, "osd_conformance": "not reviewed",
            "maintainer": "", "status": "active", "url": url, "title": title}


LICENSES: list[dict[str, str]] = [_as_dict(r) for r in _ROWS]
BY_ID: dict[str, dict[str, str]] = {lic["id"]: lic for lic in LICENSES}


def license_fields(license_id: str | None) -> dict:
    """``isopen``, ``license_title`` and (when the licence has one) ``license_url`` of a package, as CKAN sets them."""
    lic = BY_ID.get(license_id or "")
    if lic is None:
        # CKAN shows an unknown id as its own title and treats it as not open
        return {"isopen": False, "license_title": license_id}
    fields = {"isopen": lic["od_conformance"] == "approved", "license_title": lic["title"]}
    if lic["url"]:
        fields["license_url"] = lic["url"]
    return fields
