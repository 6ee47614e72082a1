"""/catalog/exports/atom: the Atom 1.0 feed of the latest publications, and the data.json contact setting.

Feeds are read twice: with ``feedparser`` (a real feed reader: ``bozo`` is set on any XML or feed error) and with
``xml.etree`` for the elements RFC 4287 requires, which feedparser would tolerate missing. Expected entries come
from the database (visibility, ``is_published`` and ``published_at`` read back in plain Python) or from the
catalog specification (``CATALOG``/``RESTRICTED``), never from the feed code.
"""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import feedparser
import pytest
from rest_framework.test import APIClient

from datasets.models import Dataset, PublishedVersion
from datasets.services import dataset_create
from tests.conftest import assert_status, mark_published
from tests.datasets.api.catalog_data import CATALOG, RESTRICTED, VISIBLE, publish_catalog

URL = "/api/explore/v2.1/catalog/exports"
NS = {"atom": "http://www.w3.org/2005/Atom"}
pytestmark = pytest.mark.django_db(transaction=True)


def get_atom(client=None):
    response = (client or APIClient()).get(f"{URL}/atom")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response


def read_feed(content: bytes) -> feedparser.FeedParserDict:
    """The feed as feedparser reads it; it must be well-formed Atom 1.0."""
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def when(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def check_required_elements(content: bytes) -> ET.Element:
    """RFC 4287: the feed has one id, title and updated, an author (or every entry has one), a self link; each
    entry has one id, title and updated and, without content, an alternate link."""
    root = ET.fromstring(content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"atom:{name}", NS)) == 1, name
    when(root.findtext("atom:updated", namespaces=NS))
    assert root.find("atom:link[@rel='self']", NS) is not None
    entries = root.findall("atom:entry", NS)
    feed_author = root.find("atom:author/atom:name", NS)
    assert feed_author is not None or all(entry.find("atom:author/atom:name", NS) is not None for entry in entries)
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"atom:{name}", NS)) == 1, name
        when(entry.findtext("atom:updated", namespaces=NS))
        assert entry.find("atom:content", NS) is not None or entry.find("atom:link[@rel='alternate']", NS) is not None
    return root


def visible_publications() -> list[tuple[str, dt.datetime]]:
    """(title, published_at) of the published datasets anyone may see, newest first, read from the database."""
    versions = [
        version
        for version in PublishedVersion.objects.select_related("dataset")
        if version.dataset.is_published
        and version.dataset.current_version_id == version.pk
        and version.dataset.visibility == "domain"
    ]
    versions.sort(key=lambda version: version.published_at, reverse=True)
    return [
        (version.metadata["default"].get("title", version.dataset.dataset_id), version.published_at)
        for version in versions
    ]


def published(owner, dataset_id: str, metas: dict, visibility: str = "domain", at: dt.datetime | None = None):
    dataset = mark_published(dataset_create(owner=owner, dataset_id=dataset_id, metas=metas, visibility=visibility))
    if at is not None:
        PublishedVersion.objects.filter(pk=dataset.current_version_id).update(published_at=at)
    return dataset


@pytest.fixture
def catalog(chief_api, chief, run_worker):
    publish_catalog(chief_api, chief, run_worker)


def test_atom_lists_the_20_latest_visible_publications_newest_first(db, chief):
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for n in range(23):
        # Publish times out of id order, so an id order would not pass.
        published(chief, f"set-{n:02d}", {"default": {"title": f"Set {n}"}}, at=base + dt.timedelta(days=(n * 7) % 23))
    Dataset.objects.filter(dataset_id="set-05").update(visibility="restricted")
    dataset_create(owner=chief, dataset_id="never-published", metas={"default": {"title": "Draft"}})
    content = get_atom().content
    check_required_elements(content)
    feed = read_feed(content)
    expected = visible_publications()[:20]
    assert len(expected) == 20
    assert [(entry.title, when(entry.updated)) for entry in feed.entries] == expected
    assert when(feed.feed.updated) == expected[0][1]
    for entry in feed.entries:
        assert urlsplit(entry.link).path.startswith("/explore/dataset/set-")
        assert entry.id == entry.link and when(entry.published) == when(entry.updated)
    titles = {entry.title for entry in feed.entries}
    assert "Set 5" not in titles and "Draft" not in titles


def test_feed_links_to_itself_and_to_the_catalog(db, chief):
    published(chief, "roads", {"default": {"title": "Roads"}})
    feed = read_feed(get_atom().content)
    links = {link.rel: link for link in feed.feed.links}
    assert urlsplit(links["self"].href).path == f"{URL}/atom" and links["self"].type == "application/atom+xml"
    assert urlsplit(links["alternate"].href).path == "/" and links["alternate"].type == "text/html"
    assert feed.feed.id == links["self"].href


def test_entries_carry_the_published_metadata(catalog):
    content = get_atom().content
    check_required_elements(content)
    feed = read_feed(content)
    by_page = {urlsplit(entry.link).path: entry for entry in feed.entries}
    assert sorted(by_page) == [f"/explore/dataset/{dataset_id}/" for dataset_id in VISIBLE]
    for dataset_id in VISIBLE:
        metas, entry = CATALOG[dataset_id]["metas"], by_page[f"/explore/dataset/{dataset_id}/"]
        assert entry.title == metas["title"]
        assert entry.author == metas["publisher"]
        assert entry.get("summary", "") == metas.get("description", "")
        words = [*metas.get("keyword", []), *metas.get("theme", [])]
        assert [tag.term for tag in entry.tags] == list(dict.fromkeys(words))
    order = [urlsplit(entry.link).path.split("/")[3] for entry in feed.entries]
    published_at = dict(PublishedVersion.objects.values_list("dataset__dataset_id", "published_at"))
    assert order == sorted(VISIBLE, key=lambda dataset_id: published_at[dataset_id], reverse=True)


