"""Text processors: replace, regexp replace, concatenate, split, normalise, decode, extract."""

from __future__ import annotations

import html
import re
import unicodedata

from datasets.pipeline.core import Record
from datasets.pipeline.processors.base import FieldToOutputStep, Step, map_strings, map_text, text_of
from datasets.pipeline.record_expressions import is_blank


class TextStep(Step):
    """A text transformation of one field (``field``) or of every text value (``all_fields``)."""

    def transform(self, text: str) -> str:
        raise NotImplementedError

    def input_fields(self) -> list[tuple[str, str]]:
        return [] if self.args.get("all_fields") else [("field", self.args["field"])]

    def apply(self, record: Record) -> Record:
        if self.args.get("all_fields"):
            for name, value in record.items():
                record[name] = map_strings(value, self.transform)
        elif record.get(self.args["field"]) is not None:
            field = self.args["field"]
            record[field] = map_text(record[field], self.transform, field)
        return record


class StringReplace(TextStep):
    """``string_replace``: every occurrence of ``old`` becomes ``new``."""

    name = "string_replace"

    def transform(self, text: str) -> str:
        return text.replace(self.args["old"], self.args["new"])


def substitute(pattern: re.Pattern[str], template: str, text: str) -> str:
    """``pattern.sub(template, text)`` without Python's extra empty match after a full match.

    Since Python 3.7, ``re.sub(".*", "x", "abc")`` gives ``"xx"``; users of a "replace via regexp"
    processor expect ``"x"`` (the documented example replaces ``.*`` by ``Hello World``).
    """
    previous_end = -1

    def replace(match: re.Match[str]) -> str:
        nonlocal previous_end
        adjacent_empty = match.start() == match.end() == previous_end
        previous_end = match.end()
        return "" if adjacent_empty else match.expand(template)

    return pattern.sub(replace, text)


class RegexpReplace(TextStep):
    """``regexp_replace``: matches of ``regexp`` become ``new`` (with ``\\1`` / ``\\g<name>`` groups)."""

    name = "regexp_replace"

    def setup(self) -> None:
        self.pattern = re.compile(self.args["regexp"])

    def transform(self, text: str) -> str:
        return substitute(self.pattern, self.args["new"], text)


class UnicodeNormalize(TextStep):
    """``unicode_normalize``: NFC, NFD, NFKC or NFKD."""

    name = "unicode_normalize"

    def transform(self, text: str) -> str:
        return unicodedata.normalize(self.args["form"], text)


class DecodeHtml(TextStep):
    """``decode_html``: ``&amp;``, ``&eacute;``, ``&#233;``… become characters."""

    name = "decode_html"

    def transform(self, text: str) -> str:
        return html.unescape(text)


class Concat(Step):
    """``concat``: the texts of ``fields`` joined by ``separator`` into ``output_field``; blanks are skipped."""

    name = "concat"

    def input_fields(self) -> list[tuple[str, str]]:
        return [("fields", name) for name in self.args["fields"]]

    def output_fields(self) -> list[str]:
        return [self.args["output_field"]]

    def apply(self, record: Record) -> Record:
        output = self.args["output_field"]
        parts = [text_of(record.get(name), output) for name in self.args["fields"] if not is_blank(record.get(name))]
        record[output] = self.args["separator"].join(parts) if parts else None
        return record


class Split(FieldToOutputStep):
    """``split``: a text becomes a list of texts (a multivalued value); parts are trimmed, empty ones dropped."""

    name = "split"

    def transform(self, value: object, output: str) -> list[str]:
        texts = value if isinstance(value, list) else [value]
        return [part for text in texts for part in self.parts(text_of(text, output))]

    def parts(self, text: str) -> list[str]:
        stripped = (part.strip() for part in text.split(self.args["separator"]))
        return [part for part in stripped if part]


class StringExtractor(Step):
    """``string_extractor``: each named group of ``regexp`` found in ``field`` becomes a field of that name."""

    name = "string_extractor"

    def setup(self) -> None:
        self.pattern = re.compile(self.args["regexp"])

    def input_fields(self) -> list[tuple[str, str]]:
        return [("field", self.args["field"])]

    def output_fields(self) -> list[str]:
        return list(self.pattern.groupindex)

    def apply(self, record: Record) -> Record:
        value = record.get(self.args["field"])
        match = None if value is None else self.pattern.search(text_of(value, self.args["field"]))
        for group in self.pattern.groupindex:
            record[group] = match.group(group) if match else None
        return record
