"""Hypothesis strategies: small tables whose columns are each of one kind, written the ways public files are.

Every column strategy takes the table's ``Context`` (file format, decimal mark, row count) and draws cells
whose published value is known from the contract (see ``contract.py``). Where the contract leaves a
reading to a rule (the decimal mark of a column nothing decides, the order of a date column), the
strategies draw what that rule reads correctly, or force the value that decides it:

* numbers: the table has one decimal mark; a column whose values depend on it (a decimal column, an
  integer column grouped with ``.``) always holds a value that decides ``,`` when the mark is ``,``;
  ``.`` needs nothing (it is the default);
* month-first dates always hold a date whose day is above 12 (day-first is the default order);
* each column holds at least one value (a column of nulls has no type to check), and a text column one
  value nothing narrower could read.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.fidelity.contract import (
    FALSE_WORDS,
    MISSING,
    NULL_MARKERS,
    TRUE_WORDS,
    Cell,
    Column,
    FileFormat,
    Table,
)

MAX_ROWS = 12
MAX_COLUMNS = 5
INT64 = 2**63
EXCEL_INT = 2**53  # beyond, a spreadsheet number loses digits
GROUPINGS = (None, " ", "\u00a0", "\u202f", "'", "other mark")
DATE_STYLES = ("iso-", "iso/", "dmy/", "dmy.", "dmy-", "mdy/")
OFFSETS = ("+00:00", "+01:00", "+02:00", "-05:00", "+05:30", "-03:30", "+14:00", "-12:00", "+09:45")
# Values no narrower type reads, one of which every text column holds.
PLAIN_TEXTS = (
    'Café "Le Zinc"; Paris',
    "l'été, à 10 h\nfin",
    "Zürich\tCH",
    "São Paulo — Brasil",
    "Œuvre n° 5 € ½",
    "日本語のテキスト",
    "emoji 😀, ok",
    "a,b;c\td",
    "x",
)
CSV_FORMATS = tuple(
    FileFormat("csv", separator, encoding, line_end)
    for separator in (",", ";", "\t")
    for encoding in ("utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-be")
    for line_end in ("\r\n", "\n")
)
# What XLSX text cannot hold as written: XML-illegal characters, \r (XML reads it as \n), "_" (Excel's
# "_x000D_" escapes).
XLSX_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\r_]")
FAMILIES = ("csv", "json", "jsonl", "geojson", "xlsx")
OTHER_FORMATS = tuple(FileFormat(family) for family in FAMILIES[1:])


@dataclass(frozen=True)
class Context:
    """What a column strategy needs to know of its table."""

    format: FileFormat
    mark: str
    rows: int
    decided: bool  # another column already decides the decimal mark
    markers: bool = True  # nulls are also written as markers, not only as empty cells

    @property
    def family(self) -> str:
        return self.format.family

    def encodable(self, text: str) -> bool:
        """Whether the file's encoding can hold ``text`` (and XLSX's XML, and every format's reader)."""
        if self.family == "xlsx" and (text.startswith("=") or XLSX_UNSAFE.search(text)):
            return False  # a leading "=" is a formula to openpyxl; XML turns \r into \n, "_x000D_" into \r
        encoding = self.format.encoding if self.family == "csv" else "utf-8"
        try:
            text.encode(encoding.removesuffix("-sig"))
        except UnicodeEncodeError:
            return False
        return True


# --- cells ------------------------------------------------------------------------------------------


def other_mark(mark: str) -> str:
    return "," if mark == "." else "."


def grouped(digits: str, separator: str | None) -> str:
    """``"1234567"`` -> ``"1 234 567"`` with ``separator`` between thousands (digits alone without one)."""
    if not separator or len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    return digits[:head] + "".join(separator + digits[index : index + 3] for index in range(head, len(digits), 3))


def int_text(number: int, separator: str | None = None) -> str:
    return ("-" if number < 0 else "") + grouped(str(abs(number)), separator)