def test_a_restricted_dataset_never_appears(catalog, chief_api):
    anonymous = get_atom().content
    for dataset_id, spec in RESTRICTED.items():
        assert dataset_id.encode() not in anonymous and spec["metas"]["title"].encode() not in anonymous
    assert b"/explore/dataset/draft/" not in anonymous
    # The filter is the caller's: whoever may see the restricted dataset finds it in the feed.
    titles = [entry.title for entry in read_feed(get_atom(chief_api).content).entries]
    assert all(spec["metas"]["title"] in titles for spec in RESTRICTED.values())


def test_markup_and_ampersands_are_escaped_and_round_trip(db, chief):
    title = 'Fish & <b>"Chips"</b> ]]> &amp; <!-- x -->'
    # Descriptions are HTML, sanitized when stored: the summary is their text, tags dropped, entities decoded.
    description = "<p>Fish <b>&amp;  chips</b></p><ul><li>a &lt; b</li><li>c</li></ul><script>alert(1)</script>"
    metas = {"default": {"title": title, "description": description, "publisher": "A & B <Ltd>", "keyword": ["<k>"]}}
    published(chief, "fish", metas)
    content = get_atom().content
    assert b"<b>" not in content and b"<script>" not in content
    entry = check_required_elements(content).find("atom:entry", NS)
    assert entry.findtext("atom:title", namespaces=NS) == title
    assert entry.find("atom:title", NS).get("type") == "text"
    assert entry.findtext("atom:summary", namespaces=NS) == "Fish & chips\na < b\nc"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "A & B <Ltd>"
    assert entry.find("atom:category", NS).get("term") == "<k>"
    [parsed] = read_feed(content).entries
    assert parsed.title_detail.type == "text/plain" and parsed.summary_detail.type == "text/plain"
    assert parsed.title == title and parsed.summary == "Fish & chips\na < b\nc"
    assert parsed.author == "A & B <Ltd>" and [tag.term for tag in parsed.tags] == ["<k>"]


def test_characters_xml_cannot_carry_are_dropped(db, chief):
    # (NUL cannot even be stored: PostgreSQL refuses it in jsonb.)
    published(chief, "tabs", {"default": {"title": "Tab\x0bbed\x1f set", "description": "Bell\x07"}})
    content = get_atom().content
    entry = check_required_elements(content).find("atom:entry", NS)
    assert entry.findtext("atom:title", namespaces=NS) == "Tabbed set"
    assert entry.findtext("atom:summary", namespaces=NS) == "Bell"
    read_feed(content)


def test_an_empty_catalog_gives_a_valid_feed(db, chief):
    # Only datasets an anonymous caller may not read: a restricted one and a never-published one.
    published(chief, "secret", {"default": {"title": "Secret"}}, visibility="restricted")
    dataset_create(owner=chief, dataset_id="draft", metas={"default": {"title": "Draft"}})
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    content = get_atom().content
    root = check_required_elements(content)
    assert root.findall("atom:entry", NS) == []
    feed = read_feed(content)
    assert feed.entries == [] and feed.feed.title
    # Nothing published: the feed is dated by the time it was built.
    assert before <= when(feed.feed.updated) <= dt.datetime.now(dt.UTC)


def test_a_dataset_without_publisher_takes_the_feed_author(db, chief):
    published(chief, "bare", {"default": {}})
    root = check_required_elements(get_atom().content)
    entry = root.find("atom:entry", NS)
    assert entry.find("atom:author", NS) is None and entry.find("atom:summary", NS) is None
    assert entry.findtext("atom:title", namespaces=NS) == "bare"
    assert root.findtext("atom:author/atom:name", namespaces=NS)


def test_atom_takes_no_parameter(db):
    body = assert_status(APIClient().get(f"{URL}/atom", {"limit": "5"}), 400)
    assert body["error_code"] == "InvalidRESTParameterError" and "limit" in body["message"]


def test_the_exports_list_links_the_atom_feed(db):
    body = assert_status(APIClient().get(URL), 200)
    links = {link["rel"]: link["href"] for link in body["_links"]}
    assert urlsplit(links["atom"]).path == f"{URL}/atom"


def contact_email() -> str:
    [dataset] = json.loads(APIClient().get(f"{URL}/data.json").content)["dataset"]
    return dataset["contactPoint"]["hasEmail"]


def test_the_data_json_contact_email_is_a_setting(db, chief, settings):
    published(chief, "roads", {"default": {"title": "Roads"}})
    assert contact_email() == "mailto:opendata@example.org"
    settings.CATALOG_CONTACT_EMAIL = "data@city.example"
    assert contact_email() == "mailto:data@city.example"


def test_the_dcat_template_contact_wins_over_the_setting(db, chief, settings):
    settings.CATALOG_CONTACT_EMAIL = "data@city.example"
    published(chief, "noise", {"default": {"title": "Noise"}, "dcat": {"contact_email": "noise@example.org"}})
    assert contact_email() == "mailto:noise@example.org"
