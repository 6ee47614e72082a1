"""Files made to look like those of public portals, published as a user would, types and values checked.

The small ones are committed under ``tests/data/fidelity/``; the big ones (a JSON key first met at record
5,000, a date order decided on the last of 6,000 rows, a first non-ASCII byte 120 KB in) are generated
here, so the repository stays small.
"""

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.fidelity.published import assert_published

pytestmark = pytest.mark.django_db(transaction=True)

CORPUS = Path(__file__).resolve().parents[1] / "data" / "fidelity"
UTC = dt.UTC


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_r_statistics_with_na(publisher):
    """R's write.csv: quoted strings and row names, NA for missing in every type, TRUE/FALSE, and a country
    really called "NA" (Namibia, quoted by R) that a text column keeps."""
    expected = {
        "column_1": ("int", [1, 2, 3, 4, 5, 6, 7]),
        "country": ("text", ["Austria", "Bolivia", "Chile", "Denmark", "Eswatini", "Côte d'Ivoire", "NA"]),
        "year": ("int", [2019, 2019, 2019, None, 2019, 2019, 2019]),
        "population": ("int", [8879920, 11513102, 18952035, 5814422, 1148133, 25716554, 2494524]),
        "gdp_per_capita": ("double", [50277.27, 3552.07, None, 59775.74, 3895.25, 2286.21, 4957.5]),
        "life_expectancy": ("double", [81.6, None, 80.2, 81.5, 60.2, 58.4, 63.7]),
        "landlocked": ("boolean", [True, True, False, False, None, False, False]),
        "updated": ("date", [dt.date(2021, 6, 30)] * 3 + [None, dt.date(2021, 6, 30)] + [dt.date(2021, 7, 1)] * 2),
    }
    assert_published(publisher, corpus("r_statistics_na.csv"), "statistics.csv", expected, order_by="column_1")


def test_french_budget_in_cp1252(publisher):
    """A municipal budget as Excel writes it in France: cp1252, ``;``, decimal commas, thousands separated by
    spaces and no-break spaces, chapter codes with leading zeros, "-" for nothing, day-first dates."""
    expected = {
        "exercice": ("int", [2023] * 6),
        "chapitre": ("text", ["011", "012", "014", "042", "65", "66"]),
        "libelle": (
            "text",
            [
                "Charges à caractère général",
                "Charges de personnel et frais assimilés",
                "Atténuations de produits",
                "Opérations d’ordre de transfert entre sections",
                "Autres charges de gestion courante",
                "Charges financières",
            ],
        ),
        "credits_ouverts": ("double", [1234567.89, 4560000.0, 8500.5, 45000.0, 987654.32, 120000.0]),
        "realise": ("double", [1180245.10, 4498712.33, None, 45000.0, None, 118999.99]),
        "taux_de_realisation": ("double", [95.6, 98.66, None, 100.0, None, 99.17]),
        "date_du_vote": (
            "date",
            [dt.date(2023, 3, 15), dt.date(2023, 3, 15), dt.date(2023, 7, 5)]
            + [dt.date(2023, 6, 28), dt.date(2023, 3, 15), dt.date(2023, 6, 28)],
        ),
    }
    assert_published(publisher, corpus("budget_fr_cp1252.csv"), "budget.csv", expected, order_by="chapitre")


def test_excel_unicode_text(publisher):
    """Excel's "Unicode text": UTF-16 with its BOM, tab-separated; département codes (01, 2A) stay text."""
    expected = {
        "region": ("text", ["Auvergne-Rhône-Alpes", "Provence-Alpes-Côte d’Azur", "Corse", "Île-de-France"]),
        "departement": ("text", ["Ain", "Bouches-du-Rhône", "Corse-du-Sud", "Paris"]),
        "code": ("text", ["01", "13", "2A", "75"]),
        "population": ("int", [652432, 2043110, 158507, 2133111]),
        "part": ("double", [9.8, 40.1, 45.6, 17.6]),
    }
    assert_published(publisher, corpus("excel_unicode_text.txt"), "regions.txt", expected, order_by="code")


def test_ragged_rows_missing_cells_are_null(publisher):
    """Rows a cell short (its value null) and rows ending in empty cells beyond the header (dropped)."""
    expected = {
        "id": ("int", [1, 2, 3, 4, 5]),
        "name": ("text", ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]),
        "amount": ("int", [10, 20, 30, 40, 50]),
        "comment": ("text", ["first", None, "third", "fourth", "fifth"]),
    }
    published = assert_published(publisher, corpus("ragged.csv"), "ragged.csv", expected, order_by="id")
    assert set(published.types) == set(expected)


