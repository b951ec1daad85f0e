"""Small .xlsx files that unpack into enormous sheets (issue 7, §2 "import amplification").

Shared by the import tests (which assert on behaviour) and bench/import_bomb.py (which measures
time and memory). The sheets are written as XML straight into the zip, so a bomb of 1.5
million cells is built in well under a second.
"""

import io
import re
import zipfile

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
# One header cell as the trial's bomb had them: an inline text, no cell reference.
_CELL = '<c t="inlineStr"><is><t>x</t></is></c>'
_DIMENSION_RE = re.compile(r"<dimension ref=\"[^\"]*\" ?/>")


def template_file(headers: list[str], rows: list[list]) -> bytes:
    """A plain workbook with the customer sheet, its headers and rows."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "客户档案"
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == SHEET:
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(name, content)
    return buffer.getvalue()


def _set_dimension(xml: str, dimension: str | None) -> str:
    replacement = f'<dimension ref="{dimension}"/>' if dimension else ""
    return _DIMENSION_RE.sub(replacement, xml, count=1)


def wide_row_bomb(
    headers: list[str], rows: list[list], *, cells: int = 1_500_000, row: int = 1,
    dimension: str | None = None,
) -> bytes:
    """`cells` extra cells at the end of sheet row `row` (1: the header row).

    `dimension` replaces the sheet's declared size; None leaves it out, as a hand-made file
    may (openpyxl then streams whatever is there).
    """

    def change(xml: str) -> str:
        xml = _set_dimension(xml, dimension)
        start = xml.index(f'<row r="{row}"')
        end = xml.index("</row>", start)
        return xml[:end] + _CELL * cells + xml[end:]

    return _rewrite_sheet(template_file(headers, rows), change)


def tall_sheet_bomb(
    headers: list[str], rows: list[list], *, empty_rows: int = 1_000_000,
    dimension: str | None = None,
) -> bytes:
    """`empty_rows` rows of one empty styled cell each after the data rows (no row numbers:
    openpyxl counts them, as for any file that leaves them out)."""

    def change(xml: str) -> str:
        xml = _set_dimension(xml, dimension)
        end = xml.index("</sheetData>")
        return xml[:end] + '<row><c s="0"/></row>' * empty_rows + xml[end:]

    return _rewrite_sheet(template_file(headers, rows), change)


def shared_strings_bomb(
    headers: list[str], rows: list[list], *, strings: int = 1_500_000, text: str = "x"
) -> bytes:
    """A shared-string table of `strings` entries of `text` that no cell uses (openpyxl loads
    it all)."""
    source = zipfile.ZipFile(io.BytesIO(template_file(headers, rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "[Content_Types].xml":
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            target.writestr(name, content)
        target.writestr(
            "xl/sharedStrings.xml",
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + f"<si><t>{text}</t></si>" * strings
            + "</sst>",
        )
    return buffer.getvalue()
