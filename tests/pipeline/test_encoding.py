"""Deciding a CSV's encoding over the whole file: the strict check, the choice when it fails, the guess."""

from __future__ import annotations

import io

import pytest

from datasets.pipeline.guess import HEAD_BYTES, guess_extractor_params, read_head, spread_sample
from datasets.pipeline.readers import open_source, settled_params
from datasets.pipeline.readers.encoding import (
    EncodingDecision,
    detect_encoding,
    detection,
    first_invalid_offset,
    non_ascii_lines,
    settle_encoding,
)
from tests.data import late_accent_cp1252

FRENCH = "Le café de la gare à Orléans ferme tôt; les élèves déjeunent à côté du théâtre, près de Besançon."
RUSSIAN = "Москва является столицей России, а Новосибирск крупнейший город Сибири"


def settle(data: bytes, declared: str = "utf-8") -> EncodingDecision:
    return settle_encoding(io.BytesIO(data), declared)


def test_first_invalid_offset_over_the_whole_stream():
    data = late_accent_cp1252()
    assert first_invalid_offset(io.BytesIO(data), "utf-8") == data.index("é".encode("cp1252"))
    assert first_invalid_offset(io.BytesIO(data), "cp1252") is None
    assert first_invalid_offset(io.BytesIO("été".encode() * 1000), "utf-8", chunk_size=7) is None  # cut characters
    assert first_invalid_offset(io.BytesIO(b"abc\xc3"), "utf-8") == 3  # cut by the end of the file
    assert first_invalid_offset(io.BytesIO(b"x" * 10 + b"\x81"), "cp1252", chunk_size=4) == 10
    assert first_invalid_offset(io.BytesIO(b""), "utf-8") is None


def test_a_declared_encoding_that_decodes_everything_is_kept():
    assert settle("a\nété\n".encode()) == EncodingDecision("utf-8", "utf-8")
    assert settle("a\nété\n".encode("cp1252"), "cp1252").changed is False


def test_a_late_accent_makes_a_utf8_declaration_fail_and_cp1252_is_used():
    data = late_accent_cp1252()
    decision = settle(data)
    assert (decision.declared, decision.used, decision.first_invalid_offset) == ("utf-8", "cp1252", 121017)
    assert decision.reason == "2 non-ASCII lines are not UTF-8; charset-normalizer ranks cp1252 among the best"
    params, _ = settled_params("csvfile", {}, io.BytesIO(data))
    rows = list(open_source("csvfile", params, io.BytesIO(data)).rows())
    assert rows[-2:] == [
        (3301, {"id": "3301", "city": "Orléans", "comment": "café à côté"}),
        (3302, {"id": "3302", "city": "Besançon", "comment": "déjà vu – 5 €"}),
    ]


def test_utf8_read_under_a_single_byte_declaration_is_recognised():
    data = "ville\nЁлка\n".encode()  # Ё is D0 81 in UTF-8, and 81 is undefined in cp1252
    assert settle(data, "cp1252").used == "utf-8"


def test_a_mostly_utf8_file_stays_utf8_and_its_stray_bytes_become_record_errors():
    data = ("a\n" + "Orléans\n" * 5).encode() + "Besançon\n".encode("cp1252")
    decision = settle(data)
    assert (decision.used, decision.reason) == ("utf-8", "5 non-ASCII lines are valid UTF-8 and 1 not: kept")
    source = open_source("csvfile", {}, io.BytesIO(data))
    assert list(source.rows())[-1] == (6, {"a": "Besan\ufffdon"})
    assert [(problem.row, problem.field, problem.raw_params["offset"]) for problem in source.problems] == [
        (6, "a", data.index(b"\xe7"))
    ]


def test_other_code_pages_are_detected():
    assert settle(("id,texte\n" + f"1,{RUSSIAN}\n" * 3).encode("cp1251")).used == "cp1251"
    assert settle(("id,texte\n" + f"1,{FRENCH}\n" * 3).encode("cp1252")).used == "cp1252"


def test_a_byte_order_mark_decides():
    decision = settle("a;b\nCréteil;5 €\n".encode("utf-16"))
    assert (decision.used, decision.reason) == ("utf-16", "the file starts with a byte order mark")


def test_binary_files_are_left_to_the_reader_which_refuses_them():
    data = b"a,b\n\x89\x00\x01\xff\n"
    assert settle(data).used == "utf-8"
    params, _ = settled_params("csvfile", {}, io.BytesIO(data))
    with pytest.raises(Exception, match="NUL bytes"):
        list(open_source("csvfile", params, io.BytesIO(data)).rows())


def test_detection_needs_evidence_and_prefers_cp1252_among_equals():
    assert detection(b"caf\xe9\n") == ("cp1252", "1 non-ASCII bytes are too few to tell code pages apart")
    assert detect_encoding(b"x\x81;y\xe9\n") == "latin-1"  # and cp1252 cannot read this one
    assert detect_encoding(f"{FRENCH}\n".encode("cp1252")) == "cp1252"
    assert detect_encoding(f"{RUSSIAN}\n".encode("cp1251")) == "cp1251"


def test_non_ascii_lines_are_counted_over_the_whole_file_and_not_utf8_ones_sampled():
    data = b"a\n" * 100_000 + "é\n".encode() + b"b\xe9\n" + b"a\n" * 1000 + b"c\xe0"
    lines = non_ascii_lines(io.BytesIO(data), chunk_size=1000)
    assert (lines.utf8, lines.other, bytes(lines.sample), lines.nul) == (1, 2, b"b\xe9\nc\xe0\n", False)


def test_settled_params_leave_other_extractors_alone():
    assert settled_params("jsonfile", {"format": "array"}, io.BytesIO(b"[]")) == ({"format": "array"}, None)
    params, decision = settled_params("csvfile", {"separator": "\\t"}, io.BytesIO(b"a\tb\n"))
    assert (params["separator"], params["encoding"], decision.changed) == ("\t", "utf-8", False)


# --- the guess's spread sample (the guess itself: test_guess.py) ---------------------------------------


def test_the_spread_sample_covers_head_middle_and_tail_in_whole_lines():
    line = b"0123456789,abcdefghij,plain text\n"
    data = "é,x,y\n".encode("cp1252") + line * 100_000 + "à,x,y\n".encode("cp1252")
    sample = spread_sample(io.BytesIO(data))
    assert len(sample) <= 16 * HEAD_BYTES
    assert sample.startswith(b"\xe9,x,y\n") and sample.endswith(b"\xe0,x,y\n")
    assert all(piece == line.rstrip(b"\n") for piece in sample.split(b"\n")[1:-2])  # whole lines only
    middle = len(data) // 2
    assert data[middle - 40 : middle + 40].split(b"\n")[1] + b"\n" in sample
    tail_only = line * 100_000 + "à,x,y\n".encode("cp1252")
    assert guess_extractor_params("csvfile", read_head(io.BytesIO(tail_only)), io.BytesIO(tail_only))["encoding"] == (
        "cp1252"
    )
    small = b"a,b\n1,2\n"
    assert spread_sample(io.BytesIO(small)) == small
