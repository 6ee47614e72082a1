"""The management API's body parsers: DRF's, refusing what cannot be stored before any view sees it.

Set as DRF's DEFAULT_PARSER_CLASSES (and by the upload view), so every JSON body and multipart form goes
through ``core.input_guard``: a NUL or lone surrogate in any key or string, an integer beyond bigint, an
infinite float or a nesting deeper than ``MAX_JSON_DEPTH`` is a 400 naming the field (``metas.default.title``).
"""

from __future__ import annotations

import codecs

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

from core.errors import InvalidFieldError
from core.input_guard import MAX_JSON_DEPTH, Refusal, every_pair, json_problem, pairs_problem


def refuse(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise InvalidFieldError(field=refusal.field, detail=refusal.detail)


class GuardedJSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus the input guard; a document too deep for Python's parser is a 400 too."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
        try:
            data = json.load(codecs.getreader(encoding)(stream), parse_constant=parse_constant)
        except RecursionError:
            # json.load recurses once per level and gives up near Python's recursion limit (~1,000).
            raise InvalidFieldError(field="body", detail=f"nested deeper than {MAX_JSON_DEPTH} levels") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        refuse(json_problem(data))
        return data


class GuardedMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, plus the input guard on form fields and uploaded file names."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        refuse(pairs_problem(every_pair(parsed.data)))
        refuse(pairs_problem((name, upload.name or "") for name, upload in parsed.files.items()))
        return parsed