@st.composite
def null_cell(draw, context: Context, text_column: bool) -> Cell:
    """A null written as an empty cell or a marker (sometimes padded with spaces); a text column keeps
    markers as text."""
    marker = draw(st.sampled_from(("", *NULL_MARKERS))) if context.markers else ""
    if marker:
        marker = draw(st.sampled_from((marker, marker, f" {marker}", f"{marker} ")))
    data = marker
    if not marker and context.family in ("json", "jsonl", "geojson"):
        data = draw(st.sampled_from((None, MISSING, "")))
    elif not marker:
        data = None
    return Cell(marker, data, marker if text_column and marker else None)


@st.composite
def column_cells(
    draw, context: Context, values: st.SearchStrategy[Cell], text_column: bool, forced: tuple[Cell, ...] = ()
) -> tuple[Cell, ...]:
    """``context.rows`` cells: drawn values and nulls, then the ``forced`` cells (or one value) at random rows."""
    cells = [
        draw(null_cell(context, text_column)) if draw(st.integers(0, 3)) == 0 else draw(values)
        for _ in range(context.rows)
    ]
    kept = forced or (draw(values),)
    rows = draw(st.permutations(range(context.rows)))[: len(kept)]
    for row, cell in zip(rows, kept, strict=True):
        cells[row] = cell
    return tuple(cells)


# --- numbers ----------------------------------------------------------------------------------------


def separator_of(context: Context, grouping: str | None) -> str | None:
    """The thousands separator of a column: ``grouping`` itself or the table's other mark; a plain space
    where the file's encoding has no narrow no-break space (cp1252) and, with a decimal comma, for the
    apostrophe, which the documented rules (README) group with a decimal point only (Swiss ``1'234.50``)."""
    if grouping == "'" and context.mark == ",":
        return " "
    separator = other_mark(context.mark) if grouping == "other mark" else grouping
    return separator if separator is None or context.encodable(separator) else " "


@st.composite
def integer_cell(draw, context: Context, separator: str | None, native: bool, numbers=None) -> Cell:
    bound = EXCEL_INT if context.family == "xlsx" else INT64
    edges = st.sampled_from((0, 1, -1, 999, 1000, -1000, bound - 1, -bound))
    anything = st.one_of(st.integers(-(10**7), 10**7), st.integers(-bound, bound - 1), edges)
    number = draw(numbers if numbers is not None else anything)
    text = int_text(number, separator)
    return Cell(text, number if native else text, number)


@st.composite
def int_column(draw, context: Context, name: str, native: bool) -> Column:
    """Integers, plain or grouped by thousands; a ``.`` grouping with the ``,`` mark comes with a decider."""
    separator = separator_of(context, draw(st.sampled_from(GROUPINGS)))
    values = integer_cell(context, separator, native)
    forced = ()
    if separator == "." and not native and not context.decided:
        millions = st.integers(10**6, 10**12) | st.integers(-(10**12), -(10**6))
        forced = (draw(integer_cell(context, separator, native, millions)),)  # "1.234.567" reads one way only
    return Column(name, "int", "int", draw(column_cells(context, values, False, forced)))


@st.composite
def decimal_cell(draw, context: Context, separator: str | None, native: bool, fractions=None) -> Cell:
    """A decimal in the table's mark; ``fractions`` draws its count of decimals (0: none), and then the
    last one is not 0 (a JSON or XLSX number then is not whole, which keeps the column a double)."""
    whole = draw(st.integers(0, 999) | st.integers(0, 10**9))
    decimals = draw(fractions if fractions is not None else st.integers(0, 5))
    fraction = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=decimals, max_size=decimals)))
    if fractions is not None:
        fraction = fraction[:-1] + draw(st.sampled_from("123456789"))
    negative = draw(st.booleans()) and (whole > 0 or fraction.strip("0") != "")
    sign = "-" if negative else ""
    text = sign + grouped(str(whole), separator) + (context.mark + fraction if fraction else "")
    value = float(f"{sign}{whole}.{fraction or '0'}")
    return Cell(text, value if native else text, value)


