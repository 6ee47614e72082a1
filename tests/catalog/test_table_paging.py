"""The table's pages past the Explore offset window (keyset cursors), out-of-range pages, the table's facet rule,
the catalog cards and the friendly error pages.

The offset window is narrowed to two pages (``LAST_PAGE``) so a small dataset has pages past it; one test keeps
the real window (10,000 records). The expected order is the Explore API's, which orders by the same keys (the sort
field, then the record id): walking the table's pages must give exactly that sequence.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from django.test import RequestFactory, override_settings

from config.errors import handler500
from datasets.catalog import views
from datasets.catalog.cursors import decode_cursor, encode_cursor
from datasets.catalog.search import PageError
from datasets.models import Dataset, Ruleset
from tests.catalog.conftest import between, text_of
from tests.datasets.api.conftest import GEOPOINT

pytestmark = pytest.mark.django_db(transaction=True)

KINDS = ("alpha", "beta", "gamma")
# 95 rows: ``score`` has ties (7 values) and nulls (every 10th row), ``name`` is unique, ``kind`` repeats.
ROWS = [
    {
        "name": f"N{n:03d}",
        "kind": KINDS[n % 3],
        "score": "" if n % 10 == 4 else str(n % 7),
        "lat": f"{45 + n / 1000:.3f}",
        "lon": f"{2 + n / 1000:.3f}",
    }
    for n in range(95)
]
BIG = {"dataset_id": "big", "metas": {"default": {"title": "Big list"}}, "rows": ROWS, "processors": [GEOPOINT]}
TABLE = "/explore/dataset/{}/table/"
RECORDS = "/api/explore/v2.1/catalog/datasets/{}/records"
WINDOW_PAGES = 2


@pytest.fixture
def big(publish):
    publish([BIG])


@pytest.fixture
def narrow_window(monkeypatch):
    """Page numbers reach two pages only: the pages after them are read by keyset."""
    monkeypatch.setattr("datasets.catalog.paging.LAST_PAGE", WINDOW_PAGES)


def page_of(client, path: str, expected: int = 200):
    response = client.get(path)
    assert response.status_code == expected, response.content[:3000]
    return response.content.decode()


def names_of(page: str) -> list[str]:
    body = between(between(page, '<table class="records">', "</table>"), "<tbody>", "</tbody>")
    return [html.unescape(name) for name in re.findall(r"<tr><td>(.*?)</td>", body, re.S)]


def link(page: str, name: str) -> str | None:
    """The href of the pager's link ``name`` (First, Previous, Next, Last), or None."""
    pager = between(page, '<nav class="pager" aria-label="Pages">', "</nav>") if 'class="pager"' in page else ""
    found = re.search(rf'<a href="([^"]+)"[^>]*>{name}</a>', pager)
    return html.unescape(found.group(1)) if found else None


def position(page: str) -> tuple[int, int]:
    found = re.search(r'page <span class="page-number">(\d+)</span> of <span class="page-total">(\d+)</span>', page)
    assert found, page[:3000]
    return int(found.group(1)), int(found.group(2))