def test_ragged_row_with_a_value_too_many_loses_nothing_silently(publisher):
    """A row with a value beyond the header: the other rows and its own first values are published, and the
    extra value is either published in a field of its own or reported as a record error of that row."""
    expected = {"id": ("int", [1, 2, 3]), "name": ("text", ["Alpha", "Beta", "Gamma"]), "amount": ("int", [10, 20, 30])}
    published = assert_published(publisher, corpus("ragged_extra_value.csv"), "ragged.csv", expected, order_by="id")
    kept = any(record.get(name) == "surplus" for record in publisher.records(published, "id") for name in record)
    reported = [error for error in publisher.record_errors(published) if error["row"] == 2]
    assert kept or reported, "the value 'surplus' of row 2 was dropped without a record error"


def test_json_keys_first_met_late_are_fields(publisher):
    """An API export omitting null keys: ``closed_at`` appears at record 1,500 and ``late_count`` and
    ``late_flag`` only at record 5,000, far past any read-ahead; JSON numbers and booleans keep their types."""
    records = [{"id": row, "name": f"item {row}", "score": row / 4} for row in range(1, 5001)]
    for record in records[1499:]:
        record["closed_at"] = f"2024-01-02T03:04:{record['id'] % 60:02d}Z"
    records[-1] |= {"late_count": 12345678901, "late_flag": False}
    published = publisher.publish(json.dumps(records).encode(), "items.json")
    assert not published.failed, published.failure
    assert published.types == {
        "id": "int",
        "name": "text",
        "score": "double",
        "closed_at": "datetime",
        "late_count": "int",
        "late_flag": "boolean",
    }
    assert publisher.count(published) == 5000
    assert publisher.count(published, "closed_at is null") == 1499
    assert publisher.count(published, "late_count is null") == 4999
    [last] = publisher.records(published, "id", where="id = 5000")
    assert (last["late_count"], last["late_flag"], last["score"]) == (12345678901, False, 1250.0)
    assert dt.datetime.fromisoformat(last["closed_at"]) == dt.datetime(2024, 1, 2, 3, 4, 20, tzinfo=UTC)


def test_date_order_and_decimal_mark_decided_by_the_last_of_6000_rows(publisher):
    """Every row but the last is ambiguous (01/02/2024, 1,500): the last decides for the whole column."""
    rows = [f"{row};{row % 12 + 1:02d}/{row // 12 % 12 + 1:02d}/2024;{row % 9 + 1},500" for row in range(1, 6000)]
    content = "\r\n".join(["n;permit_date;amount", *rows, "6000;07/25/2024;2,25", ""]).encode()
    published = publisher.publish(content, "permits.csv")
    assert not published.failed, published.failure
    assert published.types == {"n": "int", "permit_date": "date", "amount": "double"}
    first, last = publisher.records(published, where="n = 1 or n = 6000")
    assert (first["permit_date"], first["amount"]) == ("2024-02-01", 2.5)
    assert (last["permit_date"], last["amount"]) == ("2024-07-25", 2.25)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_first_non_ascii_byte_120_kb_in(publisher, encoding):
    """An export whose accents start 120 KB in, past the head the guess reads (64 KB): every value is read
    in the file's real encoding, and the rows before are intact."""
    lines, size = ["n;city;value"], 0
    while size < 120 * 1024:
        lines.append(f"{len(lines)};Paris;{len(lines) * 7}")
        size += len(lines[-1]) + 2
    accented = len(lines)
    lines += [f"{accented};Orléans;1", f"{accented + 1};Besançon;2", f"{accented + 2};Saint-Étienne — Loire;3"]
    content = ("\r\n".join(lines) + "\r\n").encode(encoding)
    assert next(offset for offset, byte in enumerate(content) if byte > 127) >= 120 * 1024
    published = publisher.publish(content, "cities.csv")
    assert not published.failed, published.failure
    assert published.types == {"n": "int", "city": "text", "value": "int"}
    assert publisher.count(published) == accented + 2
    cities = [record["city"] for record in publisher.records(published, where=f"n >= {accented - 1}")]
    assert cities == ["Paris", "Orléans", "Besançon", "Saint-Étienne — Loire"]
