"""Export formats against the values they carry, where a format has limits of its own."""

import io

import openpyxl

from datasets.formats import writers


def test_xlsx_keeps_every_digit_of_integers_a_spreadsheet_number_cannot_hold():
    """Excel numbers are doubles: beyond 2**53 an integer cell would be rounded, so its digits go as text."""
    numbers = [2**63 - 1, -618002734560679808, 2**53 + 1, 2**53, -(2**53), 12]
    content = b"".join(writers.write_xlsx(["id"], ["int"], [[(number,) for number in numbers]]))
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["9223372036854775807", "-618002734560679808", "9007199254740993", 2**53, -(2**53), 12]
