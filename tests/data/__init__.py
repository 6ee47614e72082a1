"""Small source files of the tests: ``ragged.csv`` on disk, the larger ones generated here."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent
ASCII_ROWS = 3300  # about 120 KB of plain ASCII before the first accent


def data_file(name: str) -> bytes:
    """The bytes of ``tests/data/<name>``."""
    return (DATA_DIR / name).read_bytes()


def late_accent_cp1252(rows: int = ASCII_ROWS) -> bytes:
    """A cp1252 CSV whose first accent comes after ``rows`` ASCII rows (120 KB in by default): valid
    UTF-8 in its first 64 KB and first rows, not as a whole."""
    ascii_rows = "".join(f"{index},Paris,plain ascii comment {index:05d}\n" for index in range(1, rows + 1))
    accented = f"{rows + 1},Orléans,café à côté\n{rows + 2},Besançon,déjà vu – 5 €\n"
    return ("id,city,comment\n" + ascii_rows + accented).encode("cp1252")
