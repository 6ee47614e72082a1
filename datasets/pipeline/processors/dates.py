"""Date processors: ``date_normalizer`` (any strptime format -> ISO 8601) and ``set_timezone``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.timezones import zone_named
from datasets.pipeline.core import Record, RecordFailure
from datasets.pipeline.processors.base import FieldToOutputStep, Step
from datasets.pipeline.record_expressions import is_blank, shown, to_text

DATE_DIRECTIVES = frozenset("dmYybBjxc")
TIME_DIRECTIVES = frozenset("HIMSfpzXc")
DATE_ONLY_RE = re.compile(r"\d{4}-?\d{2}-?\d{2}")
# A sample rendered with the format and read back: catches bad directives (%Q, %-d) and ISO-week misuse.
SAMPLE = datetime(2001, 2, 3, 4, 5, 6, 7000, tzinfo=UTC)


def directives(date_format: str) -> set[str]:
    """The directive letters of a strptime format (``%%`` is a literal percent sign, not a directive)."""
    return {pair[1] for pair in re.findall(r"%.", date_format, flags=re.DOTALL) if pair != "%%"}


def date_format_problem(date_format: str) -> str | None:
    """Why ``date_format`` is not a usable strptime format, or None."""
    if not directives(date_format) & DATE_DIRECTIVES:
        return "must contain a day, month or year directive such as %d, %m or %Y"
    try:
        datetime.strptime(SAMPLE.strftime(date_format), date_format)
    except ValueError as exc:
        return f"invalid date format: {exc}"
    return None


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not an IANA time zone, or None."""
    if zone_named(name) is None:
        return f"unknown time zone '{name}'; use an IANA name such as 'Europe/Paris' or 'UTC'"
    return None


class DateNormalizer(FieldToOutputStep):
    """``date_normalizer``: dates written with ``format`` become ISO 8601 dates (or datetimes if it has a time)."""

    name = "date_normalizer"

    def setup(self) -> None:
        self.with_time = bool(directives(self.args["format"]) & TIME_DIRECTIVES)

    def transform(self, value: object, output: str) -> str:
        date_format = self.args["format"]
        try:
            moment = datetime.strptime(to_text(value).strip(), date_format)
        except ValueError:
            raise RecordFailure(
                'Cannot read "{value}" as a date with format "{format}"',
                field=output,
                value=shown(value),
                format=date_format,
            ) from None
        return moment.isoformat() if self.with_time else moment.date().isoformat()


class SetTimezone(Step):
    """``set_timezone``: naive datetimes are read in ``timezone`` and written with its offset.

    Values with an offset already and date-only values (which have no time zone) are left as they are.
    """

    name = "set_timezone"

    def setup(self) -> None:
        self.zone = ZoneInfo(self.args["timezone"])

    def input_fields(self) -> list[tuple[str, str]]:
        return [("field", self.args["field"])]

    def apply(self, record: Record) -> Record:
        field = self.args["field"]
        value = record.get(field)
        if is_blank(value) or DATE_ONLY_RE.fullmatch(to_text(value).strip()):
            return record
        try:
            moment = datetime.fromisoformat(to_text(value).strip())
        except ValueError:
            raise RecordFailure('Cannot read "{value}" as a datetime', field=field, value=shown(value)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        record[field] = moment.isoformat()
        return record
