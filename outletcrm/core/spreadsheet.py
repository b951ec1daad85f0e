"""Writing cells of the .xlsx files the product hands out, safely (issue 7, §2).

Every workbook the product writes (the customer export, the import template, the rejected rows
of an import, any later export) puts its cells through this module. A text that begins with
= + - @, a tab or a carriage return would be taken by Excel or WPS for a formula — a customer
named `=HYPERLINK("http://…", "点这里")` would become a live link in the supervisor's export —
so such a text is written as a text cell with Excel's own "quote prefix" mark (what Excel
stores when a user types a leading apostrophe): the cell shows the text exactly as stored, and
editing it in Excel keeps it text. The value itself is not altered, so an export imports back
unchanged.

Numbers stay numbers: only `str` values are ever marked. A negative amount written as a
Decimal or an int is a number cell, not a text; a phone such as "+86 571 8888 1234" is a text
anyway (phones are kept as text so Excel does not drop their leading zeros) and gets the mark.
"""

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What Excel, WPS and LibreOffice read as the start of a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    """True for a text a spreadsheet program would evaluate as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def as_text(cell: Cell) -> Cell:
    """Make a cell holding a formula-like text a plain text cell (value unchanged)."""
    if is_formula_like(cell.value):
        cell.data_type = "s"  # openpyxl types "=…" as a formula on assignment
        cell.quotePrefix = True
    return cell


def put(sheet, row: int, column: int, value):
    """`sheet.cell(row, column, value)` for a normal (not write-only) worksheet, safely."""
    return as_text(sheet.cell(row=row, column=column, value=value))


def text_cell(sheet, value) -> WriteOnlyCell:
    """A cell for a write-only worksheet's `append`, safely."""
    return as_text(WriteOnlyCell(sheet, value=value))


def append(sheet, values) -> None:
    """`sheet.append(values)` for either kind of worksheet, every text cell written safely.

    On a write-only worksheet `values` may mix plain values and ready-made (styled) cells.
    """
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append(
            [as_text(v) if isinstance(v, Cell) else text_cell(sheet, v) for v in values]
        )
        return
    values = list(values)
    sheet.append(values)
    for cell in sheet[sheet.max_row][: len(values)]:
        as_text(cell)