def api_order(client, dataset_id: str = "big", **params) -> list[str]:
    """Every record's name in the Explore API's order (by the same keys as the table)."""
    response = client.get(RECORDS.format(dataset_id), {"select": "name", "limit": 100, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_count"] <= 100
    return [row["name"] for row in body["results"]]


def walk(client, start: str, direction: str, dataset_id: str = "big") -> tuple[list[str], list[int], list[str]]:
    """Follow ``direction`` links from ``start``: the names in page order, the page numbers shown, the hrefs."""
    names, numbers, hrefs = [], [], []
    href: str | None = start
    while href is not None:
        page = page_of(client, TABLE.format(dataset_id) + href)
        shown = names_of(page)
        names = names + shown if direction == "Next" else shown + names
        numbers.append(position(page)[0])
        hrefs.append(href)
        href = link(page, direction)
    return names, numbers, hrefs


@pytest.mark.parametrize("sort", ["score", "-score", ""])
def test_next_links_reach_every_record_once_in_order(client, big, narrow_window, sort):
    order_by = {"score": "score asc", "-score": "score desc", "": None}[sort]
    expected = api_order(client, **({"order_by": order_by} if order_by else {}))
    names, numbers, hrefs = walk(client, f"?sort={sort}" if sort else "?", "Next")
    assert names == expected and len(set(names)) == len(ROWS)
    assert numbers == [1, 2, 3, 4, 5]
    # Within the window the links are page numbers, past it keyset cursors.
    assert "page=2" in hrefs[1] and all("after=" in href for href in hrefs[2:])


def test_last_then_previous_walks_back_to_the_first_page(client, big, narrow_window):
    expected = api_order(client, order_by="score asc")
    first = page_of(client, TABLE.format("big") + "?sort=score")
    assert position(first) == (1, 5)
    last = link(first, "Last")
    assert last == "?sort=score&page=last"
    names, numbers, hrefs = walk(client, last, "Previous")
    assert names == expected
    assert numbers == [5, 4, 3, 2, 1]
    # The last page holds what is left after four full pages, and offers no Next nor Last.
    end = page_of(client, TABLE.format("big") + last)
    assert names_of(end) == expected[80:] and link(end, "Next") is None and link(end, "Last") is None
    assert "before=" in hrefs[1] and "page=2" in hrefs[3]


def test_keyset_pages_keep_a_refinement_and_a_descending_sort(client, big, monkeypatch):
    monkeypatch.setattr("datasets.catalog.paging.LAST_PAGE", 1)  # the second page is already a keyset page
    expected = api_order(client, order_by="score desc", refine="kind:beta")
    assert len(expected) == 32
    names, numbers, hrefs = walk(client, "?sort=-score&refine=kind%3Abeta", "Next")
    assert names == expected and numbers == [1, 2]
    assert "after=" in hrefs[1] and "refine=kind%3Abeta" in hrefs[1]
    names, numbers, _ = walk(client, "?sort=-score&refine=kind%3Abeta&page=last", "Previous")
    assert names == expected and numbers == [2, 1]


def test_the_real_window_ends_at_page_500_and_keyset_goes_on(client, publish):
    rows = [{"name": f"R{n:05d}", "value": str(n // 3)} for n in range(10_030)]
    publish([{"dataset_id": "window", "metas": {"default": {"title": "Window"}}, "rows": rows}])
    page = page_of(client, TABLE.format("window") + "?sort=name&page=500")
    assert position(page) == (500, 502)
    assert names_of(page)[-1] == "R09999"
    after = link(page, "Next")
    assert after is not None and "after=" in after
    following = page_of(client, TABLE.format("window") + after)
    assert position(following) == (501, 502)
    assert names_of(following) == [f"R{n:05d}" for n in range(10_000, 10_020)]
    end = page_of(client, TABLE.format("window") + link(following, "Last"))
    assert position(end) == (502, 502) and names_of(end) == [f"R{n:05d}" for n in range(10_020, 10_030)]
    back = page_of(client, TABLE.format("window") + link(end, "Previous"))
    assert names_of(back) == names_of(following)


def test_out_of_range_pages_say_how_many_pages_there_are(client, big, narrow_window):
    response = client.get(TABLE.format("big"), {"page": "99999"})
    assert response.status_code == 400
    text = text_of(response.content.decode())
    assert "Page 99999 does not exist: the table has 5 pages." in text
    assert 'href="?page=last">Go to the last page (5)</a>' in response.content.decode()
    # A page that exists but past the page numbers: reached by the pager's links.
    response = client.get(TABLE.format("big"), {"page": "4"})
    assert response.status_code == 400
    assert "Page 4 cannot be opened by its number" in text_of(response.content.decode())


def test_out_of_range_page_within_the_real_window(client, big):
    response = client.get(TABLE.format("big"), {"page": "99999", "sort": "name"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Page 99999 does not exist: the table has 5 pages." in text_of(body)
    assert 'href="?sort=name&amp;page=5">Go to the last page (5)</a>' in body
    assert position(page_of(client, TABLE.format("big") + "?sort=name&page=5")) == (5, 5)


def test_a_changed_cursor_is_refused_with_a_message(client, big, narrow_window):
    page = page_of(client, TABLE.format("big") + "?sort=score&page=2")
    after = link(page, "Next")
    cursor = unquote(re.search(r"after=([^&]+)", after).group(1))
    for changed, message in (
        (cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB"), "This page link is invalid"),
        ("not-a-cursor", "This page link is invalid"),
        ("'; drop table x; --", "This page link is invalid"),
    ):
        response = client.get(TABLE.format("big"), {"sort": "score", "after": changed})
        assert response.status_code == 400, changed
        assert message in text_of(response.content.decode()), changed
    # A genuine cursor used with another sort or refinement: refused too (it would open the wrong page).
    response = client.get(TABLE.format("big") + after.replace("sort=score", "sort=-score"))
    assert response.status_code == 400
    assert "belongs to another search, filter or sort" in text_of(response.content.decode())


def test_cursor_values_are_typed_before_they_reach_sql():
    from datasets.pipeline.core import Field

    score = Field(name="score", label="Score", type="int")
    good = encode_cursor(3, "abc", 4, "view")
    decoded = decode_cursor(good, score, "view")
    assert (decoded.value, decoded.record_id, decoded.page) == (3, "abc", 4)
    # A signed cursor whose value has the wrong type for the field is refused (it cannot come from a page).
    with pytest.raises(PageError, match="invalid"):
        decode_cursor(encode_cursor("3; drop", "abc", 4, "view"), score, "view")
    with pytest.raises(PageError, match="invalid"):
        decode_cursor(encode_cursor("2024-13-45", "abc", 4, "view"), Field(name="d", label="D", type="date"), "view")


def test_without_readable_record_ids_the_table_stops_at_the_window_and_points_to_the_export(client, big, narrow_window):
    # Hiding a field hides the record ids (they are computed from every field): no cursor may carry them.
    Ruleset.objects.create(
        dataset=Dataset.objects.get(dataset_id="big"), kind="default", visible_fields=["name", "kind", "score"]
    )
    page = page_of(client, TABLE.format("big") + "?sort=score&page=2")
    assert position(page) == (2, 2)
    assert link(page, "Next") is None and link(page, "Last") is None
    note = text_of(between(page, '<p class="window-note" role="note">', "</p>"))
    assert (
        note == "The table pages through the first 40 of the 95 records. Download the filtered export for all of them."
    )
    assert 'href="/api/explore/v2.1/catalog/datasets/big/exports/csv?order_by=%60score%60+asc"' in page
    response = client.get(TABLE.format("big"), {"page": "3"})
    assert response.status_code == 400
    assert "Page 3 is beyond the first 40 records this table shows (2 pages); the export has all 95." in text_of(
        response.content.decode()
    )


def facet_names(page: str) -> list[str]:
    return re.findall(r'<h4 id="table-facet-([^"]+)">', page)


def test_default_filters_leave_out_fields_whose_values_do_not_repeat(client, publish):
    rows = [
        {"name": f"N{n}", "address": f"{n} Main St", "kind": KINDS[n % 3], "open": str(n % 2 == 0)} for n in range(30)
    ]
    publish([{"dataset_id": "plain", "metas": {"default": {"title": "Plain"}}, "rows": rows}])
    assert facet_names(page_of(client, TABLE.format("plain"))) == ["kind", "open"]
    # A refinement keeps the filters (they are judged over every record, not the refined ones).
    assert facet_names(page_of(client, TABLE.format("plain") + "?refine=kind%3Aalpha&q=N3")) == ["kind", "open"]


def test_catalog_cards_show_records_publication_and_features(client, big, publish):
    publish([{"dataset_id": "words", "metas": {"default": {"title": "Words"}}, "rows": [{"word": "a"}]}])
    page = page_of(client, "/")
    card = between(page, '<article class="dataset-card" data-dataset="big">', "</article>")
    assert text_of(between(card, '<span class="records-count">', "</span>")) == "95 records"
    published = Dataset.objects.get(dataset_id="big").current_version.published_at
    assert re.search(rf'<time class="published" datetime="[^"]+">{published:%Y-%m-%d}</time>', card)
    assert re.findall(r'data-feature="([a-z]+)"', card) == ["analyze", "geo"]
    words = between(page, '<article class="dataset-card" data-dataset="words">', "</article>")
    assert "1 record<" in words and "data-feature" not in words


def test_cards_show_what_a_restricted_visitor_reads(client, big):
    dataset = Dataset.objects.get(dataset_id="big")
    Ruleset.objects.create(
        dataset=dataset, kind="default", visible_fields=["name", "kind"], filter_query='kind = "beta"'
    )
    card = between(page_of(client, "/"), '<article class="dataset-card" data-dataset="big">', "</article>")
    assert text_of(between(card, '<span class="records-count">', "</span>")) == "32 records"
    assert "data-feature" not in card  # neither the geometry nor the numbers are visible


@override_settings(DEBUG=True)
def test_unknown_datasets_show_the_friendly_404_even_in_debug(client, big):
    for path in (
        "/explore/dataset/nothing-here/",
        "/explore/dataset/nothing-here/table/",
        "/explore/dataset/big/charts/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        body = response.content.decode()
        assert '<h1 id="error-heading">Page not found</h1>' in body, path
        assert "technical" not in body.lower() and "Django" not in body, path
        assert '<a href="/">Browse and search the datasets</a>' in body
    assert (
        "There is no dataset “nothing-here” in this catalog"
        in client.get("/explore/dataset/nothing-here/").content.decode()
    )
    assert "has no “charts” view" in client.get("/explore/dataset/big/charts/").content.decode()


@override_settings(DEBUG=False)
def test_other_unknown_pages_use_the_friendly_404_and_the_api_keeps_json(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    api = client.get("/api/management/v2/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")


def test_the_500_page_is_friendly_outside_the_api():
    request = RequestFactory().get("/explore/dataset/x/")
    request.request_id = "abc123"
    response = handler500(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "<code>abc123</code>" in body
    api = handler500(RequestFactory().get("/api/explore/v2.1/catalog/datasets"))
    assert api.status_code == 500 and api["Content-Type"].startswith("application/json")


@override_settings(DEBUG=True)
def test_an_unexpected_error_shows_the_friendly_500_even_in_debug(client, big, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("the information tab broke")

    monkeypatch.setitem(views.TAB_CONTEXTS, "information", broken)
    response = client.get("/explore/dataset/big/")
    assert response.status_code == 500
    body = response.content.decode()
    assert '<h1 id="error-heading">Something went wrong</h1>' in body and "RuntimeError" not in body
    assert f"<code>{response['X-Request-ID']}</code>" in body
    assert "the information tab broke" in caplog.text  # the traceback is in the log, not on the page
