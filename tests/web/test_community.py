"""What CKAN and udata users expect, in process: group pages, activity pages, Atom feeds, English names,
share/embed and report-a-problem — private datasets never leak through any of them."""
from __future__ import annotations

from urllib.parse import urlsplit

import feedparser

from tests.web.conftest import sign_in

PRIVATE = "koto-staff-contacts"


def test_group_pages(client):
    page = client.get("/group.json").json()
    assert [g["name"] for g in page["groups"]] == ["c001", "c004", "c005", "c006"]
    en = client.get("/en/group").text
    assert "Daily life" in en and 'href="/en/group/c006"' in en
    grp = client.get("/group/c006.json").json()
    assert grp["title"] == "生活" and grp["dataset_count"] >= 2
    assert {d["name"] for d in grp["datasets"]} >= {"koto-public-toilets", "tachikawa-public-toilets"}
    assert client.get("/group/nope").status_code == 404


def test_activity_pages_and_private_datasets(client, seeded):
    page = client.get("/dataset/activity/koto-public-toilets.json").json()
    assert page["items"] and page["items"][-1]["activity_type"] == "new package"
    assert "admin" in page["items"][-1]["text"]
    assert client.get(f"/dataset/activity/{PRIVATE}").status_code == 403
    org = client.get("/organization/activity/t131083").text
    assert "庁内連絡先" not in org and "公衆トイレ一覧" in org
    assert client.get("/en/organization/activity/t131083.json").json()["title"] == "Koto City"
    sign_in(client, seeded.member, seeded.member_token)
    assert "庁内連絡先" in client.get("/organization/activity/t131083").text
    assert client.get(f"/dataset/activity/{PRIVATE}").status_code == 200


def test_feeds_hide_private_datasets_from_others(client, seeded):
    def links(path):
        feed = feedparser.parse(client.get(path).content)
        assert not feed.bozo and feed.version == "atom10"
        return {e.link.rsplit("/", 1)[-1] for e in feed.entries}
    assert PRIVATE not in links("/feeds/organization/t131083.atom")
    assert len(links("/feeds/dataset.atom")) == 20          # a page of 20, with paging links
    feed = feedparser.parse(client.get("/feeds/dataset.atom").content)
    assert {l["rel"] for l in feed.feed.links} >= {"self", "first", "last", "next", "alternate"}
    assert links("/feeds/dataset.atom?page=2")
    sign_in(client, seeded.member, seeded.member_token)
    assert PRIVATE in links("/feeds/organization/t131083.atom")


def test_report_a_problem_is_configurable(client, monkeypatch):
    page = client.get("/dataset/koto-public-toilets.json").json()
    assert page["community"]["report_url"].startswith("mailto:")
    monkeypatch.setenv("OPENDATA_REPORT_URL", "https://forms.example.jp/report?dataset={name}&page={url}")
    page = client.get("/dataset/koto-public-toilets.json").json()
    assert page["community"]["report_url"].startswith("https://forms.example.jp/report?dataset=koto-public-toilets&page=http")
    assert 'class="report-problem"' in client.get("/dataset/koto-public-toilets").text


def test_share_snippet_and_no_steward_tools_for_visitors(client):
    page = client.get("/dataset/koto-public-toilets.json").json()
    share = page["community"]["share"]
    assert share["url"].endswith(f"/dataset/koto-public-toilets/resource/{share['embed_url'].split('/')[-2]}")
    assert share["iframe"].startswith(f'<iframe src="{share["embed_url"]}" title=')
    assert page["steward"] is None
    embed = client.get(urlsplit(share["embed_url"]).path)
    assert embed.status_code == 200 and "frame-ancestors *" in embed.headers["content-security-policy"]
