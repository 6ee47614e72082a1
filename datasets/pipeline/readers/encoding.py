"""A text file's encoding decided over the whole file: check the declared one, choose another if it fails.

``settle_encoding`` first decodes every byte with the declared encoding, strictly and without
parsing (UTF-8 skips its ASCII chunks), which is all a valid file costs. When a byte fails, the
encoding is chosen from the file's non-ASCII lines, the only ones where encodings differ:

- a byte order mark decides;
- lines that are all valid UTF-8 make the file UTF-8; a file declared UTF-8 whose non-ASCII lines
  are at least half valid stays UTF-8 (a few pasted cp1252 bytes become record errors, the rest is kept);
- otherwise charset-normalizer judges the lines that are not UTF-8, among the code pages of
  CANDIDATES. It often ranks several single-byte encodings about equal on western text; cp1252 wins
  such a tie (the default of spreadsheet exports in western Europe, see docs/FIDELITY.md) and is the
  answer when there are too few bytes to judge. It cannot tell Turkish (cp1254) or Hungarian
  (cp1250) text from cp1252: those files need their encoding declared.

Bytes the chosen encoding still cannot decode are the reader's business: they become record errors
(``csv_reader``). A file with NUL bytes is left to the reader, which refuses it as binary.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import charset_normalizer

from datasets.pipeline.readers.text import bom_encoding, codec_name

CHECK_CHUNK = 1024 * 1024
SAMPLE_BYTES = 256 * 1024  # non-UTF-8 lines handed to the detector
LONGEST_LINE = 1024 * 1024  # a "line" without newline is cut there, so the scan holds bounded memory
WESTERN = "cp1252"
MIN_EVIDENCE = 8  # non-ASCII bytes below which the detector is not asked
ASCII_BYTES = bytes(range(128))
TIE = 0.05  # chaos (charset-normalizer's mess ratio, 0 to 1) within which two candidates are equal
# What the detector may answer: the legacy encodings of spreadsheet and database exports (Windows and
# ISO code pages, DOS and Mac western, KOI8, the CJK national encodings). Left to itself it also names
# rare code pages (mac_latin2, cp775, cp1125…) for short western samples, which then read as garbage.
CANDIDATES = [
    "cp1252", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r", "cp866", "cp1253", "iso8859_7",
    "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp850", "cp437", "mac_roman",
    "cp932", "euc_jp", "gb18030", "big5", "cp949",
]  # fmt: skip


@dataclass(frozen=True)
class EncodingDecision:
    """What a file was read with: ``used``; ``first_invalid_offset`` is where ``declared`` failed (None: it did not)."""

    declared: str
    used: str
    first_invalid_offset: int | None = None
    reason: str = "the declared encoding decodes every byte"

    @property
    def changed(self) -> bool:
        return self.first_invalid_offset is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "declared": self.declared,
            "used": self.used,
            "first_invalid_offset": self.first_invalid_offset,
            "reason": self.reason,
        }


@dataclass
class NonAsciiLines:
    """The non-ASCII lines of a file: how many are valid UTF-8, how many not, and a sample of the latter."""

    utf8: int = 0
    other: int = 0
    sample: bytearray = field(default_factory=bytearray)
    nul: bool = False

    def add(self, line: bytes, budget: int) -> None:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            self.other += 1
            if len(self.sample) < budget:
                self.sample += line + b"\n"
        else:
            self.utf8 += 1


def is_utf8(encoding: str) -> bool:
    return codec_name(encoding) in ("utf-8", "utf-8-sig")


def first_invalid_offset(stream: BinaryIO, encoding: str, chunk_size: int = CHECK_CHUNK) -> int | None:
    """The offset of the first byte ``encoding`` cannot decode in ``stream``, or None; the stream is rewound."""
    utf8 = is_utf8(encoding)
    decoder = codecs.getincrementaldecoder("utf-8" if utf8 else codec_name(encoding))(errors="strict")
    stream.seek(0)
    offset = 0
    try:
        while data := stream.read(chunk_size):
            pending = decoder.getstate()[0]
            if not (utf8 and not pending and data.isascii()):  # ASCII is valid UTF-8: nothing to decode
                try:
                    decoder.decode(data)
                except UnicodeDecodeError as error:
                    return offset - len(pending) + error.start
            offset += len(data)
        pending = decoder.getstate()[0]
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            return offset - len(pending) + error.start
        return None
    finally:
        stream.seek(0)


def non_ascii_lines(stream: BinaryIO, budget: int = SAMPLE_BYTES, chunk_size: int = CHECK_CHUNK) -> NonAsciiLines:
    """Count the non-ASCII lines of the whole stream and sample those that are not UTF-8; the stream is rewound."""
    found, rest = NonAsciiLines(), b""
    stream.seek(0)
    while data := stream.read(chunk_size):
        if b"\x00" in data:
            found.nul = True
            break
        block = rest + data
        end = block.rfind(b"\n") + 1 or (len(block) if len(block) > LONGEST_LINE else 0)
        lines, rest = block[:end], block[end:]
        if not lines.isascii():
            for line in lines.split(b"\n"):
                if not line.isascii():
                    found.add(line, budget)
    if rest and not rest.isascii():
        found.add(rest, budget)
    stream.seek(0)
    return found


def detect_encoding(sample: bytes) -> str:
    """The encoding of ``sample`` (bytes that are not UTF-8): see ``detection``."""
    return detection(sample)[0]


def detection(sample: bytes) -> tuple[str, str]:
    """(encoding, how it was found) of ``sample``: charset-normalizer's best, cp1252 among equals.

    Fewer than MIN_EVIDENCE non-ASCII bytes cannot tell code pages apart, and a guess does not help a
    sample the detector cannot place: both are read as cp1252, or as latin-1 (which decodes every
    byte) when cp1252 cannot decode them.
    """
    evidence = len(sample.translate(None, ASCII_BYTES))
    if evidence < MIN_EVIDENCE:
        return _western(sample), f"{evidence} non-ASCII bytes are too few to tell code pages apart"
    matches = charset_normalizer.from_bytes(sample, threshold=0.5, cp_isolation=CANDIDATES)
    best = matches.best()
    if best is None:
        return _western(sample), "charset-normalizer finds no candidate"
    equals = [match for match in matches if match.chaos <= best.chaos + TIE]
    if any(WESTERN in match.could_be_from_charset for match in equals):
        return WESTERN, "charset-normalizer ranks cp1252 among the best"
    return best.encoding, "charset-normalizer's best candidate"


def choose_encoding(declared: str, lines: NonAsciiLines) -> tuple[str, str]:
    """(encoding, reason) for a file ``declared`` fails to decode, from its non-ASCII lines."""
    if lines.nul:
        return declared, "the file holds NUL bytes: no text encoding is detected"
    if not lines.other:
        return "utf-8", "every non-ASCII line is valid UTF-8"
    if is_utf8(declared) and lines.utf8 >= lines.other:
        return declared, f"{lines.utf8} non-ASCII lines are valid UTF-8 and {lines.other} not: kept"
    encoding, how = detection(bytes(lines.sample))
    return encoding, f"{lines.other} non-ASCII lines are not UTF-8; {how}"


def settle_encoding(stream: BinaryIO, declared: str) -> EncodingDecision:
    """Decide the encoding ``stream`` is read with (see the module docstring); the stream is rewound."""
    invalid = first_invalid_offset(stream, declared)
    if invalid is None:
        return EncodingDecision(declared, declared)
    bom = bom_encoding(stream.read(4))
    stream.seek(0)
    if bom is not None:
        return EncodingDecision(declared, bom, invalid, "the file starts with a byte order mark")
    used, reason = choose_encoding(declared, non_ascii_lines(stream))
    return EncodingDecision(declared, used, invalid, reason)


def _western(sample: bytes) -> str:
    """cp1252, or latin-1 when cp1252 cannot decode ``sample`` (it leaves five bytes undefined)."""
    try:
        sample.decode(WESTERN)
    except UnicodeDecodeError:
        return "latin-1"
    return WESTERN