@st.composite
def decimal_column(draw, context: Context, name: str, native: bool) -> Column:
    """Decimals with the table's mark, maybe grouped; one has a fraction that decides the mark (not 3 digits)."""
    separator = separator_of(context, draw(st.sampled_from(GROUPINGS)))
    values = decimal_cell(context, separator, native)
    forced = (draw(decimal_cell(context, separator, native, st.sampled_from((1, 2, 4, 5)))),)
    return Column(name, "decimal", "double", draw(column_cells(context, values, False, forced)))


@st.composite
def deciding_text(draw, mark: str) -> str:
    whole = draw(st.integers(0, 99_999))
    fraction = draw(st.integers(0, 99))
    return f"{whole}{mark}{fraction:02d}"


@st.composite
def contradicting_column(draw, context: Context, name: str, native: bool) -> Column:
    """Decimals some with ``.``, some with ``,``, each readable one way only: the column is text."""
    texts = st.sampled_from(".,").flatmap(deciding_text)
    values = texts.map(lambda text: Cell(text, text, text))
    forced = tuple(Cell(text, text, text) for text in (draw(deciding_text(".")), draw(deciding_text(","))))
    return Column(name, "contradicting decimals", "text", draw(column_cells(context, values, True, forced)))


@st.composite
def code_column(draw, context: Context, name: str, native: bool) -> Column:
    """Codes with leading zeros (postal, INSEE) or a leading + (phones) among plain digits: text as written."""
    digits = st.text("0123456789", min_size=1, max_size=8)
    codes = st.one_of(digits.map(lambda text: "0" + text), digits.map(lambda text: "+33" + text))
    texts = st.one_of(codes, st.integers(0, 10**6).map(str))
    values = texts.map(lambda text: Cell(text, text, text))
    forced = (draw(codes.map(lambda text: Cell(text, text, text))),)
    return Column(name, "codes", "text", draw(column_cells(context, values, True, forced)))


@st.composite
def big_integer_cell(draw, context: Context, native: bool, numbers) -> Cell:
    number = draw(numbers)
    text = str(number)
    return Cell(text, number if native and context.family != "xlsx" else text, text)


@st.composite
def big_int_column(draw, context: Context, name: str, native: bool) -> Column:
    """Integers, one beyond 64 bits (an identifier): the column is text, digits exactly as written."""
    beyond = st.integers(INT64, 10**25) | st.integers(-(10**25), -INT64 - 1)
    values = big_integer_cell(context, native, st.integers(-(10**25), 10**25))
    forced = (draw(big_integer_cell(context, native, beyond)),)
    return Column(name, "big integers", "text", draw(column_cells(context, values, True, forced)))


# --- dates and times --------------------------------------------------------------------------------


def date_text(day: dt.date, style: str) -> str:
    year, month, date = f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"
    order, separator = style[:3], style[3]
    parts = {"iso": (year, month, date), "dmy": (date, month, year), "mdy": (month, date, year)}[order]
    return separator.join(parts)


EARLIEST, LATEST = dt.date(1000, 1, 1), dt.date(9999, 12, 31)


def days(
    context: Context, deciding: bool = False, first: dt.date = EARLIEST, last: dt.date = LATEST
) -> st.SearchStrategy[dt.date]:
    """Dates with four-digit years (from 1900-03-01 in XLSX, where earlier serials are off by Excel's 1900 bug);
    ``deciding`` ones have a day above 12."""
    dates = st.dates(max(first, dt.date(1900, 3, 1)) if context.family == "xlsx" else first, last)
    return dates.filter(lambda day: day.day > 12) if deciding else dates


