"""The dataset list's ``where``: which datasets each clause selects, against the real database."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ManagementAPIError
from datasets.models import Dataset, MetadataValue
from datasets.odsql.dataset_where.compiler import InvalidWhereError, dataset_where_q
from datasets.services import dataset_create

ALL = {"trees", "salaries", "parks", "100001"}


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.fixture
def catalog(db):
    """Four datasets with different metadata; ``100001`` has none at all."""
    dataset_create(
        owner=None,
        dataset_id="trees",
        metas={
            "default": {
                "title": "Street trees",
                "keyword": ["nature", "city"],
                "publisher": "City of Paris",
                "modified": "2024-03-01T10:00:00+00:00",
                "description": "<p>Every tree of the streets</p>",
            }
        },
        visibility="domain",
    )
    dataset_create(
        owner=None,
        dataset_id="salaries",
        metas={
            "default": {"title": "Staff salaries", "keyword": ["finance"], "publisher": "HR 100% internal"},
            "internal": {"draft": True},
        },
    )
    dataset_create(
        owner=None,
        dataset_id="parks",
        metas={
            "default": {"title": "Parks and gardens", "keyword": ["nature"], "modified": "2023-06-15T23:30:00Z"},
            "dcat": {"created": "2023-06-01"},
            "internal": {"draft": False},
        },
        visibility="domain",
    )
    dataset_create(owner=None, dataset_id="100001")
    # Without the creation date that create sets: salaries has no modified, 100001 no metadata at all.
    MetadataValue.objects.filter(dataset__dataset_id__in=["salaries", "100001"], name="modified").delete()
    Dataset.objects.filter(dataset_id="parks").update(is_published=True)
    Dataset.objects.update(created_at=utc(2020, 5, 1, 12), last_modified=utc(2024, 5, 1, 12))
    Dataset.objects.filter(dataset_id="salaries").update(created_at=utc(2021, 1, 1), last_modified=utc(2024, 5, 2))


def selected(where: str) -> set[str]:
    return set(Dataset.objects.filter(dataset_where_q(where)).values_list("dataset_id", flat=True))


def error_of(where: str) -> InvalidWhereError:
    with pytest.raises(InvalidWhereError) as caught:
        dataset_where_q(where)
    return caught.value


CASES = [
    # Plain fields.
    ('dataset_id = "trees"', {"trees"}),
    ('datasetid = "100001"', {"100001"}),
    ("datasetid = 100001", {"100001"}),
    ('dataset_id != "trees"', ALL - {"trees"}),
    ('dataset_id IN ("trees", "parks", "nope")', {"trees", "parks"}),
    ('dataset_id < "q"', {"100001", "parks"}),
    ('dataset_id LIKE "*A*"', {"salaries", "parks"}),
    ('visibility = "domain"', {"trees", "parks"}),
    ('status = "idle"', ALL),
    ("status IS NULL", set()),
    ("status IS NOT NULL", ALL),
    ("published", {"parks"}),
    ("NOT published", ALL - {"parks"}),
    ("published IS TRUE", {"parks"}),
    ("published is false", ALL - {"parks"}),
    ("published = true", {"parks"}),
    ("published != TRUE", ALL - {"parks"}),
    ("true = published", {"parks"}),
    # Dates of the dataset row: a date stands for its whole UTC day.
    ("last_modified > date'2024-05-01'", {"salaries"}),
    ("last_modified >= date'2024-05-01'", ALL),
    ("last_modified = date'2024-05-01'", ALL - {"salaries"}),
    ("last_modified != date'2024-05-01'", {"salaries"}),
    ("last_modified <= date'2024-05-01'", ALL - {"salaries"}),
    ("last_modified < date'2024-05-02'", ALL - {"salaries"}),
    ("last_modified < date'2024-05-01T12:00'", set()),
    ("last_modified <= date'2024-05-01T12:00:00Z'", ALL - {"salaries"}),
    ('last_modified > "2024-05-01T13:00:00+02:00"', ALL),
    ("created_at IN [date'2020-01-01'..date'2021-01-01'[", ALL - {"salaries"}),
    ("created_at IN [date'2020-01-01'..date'2021-01-01']", ALL),
    ("created_at IN ]date'2020-05-01'..date'2021-01-01']", {"salaries"}),
    ('created_at < "2020/06/01"', ALL - {"salaries"}),
    # Metadata values, scalars and lists.
    ('title = "Street trees"', {"trees"}),
    ('default.title = "Street trees"', {"trees"}),
    ('"Street trees" = title', {"trees"}),
    ('title = "street trees"', set()),
    ('title != "Street trees"', ALL - {"trees"}),
    ('title IN ("Street trees", "Parks and gardens")', {"trees", "parks"}),
    ('title >= "S"', {"trees", "salaries"}),
    ('title IN ["P".."T"[', {"trees", "salaries", "parks"}),
    ('keyword = "nature"', {"trees", "parks"}),
    ('keyword != "nature"', {"salaries", "100001"}),
    ('"city" IN keyword', {"trees"}),
    ('keyword IN ("finance", "city")', {"trees", "salaries"}),
    ('keyword IN ["a".."d"[', {"trees"}),
    ('keyword IN ["c".."f"]', {"trees"}),
    ('keyword > "m"', {"trees", "parks"}),
    ("internal.draft", {"salaries"}),
    ("internal.draft IS FALSE", {"parks"}),
    ("internal.draft = false", {"parks"}),
    ("NOT internal.draft", ALL - {"salaries"}),
    ("internal.draft IS NULL", {"trees", "100001"}),
    ("title IS NULL", {"100001"}),
    ("title IS NOT NULL", ALL - {"100001"}),
    ("keyword is null", {"100001"}),
    # Metadata dates, stored as ISO texts.
    ("modified > date'2024-01-01'", {"trees"}),
    ('modified >= "2023-06-15"', {"trees", "parks"}),
    ("modified = date'2023-06-15'", {"parks"}),
    ("modified = date'2023-06-16'", set()),
    ("modified IN [date'2023-01-01'..date'2023-12-31']", {"parks"}),
    ("modified < date'2024-03-01T10:00'", {"parks"}),
    ("modified <= date'2024-03-01T11:00+01:00'", {"trees", "parks"}),
    ("dcat.created < date'2023-07-01'", {"parks"}),
    ("dcat.created = date'2023-06-01'", {"parks"}),
    ('dcat.created = "2023/06/01"', {"parks"}),
    # LIKE: case-insensitive, `*` is the only wildcard.
    ('title LIKE "*TREES"', {"trees"}),
    ('title like "parks*"', {"parks"}),
    ('title LIKE "Street"', set()),
    ('title LIKE "*a*s*"', {"salaries", "parks"}),
    ('title LIKE "Staff_salaries"', set()),
    ('publisher LIKE "*100%*"', {"salaries"}),
    ('publisher LIKE "*0%*"', {"salaries"}),
    ('publisher LIKE "*1_0*"', set()),
    ('title LIKE "*.*"', set()),
    ('keyword LIKE "NAT*"', {"trees", "parks"}),
    ('keyword LIKE "*in*"', {"salaries"}),
    # Full text: every word, anywhere in the dataset_id or the metadata, ignoring case.
    ('"trees"', {"trees"}),
    ('"TREE"', {"trees"}),
    ('"city nature"', {"trees"}),
    ('"nature" AND NOT "city"', {"parks"}),
    ('"1000"', {"100001"}),
    ('"salaries"', {"salaries"}),
    ("'paris'", {"trees"}),
    ('"streets"', {"trees"}),
    ('"100%"', {"salaries"}),
    ('"nowhere"', set()),
    ('search("finance")', {"salaries"}),
    ('search(*, "PARKS")', {"parks"}),
    ('search(publisher, "paris")', {"trees"}),
    ('search(publisher, title, "hr")', {"salaries"}),
    ('search(dataset_id, "1000")', {"100001"}),
    ('search(title, "city")', set()),
    ('search("")', ALL),
    # startswith: a case-sensitive prefix.
    ('startswith(title, "Street")', {"trees"}),
    ('startswith(title, "street")', set()),
    ('startswith(title, "trees")', set()),
    ('startswith(dataset_id, "tr")', {"trees"}),
    ('startswith(keyword, "fin")', {"salaries"}),
    ('startswith(publisher, "HR 100%")', {"salaries"}),
    ('startswith(publisher, "HR_")', set()),
    # Combinations: AND binds tighter than OR.
    ('visibility = "domain" AND keyword = "nature" OR dataset_id = "salaries"', {"trees", "parks", "salaries"}),
    ('visibility = "domain" AND (keyword = "city" OR dataset_id = "salaries")', {"trees"}),
    ('NOT (visibility = "domain" OR published)', {"salaries", "100001"}),
    ('published OR "finance" OR title IS NULL', {"parks", "salaries", "100001"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("where", "expected"), CASES)
def test_where_selects(catalog, where, expected):
    assert selected(where) == expected


@pytest.mark.django_db
def test_dataset_uid(catalog):
    uid = Dataset.objects.get(dataset_id="parks").dataset_uid
    assert selected(f'dataset_uid = "{uid}"') == {"parks"}


INJECTION_ATTEMPTS = [
    'title = "x\' OR 1=1 --"',
    "title = 'x\\' OR \\'1\\'=\\'1'",
    'dataset_id = "trees\'; DROP TABLE datasets_dataset; --"',
    'keyword = "nature\'] OR 1=1 --"',
    'keyword IN ["zz\') OR (1=1".."zzz"]',
    "title LIKE \"*' OR '1'='1*\"",
    '"\'; DELETE FROM datasets_metadatavalue; --"',
    'startswith(title, "\') OR 1=1 --")',
]


@pytest.mark.django_db
@pytest.mark.parametrize("where", INJECTION_ATTEMPTS)
def test_injection_attempts_are_plain_values(catalog, where):
    assert selected(where) == set()
    assert Dataset.objects.count() == 4
    assert selected("title IS NOT NULL") == ALL - {"100001"}


@pytest.mark.django_db
def test_injection_attempts_in_names_and_dates_are_refused(catalog):
    reason = error_of("`title' OR 1=1 --` = 1").raw_params["reason"]
    assert reason.startswith("unknown field 'title' OR 1=1 --' at position 0; ")
    reason = error_of('modified > "2020\') OR (1=1"').raw_params["reason"]
    assert reason.startswith("'modified' expects a date or a datetime")


# Errors.


def test_unknown_field_names_the_field_and_the_accepted_ones():
    error = error_of('foo = "x"')
    reason = error.raw_params["reason"]
    assert reason.startswith("unknown field 'foo' at position 0; accepted fields are dataset_id, datasetid, ")
    assert "published, last_modified, created_at" in reason
    assert "the default metadata (title, description, keyword, " in reason
    assert reason.endswith(
        "<template>.<name> for the metadata templates default, internal, visualization, dcat, "
        "asset_content_configuration"
    )
    assert error.as_dict() == {
        "status_code": 400,
        "error_key": "InvalidWhereClauseException",
        "message": f"Invalid where clause: {reason}",
        "raw_message": "Invalid where clause: {reason}",
        "raw_params": {"reason": reason},
    }


@pytest.mark.parametrize(
    "where",
    ["explore.download_count > 1", "internal.nope = 1", 'default.title.x = "a"', 'Title = "a"', "`12` = 1"],
)
def test_unknown_fields(where):
    assert "unknown field" in error_of(where).raw_params["reason"]


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ('published = "yes"', "'published' expects true or false, got a string at position 12"),
        ("published > true", "'published' is a boolean and only compares with = or !=, not >, at position 12"),
        ("internal.draft = 1", "'internal.draft' expects true or false, got a number at position 17"),
        (
            "modified > 12",
            "'modified' expects a date or a datetime (date'YYYY-MM-DDTHH:MM' or an ISO 8601 string), "
            "got a number at position 11",
        ),
        (
            'last_modified > "yesterday"',
            "'last_modified' expects a date or a datetime (date'YYYY-MM-DDTHH:MM' or an ISO 8601 string), "
            "got a string at position 16",
        ),
        (
            "dcat.created > true",
            "'dcat.created' expects a date (date'YYYY-MM-DD' or an ISO 8601 string), got a boolean at position 15",
        ),
        ("title = true", "'title' expects a string, got a boolean at position 8"),
        ("title = geom'POINT(1 1)'", "'title' expects a string, got a geom at position 8"),
        ("title = date'2020'", "'title' expects a string, got a date at position 8"),
        ("title = null", "comparing 'title' with null at position 8; use IS NULL or IS NOT NULL"),
        ("title = keyword", "'title' expects a string, got field 'keyword' at position 8"),
        ('title IN ("a", 1.5, true)', "'title' expects a string, got a boolean at position 20"),
        (
            "published IN [true..false]",
            "'published' is a boolean and only compares with = or !=, not >=, at position 14",
        ),
        ("title", "'title' at position 0 is not a boolean field; use it in a comparison"),
        ("dataset_id is true", "'dataset_id' at position 0 is not a boolean field; use it in a comparison"),
        ('published LIKE "t*"', "LIKE applies to text fields only, not to 'published' at position 0"),
        ('modified LIKE "2024*"', "LIKE applies to text fields only, not to 'modified' at position 0"),
        ('"a" LIKE "a"', "expected a field name at position 0, got a string"),
        ('"a" IN ("a")', "expected a field name at position 0, got a string"),
        ("length(title) > 3", "expected a field name at position 0, got function length()"),
        ("1 = 1", "expected a field name at position 0, got a number"),
        (
            '"x" IN "y"',
            "Syntax error at position 7: unexpected '\"y\"'; expected a field name, a bracket ([ or ]) or '('",
        ),
        ('suggest(*, "fil")', "function suggest() at position 0 is not supported here; use search(), startswith()"),
        ("nope()", "function nope() at position 0 is not supported here; use search(), startswith()"),
        ("search()", "search() at position 0 expects a string as last argument"),
        ("search(title)", "search() at position 0 expects a string as last argument"),
        ('search(1, "x")', "expected a field name at position 7, got a number"),
        ('startswith("x")', 'startswith() at position 0 expects a field and a string: startswith(f, "X")'),
        ("startswith(title, 1)", 'startswith() at position 0 expects a field and a string: startswith(f, "X")'),
        ('startswith(published, "t")', "startswith() applies to text fields only, not to 'published' at position 11"),
    ],
)
def test_constructs_that_do_not_fit_datasets(where, reason):
    error = error_of(where)
    assert error.raw_params["reason"] == reason
    assert error.as_dict()["message"] == f"Invalid where clause: {error.raw_params['reason']}"


def test_syntax_errors_are_wrapped():
    error = error_of('xy IN ("a", and)')
    assert error.as_dict() == {
        "status_code": 400,
        "error_key": "InvalidWhereClauseException",
        "message": "Invalid where clause: Syntax error at position 12: unexpected 'and'; expected a value",
        "raw_message": "Invalid where clause: {reason}",
        "raw_params": {"reason": "Syntax error at position 12: unexpected 'and'; expected a value"},
    }


def test_empty_and_too_long_clauses_are_refused():
    assert error_of("  ").raw_params == {"reason": "Syntax error: the expression is empty"}
    too_long = error_of('title = "' + "x" * 2_000 + '"').raw_params["reason"]
    assert too_long == "The expression is too long: 2,010 characters, at most 2,000"


def test_the_error_is_a_management_api_error():
    error = error_of("foo")
    assert isinstance(error, ManagementAPIError)
    assert (error.status_code, error.error_key) == (400, "InvalidWhereClauseException")