@st.composite
def date_cell(draw, context: Context, style: str, deciding: bool = False) -> Cell:
    day = draw(days(context, deciding))
    text = date_text(day, style)
    return Cell(text, day if context.family == "xlsx" else text, day)


@st.composite
def date_column(draw, context: Context, name: str, native: bool) -> Column:
    """Dates in one style; a month-first column holds a day above 12, which decides its order."""
    style = draw(st.sampled_from(DATE_STYLES))
    forced = (draw(date_cell(context, style, deciding=True)),) if style.startswith("mdy") else ()
    cells = draw(column_cells(context, date_cell(context, style), False, forced))
    return Column(name, f"dates {style}", "date", cells)


@st.composite
def time_parts(draw, context: Context) -> tuple[str, dt.time]:
    """``HH:MM[:SS[.f…]]`` text and its time (milliseconds at most in XLSX, which keeps no more)."""
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    precision = draw(st.sampled_from(("minutes", "seconds", "fraction")))
    text, second, micro = f"{hour:02d}:{minute:02d}", 0, 0
    if precision != "minutes":
        second = draw(st.integers(0, 59))
        text += f":{second:02d}"
    if precision == "fraction":
        digits = draw(st.integers(1, 3 if context.family == "xlsx" else 6))
        fraction = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits)))
        text += "." + fraction
        micro = int(fraction.ljust(6, "0"))
    return text, dt.time(hour, minute, second, micro)


def zone_of(offset: str | None) -> dt.tzinfo:
    if offset is None or offset == "Z":
        return dt.UTC
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[-2:])
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


@st.composite
def datetime_cell(draw, context: Context, style: str, zoned: str, deciding: bool = False) -> Cell:
    """A date-time in ``style``; ``zoned`` is never, always or sometimes (naive ones are UTC, the default zone)."""
    # Years near 1 or 9999 would leave the datetime range once moved to UTC.
    day = draw(days(context, deciding, dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
    clock, time = draw(time_parts(context))
    offset = None
    if context.family != "xlsx" and (zoned == "always" or (zoned == "sometimes" and draw(st.booleans()))):
        offset = draw(st.sampled_from(("Z", *OFFSETS, *(offset.replace(":", "") for offset in OFFSETS))))
    text = date_text(day, style) + draw(st.sampled_from(" T")) + clock + (offset or "")
    moment = dt.datetime.combine(day, time, tzinfo=zone_of(offset))
    return Cell(text, moment.replace(tzinfo=None) if context.family == "xlsx" else text, moment)


@st.composite
def datetime_column(draw, context: Context, name: str, native: bool) -> Column:
    """Date-times in one date style, with and without zones; XLSX holds one value that is not at midnight."""
    style = draw(st.sampled_from(DATE_STYLES))
    zoned = draw(st.sampled_from(("never", "always", "sometimes")))
    values = datetime_cell(context, style, zoned)
    forced = draw(datetime_cell(context, style, zoned, deciding=style.startswith("mdy")))
    if context.family == "xlsx" and forced.value.time() == dt.time():
        moment = forced.value.replace(second=1)
        forced = Cell(forced.text, moment.replace(tzinfo=None), moment)  # a midnight cell is a date in Excel
    cells = draw(column_cells(context, values, False, (forced,)))
    return Column(name, f"date-times {style} zone {zoned}", "datetime", cells)


@st.composite
def short_year_column(draw, context: Context, name: str, native: bool) -> Column:
    """Dates with two-digit years: text as written."""
    style = draw(st.sampled_from(DATE_STYLES[2:]))
    texts = days(context).map(lambda day: date_text(day, style)[:-4] + date_text(day, style)[-2:])
    values = texts.map(lambda text: Cell(text, text, text))
    return Column(name, f"two-digit years {style}", "text", draw(column_cells(context, values, True)))


# --- booleans, geo, text ----------------------------------------------------------------------------


@st.composite
def boolean_cell(draw, context: Context, native: bool) -> Cell:
    value = draw(st.booleans())
    word = draw(st.sampled_from(TRUE_WORDS if value else FALSE_WORDS))
    case = draw(st.sampled_from(("lower", "upper", "title", "mixed")))
    if case == "mixed":
        word = "".join(char.upper() if draw(st.booleans()) else char for char in word)
    else:
        word = getattr(word, case)()
    if not context.encodable(word):
        word = "true" if value else "false"
    return Cell(word, value if native else word, value)


@st.composite
def boolean_column(draw, context: Context, name: str, native: bool) -> Column:
    """Booleans in the languages of the contract, any case (JSON and XLSX booleans when native)."""
    cells = draw(column_cells(context, boolean_cell(context, native or context.family == "xlsx"), False))
    return Column(name, "booleans", "boolean", cells)


@st.composite
def coordinate(draw, limit: int) -> str:
    """A coordinate within ``limit`` degrees, with 1 to 6 decimals after a dot."""
    decimals = draw(st.integers(1, 6))
    units = draw(st.integers(-limit * 10**decimals, limit * 10**decimals))
    whole, fraction = divmod(abs(units), 10**decimals)
    return ("-" if units < 0 else "") + f"{whole}.{fraction:0{decimals}d}"


@st.composite
def point_cell(draw, context: Context, native: bool) -> Cell:
    lat, lon = draw(coordinate(90)), draw(coordinate(180))
    text, value = f"{lat},{lon}", (float(lat), float(lon))
    return Cell(text, list(value) if native and context.family != "xlsx" else text, value)


@st.composite
def point_column(draw, context: Context, name: str, native: bool) -> Column:
    """``"lat,lon"`` texts (``[lat, lon]`` arrays in native JSON): geo_point_2d."""
    cells = draw(column_cells(context, point_cell(context, native), False))
    return Column(name, "points", "geo_point_2d", cells)


@st.composite
def geometry(draw) -> dict:
    """A GeoJSON Point, LineString or (closed, small) Polygon with coordinates of at most 6 decimals."""
    x, y = float(draw(coordinate(170))), float(draw(coordinate(80)))
    kind = draw(st.sampled_from(("Point", "LineString", "Polygon")))
    if kind == "Point":
        return {"type": kind, "coordinates": [x, y]}
    # Sums rounded to 6 decimals: PostGIS writes GeoJSON with 9 at most.
    dx, dy = draw(st.integers(1, 900)) / 100, draw(st.integers(1, 900)) / 100
    if kind == "LineString":
        return {"type": kind, "coordinates": [[x, y], [round(x + dx, 6), round(y + dy, 6)]]}
    east, north = round(x + dx, 6), round(y + dy, 6)
    return {"type": kind, "coordinates": [[[x, y], [east, y], [east, north], [x, y]]]}


@st.composite
def shape_cell(draw, context: Context, native: bool) -> Cell:
    shape = draw(geometry())
    text = json.dumps(shape, separators=draw(st.sampled_from(((",", ":"), (", ", ": ")))))
    return Cell(text, shape if native and context.family != "xlsx" else text, shape)


@st.composite
def shape_column(draw, context: Context, name: str, native: bool) -> Column:
    """GeoJSON geometries (as JSON text, or objects in native JSON): geo_shape."""
    cells = draw(column_cells(context, shape_cell(context, native), False))
    return Column(name, "shapes", "geo_shape", cells)


@st.composite
def geometry_column(draw, context: Context) -> Column:
    """The geometries of a GeoJSON file's features (some null): the ``geometry`` field, geo_shape."""
    shapes = geometry().map(lambda shape: Cell(json.dumps(shape), shape, shape))
    nulls = st.just(Cell("", None, None))
    cells = [draw(st.one_of(shapes, shapes, shapes, nulls)) for _ in range(context.rows)]
    cells[draw(st.integers(0, context.rows - 1))] = draw(shapes)
    return Column("geometry", "feature geometries", "geo_shape", tuple(cells))


TEXT_ALPHABET = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")),
    st.sampled_from(" \"',;\t\n\x0c\u00a0\u2028éàçüÉ€-+=@.0123456789"),
)


@st.composite
def text_value(draw, context: Context) -> str:
    """Any non-blank text (quotes, separators, line breaks, look-alike numbers); ``\\r\\n`` as a pair only."""
    pieces = st.one_of(TEXT_ALPHABET, st.just("\r\n"), st.sampled_from(NULL_MARKERS), st.just("1 234,5"))
    text = "".join(draw(st.lists(pieces, min_size=1, max_size=8)))
    text = text if context.encodable(text) else "".join(char for char in text if context.encodable(char))
    return text if text.strip() else "t"


@st.composite
def text_column(draw, context: Context, name: str, native: bool) -> Column:
    """Unicode text with quotes, separators and newlines, and one value nothing narrower reads."""
    values = text_value(context).map(lambda text: Cell(text, text, text))
    plain = draw(st.sampled_from([text for text in PLAIN_TEXTS if context.encodable(text)]))
    cells = draw(column_cells(context, values, True, (Cell(plain, plain, plain),)))
    return Column(name, "text", "text", cells)


# --- tables -----------------------------------------------------------------------------------------

# kind -> (strategy, the rows it needs at least)
KINDS = {
    "int": (int_column, 1),
    "decimal": (decimal_column, 1),
    "contradicting": (contradicting_column, 2),
    "codes": (code_column, 1),
    "big": (big_int_column, 1),
    "date": (date_column, 1),
    "datetime": (datetime_column, 1),
    "short_years": (short_year_column, 1),
    "boolean": (boolean_column, 1),
    "point": (point_column, 1),
    "shape": (shape_column, 1),
    "text": (text_column, 1),
}


def row_numbers(rows: int) -> Column:
    """The ``n`` column every table starts with: the row number, plain digits (decides nothing)."""
    return Column("n", "row number", "int", tuple(Cell(str(row), row, row) for row in range(1, rows + 1)))


def file_formats(families: tuple[str, ...]) -> st.SearchStrategy[FileFormat]:
    """CSV (three separators, five encodings, two line ends) half of the time, else JSON, JSONL, GeoJSON, XLSX."""
    csv_formats = st.sampled_from(CSV_FORMATS) if "csv" in families else st.nothing()
    others = [file_format for file_format in OTHER_FORMATS if file_format.family in families]
    return st.one_of(csv_formats, st.sampled_from(others) if others else st.nothing())


@st.composite
def tables(
    draw, kinds: tuple[str, ...] = tuple(KINDS), families: tuple[str, ...] = FAMILIES, markers: bool = True
) -> Table:
    """A table of 1 to 12 rows and 1 to 5 generated columns (of ``kinds``) after ``n``, in one of ``families``;
    without ``markers``, nulls are only empty cells."""
    file_format = draw(file_formats(families))
    rows = draw(st.integers(1, MAX_ROWS))
    possible = [kind for kind in kinds if rows >= KINDS[kind][1]]
    kinds = draw(st.lists(st.sampled_from(possible), min_size=1, max_size=MAX_COLUMNS))
    natives = [file_format.family == "xlsx" or (file_format.family != "csv" and draw(st.booleans())) for _ in kinds]
    mark = draw(st.sampled_from(".,"))
    decided = any(kind == "decimal" and not native for kind, native in zip(kinds, natives, strict=True))
    context = Context(file_format, mark, rows, decided, markers)
    columns = [row_numbers(rows)]
    if file_format.family == "geojson":
        columns.append(draw(geometry_column(context)))
    for index, (kind, native) in enumerate(zip(kinds, natives, strict=True), start=1):
        columns.append(draw(KINDS[kind][0](context, f"c{index}", native)))
    return Table(file_format, mark, rows, tuple(columns))
