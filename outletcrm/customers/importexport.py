"""Excel (.xlsx) import and export of the customer archive (issue 2, item 8).

Import reads the whole sheet and validates every row before it writes anything. By default it
is all-or-nothing; with `skip_invalid` the good rows go in and the rejected ones come back as a
workbook to fix and re-import. Each row is written through `services.customer_create`, so an
imported customer gets the same validation, duplicate check, history and timeline as one typed
into the form. Files that are not a plain customer list are refused before any row is read.
"""

import datetime as dt
import io
import itertools
import logging
import pyexpat
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.comments import Comment
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from outletcrm.core import crypto, dbstats, scoping, spreadsheet
from outletcrm.core.audit import audit_record
from outletcrm.core.models import AuditEvent
from outletcrm.core.spreadsheet import put
from outletcrm.customers import gates, import_write, services
from outletcrm.customers.choices import (
    Channel,
    ClassScheme,
    ContactRole,
    DecisionRole,
    Source,
    Status,
)
from outletcrm.customers.dedupe import DuplicateMatch
from outletcrm.customers.models import Contact, Customer, CustomerClass, OutletType, Tag
from outletcrm.customers.privacy import PersonalDataView
from outletcrm.customers.selectors import CustomerFilters, customer_list, customer_queryset
from outletcrm.customers.text import normalise
from outletcrm.customers.validators import normalise_phone, validate_mobile, validate_phone
from outletcrm.org.models import User

logger = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "REJECT_REASON_HEADER",
    "ImportFileError",
    "ImportResult",
    "RowDuplicate",
    "RowError",
    "duplicate_text",
    "export_customers",
    "import_customers",
    "import_template",
]

DATA_SHEET = "客户档案"
HELP_SHEET = "填写说明"
CONTACT_SHEET = "联系人"
REJECT_REASON_HEADER = "错误原因"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A customer list of IMPORT_MAX_ROWS rows unpacks to a few tens of MB of XML; far more than
# that is a zip bomb, refused before openpyxl inflates anything.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
# The template has 31 columns, an export 37 and a rejected-rows workbook one more; a sheet wider
# than this is not a customer list. Checked before any cell is read (a 177 KB file can hold a
# header row of 1.5 million cells: issue 7, §2).
MAX_COLUMNS = 64
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of one cell
# Answers stay short whatever the file holds: at most this many row errors and duplicate rows
# are reported (with their totals), and a value echoed in a message is cut to MAX_ECHO chars.
# Distinct texts a workbook may hold per row of its customer sheet: the customer row's own and
# those of its contacts on an export's contact sheet, with room to spare.
STRINGS_PER_ROW = 40
MAX_REPORTED = 100
MAX_ECHO = 40
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, or an encrypted .xlsx
MERGE_CELL_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
ROW_TAG = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"
BRACKETED_RE = re.compile(r"[（(].*?[）)]")
LIST_SPLIT_RE = re.compile(r"[,，、;；\n]+")
TIME_RE = re.compile(r"^(\d{1,2})[:：.](\d{2})(?:[:：](\d{2}))?$")
TIME_CN_RE = re.compile(r"^(\d{1,2})点(?:(\d{1,2})分?|半)?$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
YES = {"是", "y", "yes", "true", "1", "√", "✓", "农历", "lunar"}
NO = {"否", "n", "no", "false", "0", "公历", "阳历", "solar"}


# --- the file format ---------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the import template; `header` is the Chinese header the file carries."""

    key: str
    header: str
    help: str
    width: int = 12
    required: bool = False
    aliases: tuple[str, ...] = ()
    text_format: bool = False  # typed as text so Excel keeps leading zeros and long numbers


COLUMNS: list[Column] = [
    Column(
        "name",
        "客户名称*",
        gettext_lazy("Required. The outlet's name as on its sign."),
        26,
        True,
        ("客户名称", "Customer name"),
    ),
    Column(
        "outlet_type",
        "终端类型*",
        gettext_lazy("Required. One of the outlet types in the list of valid values."),
        12,
        True,
        ("终端类型", "Outlet type"),
    ),
    Column(
        "channel",
        "渠道",
        gettext_lazy("One of the channels in the list of valid values. Empty: traditional trade."),
        22,
        aliases=("Channel",),
    ),
    Column(
        "province", "省", gettext_lazy("Part of the address."), 10, aliases=("省份", "Province")
    ),
    Column("city", "市", gettext_lazy("Part of the address."), 10, aliases=("城市", "City")),
    Column(
        "district", "区县", gettext_lazy("Part of the address."), 10, aliases=("区", "District")
    ),
    Column(
        "address", "详细地址", gettext_lazy("Street and number."), 24, aliases=("地址", "Address")
    ),
    Column(
        "latitude",
        "纬度",
        gettext_lazy(
            "WGS-84 latitude in decimal degrees (-90 to 90). Fill both coordinates or neither."
        ),
        11,
        aliases=("Latitude",),
    ),
    Column(
        "longitude",
        "经度",
        gettext_lazy(
            "WGS-84 longitude in decimal degrees (-180 to 180). Fill both coordinates or neither."
        ),
        11,
        aliases=("Longitude",),
    ),
    Column(
        "phone",
        "门店电话",
        gettext_lazy("A mainland mobile number, or a landline with area code."),
        15,
        aliases=("电话", "Store phone", "Phone"),
        text_format=True,
    ),
    Column(
        "opens_at", "营业开始", gettext_lazy("Time of day, e.g. 08:30."), 9, aliases=("Opens at",)
    ),
    Column(
        "closes_at", "营业结束", gettext_lazy("Time of day, e.g. 08:30."), 9, aliases=("Closes at",)
    ),
    Column(
        "floor_area",
        "营业面积",
        gettext_lazy("Square metres, a number."),
        9,
        aliases=("营业面积㎡", "Floor area"),
    ),
    Column("staff_count", "员工人数", gettext_lazy("A whole number."), 9, aliases=("Staff count",)),
    Column(
        "years_in_business",
        "经营年限",
        gettext_lazy("A whole number of years."),
        9,
        aliases=("Years in business",),
    ),
    Column(
        "brands",
        "经营品牌",
        gettext_lazy("Brands the outlet carries, separated by commas."),
        20,
        aliases=("Brands", "Brands carried"),
    ),
    Column(
        "source",
        "客户来源",
        gettext_lazy("One of the sources in the list of valid values. Empty: street sweep."),
        10,
        aliases=("来源", "Source"),
    ),
    Column(
        "referred_by",
        "介绍人客户编号",
        gettext_lazy(
            "For a referral: the customer number (e.g. C0000123) of the referring customer."
        ),
        14,
        aliases=("Referred by",),
        text_format=True,
    ),
    Column(
        "status",
        "客户状态",
        gettext_lazy("One of the statuses in the list of valid values. Empty: potential."),
        10,
        aliases=("状态", "Status"),
    ),
    Column(
        "customer_class",
        "客户级别",
        gettext_lazy("One of the importance classes in the list of valid values."),
        10,
        aliases=("级别", "Class"),
    ),
    Column(
        "abc_class",
        "ABC分类",
        gettext_lazy("One of the ABC classes in the list of valid values."),
        11,
        aliases=("ABC class",),
    ),
    Column(
        "owner",
        "负责业务员(用户名)",
        gettext_lazy(
            "Username of the owner rep; someone you may assign customers to. Empty: yourself."
        ),
        16,
        aliases=("负责业务员", "Owner", "Owner rep"),
        text_format=True,
    ),
    Column("tags", "标签", gettext_lazy("Labels, separated by commas."), 14, aliases=("Tags",)),
    Column("notes", "备注", gettext_lazy("Free text."), 20, aliases=("Notes",)),
    Column(
        "contact_name",
        "联系人姓名",
        gettext_lazy("First contact: full name. Needed when any contact column is filled."),
        10,
        aliases=("联系人", "Contact name"),
    ),
    Column(
        "contact_role",
        "联系人职务",
        gettext_lazy("One of the contact positions in the list of valid values. Empty: owner."),
        10,
        aliases=("职务", "Contact position"),
    ),
    Column(
        "contact_decision_role",
        "联系人决策角色",
        gettext_lazy("One of the decision roles in the list of valid values."),
        12,
        aliases=("决策角色", "Decision role"),
    ),
    Column(
        "contact_mobile",
        "联系人手机",
        gettext_lazy("A mainland mobile number: 11 digits starting with 13–19."),
        14,
        aliases=("手机", "Contact mobile", "Mobile"),
        text_format=True,
    ),
    Column(
        "contact_birthday",
        "联系人生日",
        gettext_lazy("A date, e.g. 1980-05-12."),
        12,
        aliases=("生日", "Birthday"),
    ),
    Column(
        "contact_lunar",
        "农历生日(是/否)",
        gettext_lazy("“是” if the birthday is a lunar date; “否” or empty otherwise."),
        12,
        aliases=("农历生日", "Lunar birthday"),
    ),
    Column(
        "contact_interests",
        "联系人兴趣爱好",
        gettext_lazy("Hobbies and interests, for customer care."),
        16,
        aliases=("兴趣爱好", "Interests"),
    ),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# Columns an export adds; the import accepts them and ignores them (codes are never imported).
EXPORT_ONLY_HEADERS = ["客户编号", "所属团队", "所属区域", "创建时间", "更新时间", "归档时间",
                       "营销同意", "同意日期", "同意方式"]
IGNORED_HEADERS = [*EXPORT_ONLY_HEADERS, REJECT_REASON_HEADER, "Customer no.", "Errors"]

CUSTOMER_KEYS = {
    "name",
    "outlet_type",
    "channel",
    "province",
    "city",
    "district",
    "address",
    "latitude",
    "longitude",
    "phone",
    "opens_at",
    "closes_at",
    "floor_area",
    "staff_count",
    "years_in_business",
    "brands",
    "source",
    "referred_by",
    "status",
    "customer_class",
    "abc_class",
    "owner",
    "notes",
}
CONTACT_KEYS = {
    "contact_name": "name",
    "contact_role": "role",
    "contact_decision_role": "decision_role",
    "contact_mobile": "mobile",
    "contact_birthday": "birthday",
    "contact_lunar": "birthday_is_lunar",
    "contact_interests": "interests",
}
FIELD_TO_KEY = {**{k: k for k in CUSTOMER_KEYS}, "tags": "tags"}
CONTACT_FIELD_TO_KEY = {v: k for k, v in CONTACT_KEYS.items()}


def _header_key(text) -> str:
    """The form a header takes for matching: no spaces, brackets or asterisks, lower case."""
    return normalise(str(text or "")).replace("*", "").replace("＊", "")


HEADER_LOOKUP: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        HEADER_LOOKUP[_header_key(_name)] = _column.key
IGNORED_LOOKUP = {_header_key(h) for h in IGNORED_HEADERS}


# --- results -------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file is not a customer list we can read; nothing was written."""


@dataclass
class RowError:
    """What is wrong with one cell: Excel row number, the column's header, the message."""

    row: int
    column: str
    message: str


@dataclass
class RowDuplicate:
    """A row that matches customers on file or an earlier row of the same file."""

    row: int
    matches: list[DuplicateMatch]


@dataclass
class ImportResult:
    """The outcome of an import; `ok` means every row of the file went in.

    `errors` and `duplicates` hold the first MAX_REPORTED of each (in row order), so the answer
    stays short however bad the file; the counts say how many there are in all, and the
    rejected-rows workbook carries every rejected row with its reasons.
    """

    ok: bool
    created_count: int
    errors: list[RowError]
    duplicates: list[RowDuplicate]
    rejected_workbook: bytes | None
    error_count: int = 0
    duplicate_count: int = 0
    rejected_count: int = 0


def duplicate_text(match: DuplicateMatch) -> str:
    """One line telling the user what an import row duplicates."""
    if match.customer_id:
        who = f"{match.code} {match.name}"
        if match.detail:
            who = _("%(customer)s (%(detail)s)") % {"customer": who, "detail": match.detail}
    else:
        who = match.detail
    return _("%(reason)s: %(who)s") % {"reason": match.reason_text, "who": who}


# --- choice lists (Chinese and English names both accepted) ------------------------------


def _labels(choices, language: str) -> list[tuple[str, str]]:
    with translation.override(language):
        return [(value, str(label)) for value, label in choices.choices]


def _chinese_labels(choices) -> list[str]:
    return [label for _value, label in _labels(choices, "zh-hans")]


def _choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for language in ("en", "zh-hans"):
        for value, label in _labels(choices, language):
            lookup.setdefault(normalise(label), value)
    for value, _label in choices.choices:
        lookup[normalise(value)] = value
    return lookup


def _object_lookup(objects: Iterable) -> dict[str, object]:
    lookup: dict[str, object] = {}
    objects = list(objects)
    for obj in objects:
        for key in (obj.code, obj.name_en, obj.name):
            if key:
                lookup[normalise(key)] = obj
    # Short forms people type: "A类" for "A类（关键）", "重点" for "重点客户".
    for obj in objects:
        short = BRACKETED_RE.sub("", obj.name)
        for key in (short, short.removesuffix("客户")):
            if key:
                lookup.setdefault(normalise(key), obj)
    return lookup


CHOICE_COLUMNS = {
    "channel": Channel,
    "source": Source,
    "status": Status,
    "contact_role": ContactRole,
    "contact_decision_role": DecisionRole,
}


# --- reading the file ----------------------------------------------------------------------


def _read_bytes(fileobj, filename: str) -> bytes:
    """The upload's bytes, refusing an oversize file before reading it."""
    limit = settings.IMPORT_MAX_BYTES
    size = getattr(fileobj, "size", None)
    if size is None:
        try:
            position = fileobj.tell()
            fileobj.seek(0, io.SEEK_END)
            size = fileobj.tell() - position
            fileobj.seek(position)
        except (AttributeError, OSError, ValueError):
            size = None
    if limit and size is not None and size > limit:
        raise ImportFileError(too_large_message(size))
    try:
        fileobj.seek(0)
    except (AttributeError, OSError, ValueError):
        pass
    # Read at most one byte past the limit: a stream without a size cannot flood memory either.
    data = fileobj.read(limit + 1) if limit else fileobj.read()
    if limit and len(data) > limit:
        raise ImportFileError(too_large_message(None))
    if not data:
        raise ImportFileError(_("“%(name)s” is empty.") % {"name": filename})
    return data


def too_large_message(size: int | None = None) -> str:
    """The refusal for a file over IMPORT_MAX_BYTES, in the user's language."""
    limit = filesizeformat(settings.IMPORT_MAX_BYTES)
    if size is None:
        return _("The file is larger than %(max)s, the most that can be imported at once.") % {
            "max": limit
        }
    return _(
        "The file is %(size)s; the most that can be imported at once is %(max)s. Split it into smaller files."
    ) % {"size": filesizeformat(size), "max": limit}


def _check_container(data: bytes, filename: str) -> None:
    """Refuse anything that is not a reasonably sized .xlsx package, before openpyxl opens it."""
    if data.startswith(OLE2_SIGNATURE):
        raise ImportFileError(
            _(
                "“%(name)s” is an old-format .xls workbook or a password-protected file. Save it as "
                "an Excel Workbook (.xlsx) without a password and import again."
            )
            % {"name": filename}
        )
    not_xlsx = _(
        "“%(name)s” is not an Excel .xlsx workbook. Save it as an Excel Workbook (.xlsx), "
        "for example from Excel or WPS, and import again."
    ) % {"name": filename}
    if not data.startswith(ZIP_SIGNATURE):
        raise ImportFileError(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(not_xlsx) from exc
    if "[Content_Types].xml" not in {e.filename for e in entries}:
        raise ImportFileError(not_xlsx)
    unpacked = sum(e.file_size for e in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "“%(name)s” unpacks to %(size)s, far more than a customer list of at most %(rows)s "
                "rows; it cannot be imported."
            )
            % {"name": filename, "size": filesizeformat(unpacked), "rows": settings.IMPORT_MAX_ROWS}
        )


def _damaged(filename: str) -> ImportFileError:
    return ImportFileError(
        _(
            "“%(name)s” could not be read as an Excel workbook; it may be damaged. Open it in Excel "
            "or WPS, save it as .xlsx and import again."
        )
        % {"name": filename}
    )


class _ShapeError(Exception):
    """Raised inside the sheet scan to stop reading at the first cell past a bound."""


def _check_shape(source, max_rows: int, *, data_sheet: bool) -> int:
    """Refuse a sheet with too many rows, columns or characters in a cell, before reading it.

    openpyxl builds every cell of a row before it hands the row over, and when a sheet does not
    declare its size it reads the whole sheet just to open the workbook; so a header row of 1.5
    million cells would cost its full price before any check on the row could run. This scan
    reads the sheet's XML with expat and stops at the first element past a bound: a bomb costs
    what it takes to read up to the bound, and a sheet within the bounds is read once more at C
    speed (a small part of what openpyxl then takes).

    The customer sheet is scanned to the end (it will be read). Any other sheet only until its
    declared size (openpyxl stops there too and never reads it); one without is held to the
    same bounds, since opening the workbook reads all of it.
    """
    rows = 0
    cells_in_row = 0
    text = 0
    last_letters = get_column_letter(MAX_COLUMNS)

    def start(name: str, attrs: dict) -> None:
        nonlocal rows, cells_in_row, text
        if ":" in name:  # a prefixed element (x:c); most files use the default namespace
            name = name.rpartition(":")[2]
        if name == "c":
            cells_in_row += 1
            text = 0
            letters = attrs.get("r", "").rstrip("0123456789")
            if cells_in_row > MAX_COLUMNS or (
                letters
                and (len(letters), letters) > (len(last_letters), last_letters)
            ):
                raise _ShapeError(_too_many_columns())
        elif name == "row":
            rows += 1
            cells_in_row = 0
            if max_rows and rows > max_rows + 1:
                raise _ShapeError(_too_many_rows(None))
        elif name == "dimension":
            if not data_sheet:
                raise _Enough
            try:
                _min_col, _min_row, max_col, last_row = range_boundaries(attrs.get("ref", ""))
            except (TypeError, ValueError):
                return
            if max_rows and last_row and last_row > max_rows + 1:
                raise _ShapeError(_too_many_rows(last_row - 1))
            if max_col and max_col > MAX_COLUMNS:
                raise _ShapeError(_too_many_columns())

    def characters(data: str) -> None:
        # Counts the text since the last cell began (a little whitespace between cells too).
        nonlocal text
        text += len(data)
        if text > MAX_CELL_CHARS:
            raise _ShapeError(_too_long_cell())

    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.CharacterDataHandler = characters
    try:
        parser.ParseFile(source)
    except _Enough:
        pass
    except _ShapeError as exc:
        raise ImportFileError(str(exc)) from None
    return rows


def _check_strings(source, limit: int) -> None:
    """Refuse a shared-string table longer than the sheets could use (openpyxl loads it all),
    or with a text longer than a cell may hold."""
    count = 0
    text = 0

    def start(name: str, attrs: dict) -> None:
        nonlocal count, text
        if name == "si" or name.endswith(":si"):
            count += 1
            text = 0
            if count > limit:
                raise _ShapeError(
                    _(
                        "The workbook holds far more texts than its customer rows could use; "
                        "it cannot be imported. Copy the customer rows into a new workbook."
                    )
                )

    def characters(data: str) -> None:
        nonlocal text
        text += len(data)
        if text > MAX_CELL_CHARS:
            raise _ShapeError(_too_long_cell())

    parser = pyexpat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.CharacterDataHandler = characters
    try:
        parser.ParseFile(source)
    except _ShapeError as exc:
        raise ImportFileError(str(exc)) from None


def _too_long_cell() -> str:
    return _("A cell holds more than %(max)s characters, more than Excel allows.") % {
        "max": f"{MAX_CELL_CHARS:,}"
    }


class _Enough(Exception):  # noqa: N818 (a signal, not an error)
    """Raised inside the sheet scan when the rest of the sheet does not matter."""


def _too_many_columns() -> str:
    return _(
        "The sheet has more than %(max)s columns; the template has %(columns)s. Delete the "
        "columns to the right of the last header and import again."
    ) % {"max": MAX_COLUMNS, "columns": len(COLUMNS)}


def _merged_ranges(worksheet) -> list[str]:
    """Merged ranges of a sheet (read-only worksheets do not expose them, so read the XML)."""
    refs = []
    with worksheet._get_source() as source:
        for _event, element in iterparse(source):
            if element.tag == MERGE_CELL_TAG:
                refs.append(element.get("ref", ""))
            elif element.tag == ROW_TAG:
                element.clear()
    return refs


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Sheet:
    headers: list[str]  # as written in the file, trimmed after the last non-empty one
    keys: list[str | None]  # column key per header position; None = ignored column
    rows: list[tuple[int, tuple]]  # (Excel row number, raw values) of non-empty data rows


def _pick_sheet(workbook):
    if DATA_SHEET in workbook.sheetnames:
        return workbook[DATA_SHEET]
    return workbook.worksheets[0] if workbook.worksheets else None


def _read_sheet(data: bytes, filename: str) -> _Sheet:
    """Headers and raw rows of the customer sheet; garbage raises ImportFileError."""
    _check_container(data, filename)
    try:
        # openpyxl.load_workbook, in two steps: the sheets are checked before any is opened.
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        _check_sheets(reader)
        reader.read()
        workbook = reader.wb
    except ImportFileError:
        raise
    except Exception as exc:  # untrusted input: any parser failure means "not readable"
        logger.info("import: openpyxl refused %s: %r", filename, exc)
        raise _damaged(filename) from exc
    try:
        return _read_rows(workbook, filename)
    except ImportFileError:
        raise
    except Exception as exc:  # damaged XML inside a valid zip surfaces only while streaming
        logger.info("import: reading %s failed: %r", filename, exc)
        raise _damaged(filename) from exc
    finally:
        workbook.close()


def _check_sheets(reader: ExcelReader) -> int:
    """Bound every worksheet of the package (see _check_shape) before openpyxl opens any;
    returns the number of rows (headers included) of the customer sheet."""
    reader.read_manifest()
    reader.read_workbook()
    sheets = [
        (sheet.name, rel.target)
        for sheet, rel in reader.parser.find_sheets()
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type
    ]
    if not sheets:
        return 0
    names = [name for name, _target in sheets]
    data_target = sheets[names.index(DATA_SHEET) if DATA_SHEET in names else 0][1]
    data_rows = 0
    for _name, target in sheets:
        with reader.archive.open(target) as source:
            rows = _check_shape(source, settings.IMPORT_MAX_ROWS, data_sheet=target == data_target)
        if target == data_target:
            data_rows = rows
    strings = reader.package.find(SHARED_STRINGS)
    if strings is not None and strings.PartName[1:] in reader.valid_files:
        with reader.archive.open(strings.PartName[1:]) as source:
            _check_strings(source, (data_rows + 1) * STRINGS_PER_ROW + 1000)
    return data_rows


def _formula_error(cell) -> ImportFileError:
    return ImportFileError(
        _(
            "Cell %(cell)s contains a formula. Import takes values only: copy the sheet, paste it "
            "back with Paste Special › Values, and import again."
        )
        % {"cell": cell.coordinate}
    )


def _read_rows(workbook, filename: str) -> _Sheet:
    max_rows = settings.IMPORT_MAX_ROWS
    worksheet = _pick_sheet(workbook)
    empty = ImportFileError(
        _("“%(name)s” is empty: the customer sheet has no rows.") % {"name": filename}
    )
    if worksheet is None:
        raise empty
    # The sheet's size was checked before the workbook was opened (_check_sheets).
    worksheet.reset_dimensions()  # stream every row, even past a dimension that understates

    header_row, header_cells = 0, ()
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if any(not _is_blank(c.value) for c in cells):
            header_row, header_cells = number, cells
            break
    if not header_row:
        raise empty
    for cell in header_cells:
        if cell.data_type == "f":
            raise _formula_error(cell)
    headers = [str(c.value).strip() if not _is_blank(c.value) else "" for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    keys = _match_headers(headers)

    rows: list[tuple[int, tuple]] = []
    width = len(headers)
    for number, cells in enumerate(
        worksheet.iter_rows(min_row=header_row + 1, max_col=width), start=header_row + 1
    ):
        values = []
        blank = True
        for cell in cells:
            if cell.data_type == "f":
                raise _formula_error(cell)
            value = cell.value
            if cell.data_type == "e":
                value = _ExcelError(str(value))
            values.append(value)
            blank = blank and _is_blank(value)
        if blank:
            continue
        rows.append((number, tuple(values)))
        if max_rows and len(rows) > max_rows:
            raise ImportFileError(_too_many_rows(None))
    if not rows:
        raise ImportFileError(
            _("“%(name)s” has no customer rows: fill one customer per row under the headers.")
            % {"name": filename}
        )
    last_row = rows[-1][0]
    for ref in _merged_ranges(worksheet):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if min_col <= width and max_row >= header_row and min_row <= last_row:
            raise ImportFileError(
                _(
                    "Cells %(range)s are merged. Unmerge them so that every row carries its own "
                    "values, and import again."
                )
                % {"range": ref}
            )
    return _Sheet(headers=headers, keys=keys, rows=rows)


def _too_many_rows(count: int | None) -> str:
    limit = settings.IMPORT_MAX_ROWS
    if count is None:
        return _("The file has more than %(max)s customer rows; split it into smaller files.") % {
            "max": limit
        }
    return _(
        "The sheet has %(rows)s rows, more than the %(max)s customer rows that can be imported at once. Split it into smaller files (and delete empty rows at the bottom)."
    ) % {"rows": count, "max": limit}


def _match_headers(headers: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    unknown, seen, twice = [], set(), []
    for header in headers:
        if not header:
            keys.append(None)
            continue
        norm = _header_key(header)
        key = HEADER_LOOKUP.get(norm)
        if key is None:
            if norm not in IGNORED_LOOKUP:
                unknown.append(header)
            keys.append(None)
            continue
        if key in seen:
            twice.append(header)
        seen.add(key)
        keys.append(key)
    missing = [c.header for c in COLUMNS if c.required and c.key not in seen]
    problems = []
    if missing:
        problems.append(
            _("Required columns are missing: %(columns)s.") % {"columns": _name_list(missing)}
        )
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.") % {"columns": _name_list(unknown)})
    if twice:
        problems.append(_("Columns appear twice: %(columns)s.") % {"columns": _name_list(twice)})
    if problems:
        problems.append(_("Use the column headers of the import template in the first row."))
        raise ImportFileError(" ".join(problems))
    return keys


def _echo(value) -> str:
    """A value from the file as a message quotes it: cut to MAX_ECHO characters."""
    text = _text(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _name_list(names: list[str]) -> str:
    """Column names for a message: at most ten, each cut short, and how many more there are."""
    shown = "、".join(_echo(name) for name in names[:10])
    if len(names) > 10:
        return _("%(names)s and %(count)s more") % {"names": shown, "count": len(names) - 10}
    return shown


class _ExcelError(str):
    """An Excel error value (#N/A, #REF!…) found in a cell."""


# --- parsing cell values -------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _decimal(value, places: int) -> Decimal | None:
    if _is_blank(value):
        return None
    try:
        number = Decimal(str(value).strip().replace("，", "").replace(",", ""))
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite():
        raise ValidationError(_("Enter a number."))
    try:
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return number  # too large to round: the model's range check will say so


def _integer(value) -> int | None:
    number = _decimal(value, 6)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValidationError(_("Enter a whole number."))
    return int(number)


def _time(value) -> dt.time | None:
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = min(round(value * 86400), 86399)  # 0.999999 of a day is 23:59:59, not 24:00
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    text = unicodedata.normalize("NFKC", _text(value)).replace(" ", "")
    match = TIME_RE.match(text)
    try:
        if match:
            return dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
        match = TIME_CN_RE.match(text)
        if match:
            minute = 30 if text.endswith("半") else int(match[2] or 0)
            return dt.time(int(match[1]), minute)
    except ValueError:
        pass
    raise ValidationError(_("Enter a time of day such as 08:30."))


def _date(value) -> dt.date | None:
    if _is_blank(value):
        return None
    parsed = None
    if isinstance(value, dt.datetime):
        parsed = value.date()
    elif isinstance(value, dt.date):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = _text(value)
        if len(text) == 8 and text.isdigit():
            value = text
        elif 1 <= value < 2_958_466:  # an Excel date serial that lost its date format
            parsed = from_excel(value).date()
    if parsed is None and isinstance(value, str):
        text = value.strip().replace(" ", "")
        for fmt in DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValidationError(_("Enter a date such as 1980-05-12."))
    if parsed > timezone.localdate() or parsed.year < 1900:
        raise ValidationError(_("This date is not a plausible birthday."))
    return parsed


def _yes_no(value) -> bool:
    if _is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = normalise(_text(value))
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(_("Enter “是” (yes) or “否” (no)."))


def _split_list(value) -> list[str]:
    return [part.strip() for part in LIST_SPLIT_RE.split(_text(value)) if part.strip()]


# --- validating rows -----------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    values: tuple
    fields: dict = field(default_factory=dict)
    contact: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)  # column key -> messages
    duplicates: list[DuplicateMatch] = field(default_factory=list)
    instance: Customer | None = None  # as validated; the bulk write saves this one

    def add(self, key: str, messages: Iterable[str]) -> None:
        bucket = self.problems.setdefault(key, [])
        for message in messages:
            if str(message) not in bucket:
                bucket.append(str(message))

    @property
    def rejected(self) -> bool:
        return bool(self.problems or self.duplicates)

    @property
    def phones(self) -> list[str]:
        return [p for p in (self.fields.get("phone"), self.contact.get("mobile")) if p]


class _Importer:
    """Turns the rows of one file into validated customer data, then writes it."""

    def __init__(self, *, actor: User, sheet: _Sheet):
        self.actor = actor
        self.sheet = sheet
        self.header_of = {k: h for h, k in zip(sheet.headers, sheet.keys, strict=True) if k}
        self.outlet_types = _object_lookup(OutletType.objects.filter(is_active=True))
        classes = list(CustomerClass.objects.filter(is_active=True))
        self.importance = _object_lookup(c for c in classes if c.scheme == ClassScheme.IMPORTANCE)
        self.abc = _object_lookup(c for c in classes if c.scheme == ClassScheme.ABC)
        self.choices = {key: _choice_lookup(choices) for key, choices in CHOICE_COLUMNS.items()}
        self.owner_cache: dict[str, User | None] = {}
        self.referrers: dict[str, Customer] = {}
        self.actor_may_own = scoping.can_assign_owner(actor, actor)

    def column(self, key: str) -> str:
        """The header the user sees for a column key (their own spelling if the file has it)."""
        if key in self.header_of:
            return _echo(self.header_of[key])
        return COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else ""

    # reading

    def prepare(self, report=None) -> list[_Row]:
        """Every row parsed, validated and checked for duplicates; nothing written, no lock."""
        # Before the archive is read: the write re-checks whatever changes after this.
        self.mark = import_write.mark_now()
        rows = [_Row(number=n, values=v) for n, v in self.sheet.rows]
        self._load_referrers(rows)
        self._load_owners(rows)
        for done, row in enumerate(rows, start=1):
            self._parse(row)
            self._validate_models(row)
            if report and done % 500 == 0:
                report(0.8 * done / len(rows))
        self._find_duplicates(rows)
        return rows

    def _raw(self, row: _Row) -> dict[str, object]:
        return {k: v for k, v in zip(self.sheet.keys, row.values, strict=False) if k}

    def _load_referrers(self, rows: list[_Row]) -> None:
        if "referred_by" not in self.header_of:
            return
        codes = {_text(self._raw(r).get("referred_by")).upper() for r in rows} - {""}
        codes_list = sorted(codes)
        for start in range(0, len(codes_list), 500):
            chunk = codes_list[start : start + 500]
            # Only customers the importer may see: a code outside scope reads as unknown.
            for customer in customer_queryset(self.actor).filter(code__in=chunk):
                self.referrers[customer.code] = customer

    def _load_owners(self, rows: list[_Row]) -> None:
        if "owner" not in self.header_of:
            return
        names = {_text(self._raw(r).get("owner")) for r in rows} - {""}
        users = {u.username: u for u in User.objects.filter(
            username__in=names, is_active=True).select_related("team")}
        for name in names:
            user = users.get(name)
            self.owner_cache[name] = (
                user if user and scoping.can_assign_owner(self.actor, user) else None
            )

    def _parse(self, row: _Row) -> None:
        raw = self._raw(row)
        for key, value in raw.items():
            if isinstance(value, _ExcelError):
                row.add(
                    key, [_("The cell holds the Excel error value %(value)s.") % {"value": _echo(value)}]
                )
                continue
            try:
                self._parse_value(row, key, value)
            except ValidationError as exc:
                row.add(key, exc.messages)
        if not row.fields.get("name") and "name" not in row.problems:
            row.add("name", [_("Required: this cell is empty.")])
        if "outlet_type" not in row.fields and "outlet_type" not in row.problems:
            row.add("outlet_type", [_("Required: this cell is empty.")])
        if "owner" not in row.fields and "owner" not in row.problems:
            if self.actor_may_own:
                row.fields["owner"] = self.actor
            else:
                row.add(
                    "owner",
                    [
                        _(
                            "Give the owner rep's username: customers must belong to a rep, and you cannot own them yourself."
                        )
                    ],
                )
        contact_problems = any(k.startswith("contact_") for k in row.problems)
        if any(v not in (None, "", False) for v in row.contact.values()) or contact_problems:
            row.contact["is_primary"] = True
            if not row.contact.get("name") and "contact_name" not in row.problems:
                row.add(
                    "contact_name",
                    [_("Give the contact's name, or leave every contact column empty.")],
                )
        else:
            row.contact = {}

    def _parse_value(self, row: _Row, key: str, value) -> None:  # noqa: C901 (one branch per column)
        if key in CHOICE_COLUMNS:
            text = _text(value)
            if not text:
                return
            choice = self.choices[key].get(normalise(text))
            if choice is None:
                valid = "、".join(str(label) for _v, label in CHOICE_COLUMNS[key].choices)
                raise ValidationError(
                    _("“%(value)s” is not a valid choice. Valid: %(choices)s.")
                    % {"value": _echo(text), "choices": valid}
                )
            if key.startswith("contact_"):
                row.contact[CONTACT_KEYS[key]] = choice
            else:
                row.fields[key] = choice
        elif key in ("outlet_type", "customer_class", "abc_class"):
            text = _text(value)
            if not text:
                return
            lookup = {
                "outlet_type": self.outlet_types,
                "customer_class": self.importance,
                "abc_class": self.abc,
            }[key]
            obj = lookup.get(normalise(text))
            if obj is None:
                valid = "、".join(sorted({str(o) for o in lookup.values()}, key=str))
                raise ValidationError(
                    _("“%(value)s” is not a valid choice. Valid: %(choices)s.")
                    % {"value": _echo(text), "choices": valid}
                )
            row.fields[key] = obj
        elif key in ("latitude", "longitude"):
            number = _decimal(value, 6)
            if number is not None:
                limit = 90 if key == "latitude" else 180
                if abs(number) > limit:
                    message = (
                        _("Latitude must be between -90 and 90.")
                        if key == "latitude"
                        else _("Longitude must be between -180 and 180.")
                    )
                    if key == "latitude" and abs(number) <= 180:
                        message += " " + _("Latitude and longitude may be swapped.")
                    raise ValidationError(message)
            row.fields[key] = number
        elif key == "phone":
            phone = normalise_phone(_text(value))
            validate_phone(phone)
            row.fields[key] = phone
        elif key in ("opens_at", "closes_at"):
            row.fields[key] = _time(value)
        elif key == "floor_area":
            row.fields[key] = _decimal(value, 1)
        elif key in ("staff_count", "years_in_business"):
            row.fields[key] = _integer(value)
        elif key == "brands":
            row.fields[key] = _split_list(value)
        elif key == "tags":
            row.tags = list(dict.fromkeys(t[:30] for t in _split_list(value)))
        elif key == "referred_by":
            code = _text(value).upper()
            if code:
                referrer = self.referrers.get(code)
                if referrer is None:
                    raise ValidationError(
                        _("No customer numbered “%(value)s” in your scope.")
                        % {"value": _echo(code)}
                    )
                row.fields[key] = referrer
        elif key == "owner":
            username = _text(value)
            if username:
                owner = self.owner_cache.get(username)
                if owner is None:
                    # Same answer for an unknown user and one outside scope: scope never leaks.
                    raise ValidationError(
                        _("No rep “%(value)s” that you may assign customers to.")
                        % {"value": _echo(username)}
                    )
                row.fields[key] = owner
        elif key == "contact_mobile":
            mobile = normalise_phone(_text(value))
            validate_mobile(mobile)
            row.contact["mobile"] = mobile
        elif key == "contact_birthday":
            row.contact["birthday"] = _date(value)
        elif key == "contact_lunar":
            row.contact["birthday_is_lunar"] = _yes_no(value)
        elif key in ("contact_name", "contact_interests"):
            row.contact[CONTACT_KEYS[key]] = _text(value)
        else:  # plain text columns: name, address parts, notes
            row.fields[key] = _text(value)

    def _validate_models(self, row: _Row) -> None:
        """The model's own rules (lengths, ranges, cross-field checks), nothing saved."""
        fk = ["outlet_type", "customer_class", "abc_class", "owner", "referred_by"]
        customer = row.instance = Customer(**row.fields)
        try:
            customer.full_clean(exclude=["code", "team", "region", *fk])
        except ValidationError as exc:
            self._add_model_errors(row, exc, FIELD_TO_KEY)
        if row.contact:
            contact = Contact(**row.contact)
            try:
                contact.full_clean(exclude=["customer"])
            except ValidationError as exc:
                self._add_model_errors(row, exc, CONTACT_FIELD_TO_KEY)

    def _add_model_errors(self, row: _Row, exc: ValidationError, keys: dict[str, str]) -> None:
        parsed_badly = set(row.problems)
        if {"latitude", "longitude"} & parsed_badly:
            parsed_badly |= {"latitude", "longitude"}
        for field_name, messages in exc.message_dict.items():
            key = keys.get(field_name, "")
            if key in parsed_badly:
                continue  # the parse error already says what is wrong with this cell
            row.add(key, messages)

    def _find_duplicates(self, rows: list[_Row]) -> None:
        """Against the database (any scope) and against earlier good rows of the same file."""
        by_phone, by_place = self._stored_phones_and_places(rows)
        named = [row for row in rows if row.fields.get("name", "")]
        # The near-identical-name rule lives in dedupe; asked for all rows at once, one query
        # per map cell (import_write.nearby_matches gives what find_duplicates gives per row).
        nearby = dict(zip(map(id, named), import_write.nearby_matches(
            [(r.fields["name"], r.fields.get("latitude"), r.fields.get("longitude"))
             for r in named]), strict=True))
        seen_phone: dict[str, _Row] = {}
        seen_place: dict[tuple[str, str], _Row] = {}
        for row in named:
            place = _place_key(row)
            matches: dict[int, DuplicateMatch] = {}
            for phone in row.phones:
                for match in by_phone.get(phone, ()):
                    matches.setdefault(match.customer_id, match)
            for match in by_place.get(place, ()):
                matches.setdefault(match.customer_id, match)
            for match in nearby[id(row)]:
                matches.setdefault(match.customer_id, match)
            row.duplicates = list(matches.values())
            for phone in row.phones:
                if phone in seen_phone:
                    row.duplicates.append(_in_file_match("phone", seen_phone[phone]))
                    break
            if all(place) and place in seen_place:
                row.duplicates.append(_in_file_match("name_address", seen_place[place]))
            if not row.rejected:
                for phone in row.phones:
                    seen_phone.setdefault(phone, row)
                if all(place):
                    seen_place.setdefault(place, row)

    @staticmethod
    def _stored_phones_and_places(rows: list[_Row]):
        """Live customers sharing a phone, or a name and address, with any row: few queries.

        The same matches as `dedupe.find_duplicates` (same phone on the customer or any of its
        contacts; same normalised name and full address), asked for a whole file at once.
        """
        by_phone: dict[str, list[DuplicateMatch]] = defaultdict(list)
        by_place: dict[tuple[str, str], list[DuplicateMatch]] = defaultdict(list)
        live = Customer.objects.live()
        phones = sorted({p for r in rows for p in r.phones})
        for chunk in _chunks(phones):
            # Contacts' mobiles are encrypted: matched through their keyed hash.
            by_hash = {crypto.lookup_hash(p): p for p in chunk}
            found = itertools.chain(
                live.filter(phone__in=chunk).values_list("pk", "code", "name", "phone"),
                ((pk, code, name, by_hash[digest]) for pk, code, name, digest in
                 live.filter(contacts__mobile_hash__in=list(by_hash)).values_list(
                     "pk", "code", "name", "contacts__mobile_hash")),
            )
            for pk, code, name, phone in found:
                by_phone[phone].append(DuplicateMatch(pk, code, name, "phone", ""))
        names = sorted({_place_key(r)[0] for r in rows if all(_place_key(r))})
        for chunk in _chunks(names):
            found = live.filter(name_norm__in=chunk).values_list(
                "pk", "code", "name", "name_norm", "address_norm"
            )
            for pk, code, name, name_norm, address_norm in found:
                if address_norm:
                    by_place[(name_norm, address_norm)].append(
                        DuplicateMatch(pk, code, name, "name_address", "")
                    )
        return by_phone, by_place

    # writing

    def write(self, rows: list[_Row], *, all_or_nothing: bool, report=None) -> list[int]:
        """Create every good row in bulk (customers/import_write.py): planned without a lock,
        then written in one short transaction; nothing is written if any row fails and the
        import is all-or-nothing. Returns the new customers' ids."""
        planned = import_write.plan(rows, actor=self.actor, in_file_match=_in_file_match,
                                    report=report)
        if all_or_nothing and any(r.rejected for r in rows):
            return []
        ids = import_write.write_planned(planned, actor=self.actor, mark=self.mark,
                                         all_or_nothing=all_or_nothing)
        dbstats.refresh_after_bulk_write(len(ids))
        return ids

    def write_per_row(self, rows: list[_Row], *, all_or_nothing: bool) -> list[int]:
        """The reference: every good row through customer_create, in one transaction (what
        the import did before the bulk path; the tests hold the bulk path equal to it)."""
        created: list[Customer] = []
        row_of_customer: dict[int, _Row] = {}
        tags = _TagCache({t for r in rows if not r.rejected for t in r.tags})
        try:
            with transaction.atomic():
                for row in rows:
                    if row.rejected:
                        continue
                    if gates.create_needs_approval(actor=self.actor,
                                                   owner=row.fields.get("owner", self.actor)):
                        # Held new customers are filed one by one through the form or the
                        # API (customers/gates.py); an import cannot bypass the approval.
                        row.add("", [_("New customers need approval under the archive policy: "
                                       "file this one through the form, or ask the archive "
                                       "custodian to import it.")])
                        continue
                    try:
                        customer = services.customer_create(
                            actor=self.actor,
                            tags=tags.resolve(row.tags),
                            contacts=[row.contact] if row.contact else [],
                            **row.fields,
                        )
                    except services.DuplicateCustomerError as exc:
                        # A near-identical name close by within this very file shows up here.
                        row.duplicates = [
                            _in_file_match(m.reason, row_of_customer[m.customer_id])
                            if m.customer_id in row_of_customer
                            else m
                            for m in exc.matches
                        ]
                        continue
                    except ValidationError as exc:
                        if hasattr(exc, "error_dict"):
                            self._add_model_errors(row, exc, FIELD_TO_KEY)
                        else:
                            row.add("", exc.messages)
                        continue
                    created.append(customer)
                    row_of_customer[customer.pk] = row
                    tags.refresh_new(row.tags)
                if all_or_nothing and any(r.rejected for r in rows):
                    raise _Rollback
        except _Rollback:
            return []
        return [customer.pk for customer in created]

    # reporting

    def mask_out_of_scope(self, rows: list[_Row]) -> None:
        """Show the importer only the duplicates they may see; the rest stay anonymous."""
        ids = {m.customer_id for r in rows for m in r.duplicates if m.customer_id}
        visible = set(customer_queryset(self.actor).filter(pk__in=ids).values_list("pk", flat=True))
        outside = _("an existing customer outside your scope; ask the archive custodian")
        for row in rows:
            row.duplicates = [
                m
                if not m.customer_id or m.customer_id in visible
                else DuplicateMatch(None, "", "", m.reason, outside)
                for m in row.duplicates
            ]

    def errors(self, rows: list[_Row]) -> list[RowError]:
        order = {k: i for i, k in enumerate(c.key for c in COLUMNS)}
        return [
            RowError(row=row.number, column=self.column(key), message=" ".join(messages))
            for row in rows
            for key, messages in sorted(row.problems.items(), key=lambda kv: order.get(kv[0], -1))
        ]

    def reasons(self, row: _Row) -> str:
        lines = [
            _("%(column)s: %(message)s") % {"column": e.column, "message": e.message}
            if e.column
            else e.message
            for e in self.errors([row])
        ]
        lines += [duplicate_text(m) for m in row.duplicates]
        return "\n".join(lines)

    def rejected_workbook(self, rows: list[_Row]) -> bytes:
        """The rejected rows with the file's own headers and a reason column, ready to fix."""
        keep = [
            i
            for i, h in enumerate(self.sheet.headers)
            if _header_key(h) != _header_key(REJECT_REASON_HEADER)
        ]
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = DATA_SHEET
        spreadsheet.append(sheet, [self.sheet.headers[i] for i in keep] + [REJECT_REASON_HEADER])
        for row in rows:
            if row.rejected:
                values = [row.values[i] if i < len(row.values) else None for i in keep]
                spreadsheet.append(sheet, [_plain_cell(v) for v in values] + [self.reasons(row)])
        _style_header(sheet, [self.sheet.headers[i] for i in keep] + [REJECT_REASON_HEADER])
        reason_letter = get_column_letter(len(keep) + 1)
        sheet.column_dimensions[reason_letter].width = 50
        red = Font(color="C00000")
        for (cell,) in sheet.iter_rows(min_row=2, min_col=len(keep) + 1, max_col=len(keep) + 1):
            cell.font = red
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return _save(workbook)


class _TagCache:
    """Tags of a file by name: existing ones are passed as objects, so the service does not
    look the same name up on every row; new names go to the service, which creates them."""

    def __init__(self, names: set[str]):
        self.by_name = {t.name: t for t in Tag.objects.filter(name__in=names)}
        self.new = names - set(self.by_name)

    def resolve(self, names: list[str]) -> list | None:
        return [self.by_name.get(n, n) for n in names] or None

    def refresh_new(self, used: list[str]) -> None:
        """Pick up the tags the service just created for a row."""
        created = self.new.intersection(used)
        if created:
            found = {t.name: t for t in Tag.objects.filter(name__in=created)}
            self.by_name.update(found)
            self.new -= set(found)


class _Rollback(Exception):
    """Raised inside the import transaction to undo every row of an all-or-nothing import."""


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _place_key(row: _Row) -> tuple[str, str]:
    """Normalised name and full address, as the customer services store them."""
    address = "".join(row.fields.get(k, "") for k in ("province", "city", "district", "address"))
    return normalise(row.fields.get("name", ""))[:100], normalise(address)[:200]


def _plain_cell(value):
    return str(value) if isinstance(value, _ExcelError) else value


def _in_file_match(reason: str, earlier: _Row) -> DuplicateMatch:
    return DuplicateMatch(
        None,
        "",
        earlier.fields.get("name", ""),
        reason,
        _("row %(row)s of this file") % {"row": earlier.number},
    )


def check_file(fileobj, filename: str) -> int:
    """How many rows the file's customer sheet has, after the checks that need no parsing
    (size, package, sheet bounds); ImportFileError for a file that cannot be imported."""
    data = _read_bytes(fileobj, filename)
    _check_container(data, filename)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        rows = _check_sheets(reader)
    except ImportFileError:
        raise
    except Exception as exc:  # untrusted input: any parser failure means "not readable"
        logger.info("import: openpyxl refused %s: %r", filename, exc)
        raise _damaged(filename) from exc
    return max(rows - 1, 0)


def import_customers(
    *, actor, fileobj, filename: str, skip_invalid: bool = False, channel: str = "web",
    progress=None, per_row: bool = False,
) -> ImportResult:
    """Import customers from an .xlsx file: every row validated first, then written.

    `progress(stage, done)` is told how far it got ("reading", "checking", "writing"; done
    from 0 to 1). `per_row` writes through customer_create row by row (the reference the
    tests compare the bulk path with; slow).
    """
    def report(stage):
        return (lambda done: progress(stage, done)) if progress else None

    if progress:
        progress("reading", 0.0)
    sheet = _read_sheet(_read_bytes(fileobj, filename), filename)
    importer = _Importer(actor=actor, sheet=sheet)
    if progress:
        progress("checking", 0.0)
    rows = importer.prepare(report=report("checking"))
    all_or_nothing = not skip_invalid
    created: list[int] = []
    if progress:
        progress("writing", 0.0)
    if not (all_or_nothing and any(r.rejected for r in rows)):
        if per_row:
            created = importer.write_per_row(rows, all_or_nothing=all_or_nothing)
        else:
            created = importer.write(rows, all_or_nothing=all_or_nothing,
                                     report=report("writing"))
    importer.mask_out_of_scope(rows)
    rejected = [r for r in rows if r.rejected]
    if created:
        audit_record(
            action=AuditEvent.Action.IMPORT,
            actor=actor,
            object_type="customer",
            row_count=len(created),
            channel=channel,
            detail={
                "filename": filename[:200],
                "rows": len(rows),
                "created": len(created),
                "rejected": len(rejected),
                "skip_invalid": skip_invalid,
            },
        )
    errors = importer.errors(rows)
    duplicates = [r for r in rows if r.duplicates]
    return ImportResult(
        ok=not rejected,
        created_count=len(created),
        errors=errors[:MAX_REPORTED],
        duplicates=[
            RowDuplicate(row=r.number, matches=list(r.duplicates)) for r in duplicates[:MAX_REPORTED]
        ],
        rejected_workbook=importer.rejected_workbook(rows) if skip_invalid and rejected else None,
        error_count=len(errors),
        duplicate_count=len(duplicates),
        rejected_count=len(rejected),
    )


# --- the template --------------------------------------------------------------------------


HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)


def _style_header(sheet, headers: list[str]) -> None:
    required = {c.header for c in COLUMNS if c.required}
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = REQUIRED_FONT if header in required else HEADER_FONT
        cell.fill = HEADER_FILL
        column = next((c for c in COLUMNS if c.header == header), None)
        sheet.column_dimensions[get_column_letter(index)].width = column.width if column else 14
    sheet.freeze_panes = "B2"


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _valid_value_lists() -> list[tuple[str, str, list[str]]]:
    """(column key, list title, Chinese names) for every column with a fixed set of values."""
    with translation.override("zh-hans"):
        outlet_types = [str(o) for o in OutletType.objects.filter(is_active=True)]
        classes = list(CustomerClass.objects.filter(is_active=True))
    return [
        ("outlet_type", "终端类型", outlet_types),
        ("channel", "渠道", _chinese_labels(Channel)),
        ("source", "客户来源", _chinese_labels(Source)),
        ("status", "客户状态", _chinese_labels(Status)),
        (
            "customer_class",
            "客户级别",
            [c.name for c in classes if c.scheme == ClassScheme.IMPORTANCE],
        ),
        ("abc_class", "ABC分类", [c.name for c in classes if c.scheme == ClassScheme.ABC]),
        ("contact_role", "联系人职务", _chinese_labels(ContactRole)),
        ("contact_decision_role", "联系人决策角色", _chinese_labels(DecisionRole)),
        ("contact_lunar", "农历生日(是/否)", ["是", "否"]),
    ]


def _example_row(lists: dict[str, list[str]]) -> dict[str, object]:
    def first(key, index=0):
        values = lists.get(key) or [""]
        return values[min(index, len(values) - 1)]

    return {
        "name": "联华超市（文三路店）",
        "outlet_type": first("outlet_type"),
        "channel": first("channel"),
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路100号",
        "latitude": 30.2765,
        "longitude": 120.1369,
        "phone": "0571-88886666",
        "opens_at": dt.time(8, 0),
        "closes_at": dt.time(22, 0),
        "floor_area": 120,
        "staff_count": 6,
        "years_in_business": 8,
        "brands": "康师傅，农夫山泉",
        "source": first("source"),
        "referred_by": "",
        "status": first("status", 1),
        "customer_class": first("customer_class"),
        "abc_class": first("abc_class"),
        "owner": "",
        "tags": "社区店，24小时",
        "notes": "",
        "contact_name": "王建国",
        "contact_role": first("contact_role"),
        "contact_decision_role": first("contact_decision_role"),
        "contact_mobile": "13800138000",
        "contact_birthday": dt.date(1975, 8, 15),
        "contact_lunar": "否",
        "contact_interests": "喝茶、钓鱼",
    }


def import_template() -> bytes:
    """The .xlsx template: headers, instructions, valid values, drop-downs, an example row."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    headers = [c.header for c in COLUMNS]
    spreadsheet.append(data, headers)
    _style_header(data, headers)
    for index, column in enumerate(COLUMNS, start=1):
        data.cell(row=1, column=index).comment = Comment(str(column.help), "OutletCRM", 90, 240)
        dimension = data.column_dimensions[get_column_letter(index)]
        if column.text_format:
            dimension.number_format = "@"
        elif column.key in ("opens_at", "closes_at"):
            dimension.number_format = "hh:mm"
        elif column.key == "contact_birthday":
            dimension.number_format = "yyyy-mm-dd"

    help_sheet = workbook.create_sheet(HELP_SHEET)
    lists = _valid_value_lists()
    _write_instructions(help_sheet, lists)

    last_row = (settings.IMPORT_MAX_ROWS or 20000) + 1
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    first_list_col = 7
    for offset, (key, _title, values) in enumerate(lists):
        list_letter = get_column_letter(first_list_col + offset)
        validation = DataValidation(
            type="list",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            formula1=f"'{HELP_SHEET}'!${list_letter}$3:${list_letter}${2 + max(len(values), 1)}",
            error=_("Choose a value from the list."),
        )
        data.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        validation = DataValidation(
            type="decimal",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            allow_blank=True,
            showErrorMessage=True,
        )
        data.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
    for key, high in (("staff_count", 100000), ("years_in_business", 200)):
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(high),
            allow_blank=True,
            showErrorMessage=True,
        )
        data.add_data_validation(validation)
        validation.add(f"{letters[key]}2:{letters[key]}{last_row}")
    return _save(workbook)


def _write_instructions(sheet, lists) -> None:
    bold = Font(bold=True)
    title = put(sheet, 1, 1, _("How to fill in the customer import template"))
    title.font = Font(bold=True, size=14)
    notes = [
        _(
            "Fill one customer per row on the sheet “%(sheet)s”, starting in row 2. Keep the column headers of row 1 unchanged."
        )
        % {"sheet": DATA_SHEET},
        _("Columns marked * are required; every other column may stay empty."),
        _(
            "Pick outlet types, channels, sources, statuses and classes from the drop-down lists; the valid values are listed on the right. English names are accepted too."
        ),
        _(
            "By default the import is all-or-nothing: if any row is wrong, nothing is imported and you get a report of every problem. With “skip invalid rows” the good rows are imported and the rejected ones come back as a workbook to fix and import again."
        ),
        _(
            "Rows that match an existing customer (same phone, same name and address, or a near-identical name within about 100 m) are reported as duplicates and not imported."
        ),
        _(
            "Enter values, not formulas, and do not merge cells. At most %(rows)s rows and %(size)s per file."
        )
        % {"rows": settings.IMPORT_MAX_ROWS, "size": filesizeformat(settings.IMPORT_MAX_BYTES)},
    ]
    for index, note in enumerate(notes, start=2):
        put(sheet, index, 1, f"{index - 1}. {note}")
    table_row = len(notes) + 3
    for col, title in enumerate(
        [_("Column"), _("Required"), _("How to fill it in"), _("Example")], start=1
    ):
        put(sheet, table_row, col, title).font = bold
    example = _example_row({key: values for key, _t, values in lists})
    for index, column in enumerate(COLUMNS, start=table_row + 1):
        put(sheet, index, 1, column.header)
        put(sheet, index, 2, _("Yes") if column.required else "")
        put(sheet, index, 3, str(column.help))
        put(sheet, index, 4, _plain_example(example[column.key]))
    example_row = table_row + len(COLUMNS) + 2
    put(
        sheet,
        example_row,
        1,
        _("Example row (copy it to the sheet “%(sheet)s” if you like):") % {"sheet": DATA_SHEET},
    ).font = bold
    for col, column in enumerate(COLUMNS, start=1):
        put(sheet, example_row + 1, col, column.header).font = bold
        cell = put(sheet, example_row + 2, col, example[column.key])
        if isinstance(example[column.key], dt.time):
            cell.number_format = "hh:mm"
        elif isinstance(example[column.key], dt.date):
            cell.number_format = "yyyy-mm-dd"
    first_list_col = 7
    put(sheet, 1, first_list_col, _("Valid values")).font = bold
    for offset, (_key, title, values) in enumerate(lists):
        col = first_list_col + offset
        put(sheet, 2, col, title).font = bold
        for index, value in enumerate(values, start=3):
            put(sheet, index, col, value)
        sheet.column_dimensions[get_column_letter(col)].width = 16
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 6
    sheet.column_dimensions["C"].width = 60
    sheet.column_dimensions["D"].width = 20


def _plain_example(value) -> str:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return _text(value)


# --- export --------------------------------------------------------------------------------


EXPORT_HEADERS = [
    "客户编号",
    *(c.header for c in COLUMNS),
    "所属团队",
    "所属区域",
    "创建时间",
    "更新时间",
    "归档时间",
    # Consent to marketing use (privacy, brief §7): export only; an import ignores them.
    "营销同意",
    "同意日期",
    "同意方式",
]
_DEFAULT_FILTERS = {("archived", "live"), ("ordering", "name")}
CONTACT_HEADERS = [
    "客户编号",
    "客户名称",
    "姓名",
    "职务",
    "决策角色",
    "手机",
    "生日",
    "农历生日(是/否)",
    "兴趣爱好",
    "主要联系人",
    "备注",
]


def _naive_local(value: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: write the local wall-clock time the user knows.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _personal(view: PersonalDataView, customer: Customer, contact: Contact, field: str):
    """A contact's personal field as the exporting user may see it (masked otherwise)."""
    return view.value(contact, field, customer=customer) or None


def _export_row(customer: Customer, contact: Contact | None, view: PersonalDataView) -> list:
    def label(obj):
        return obj.name if obj is not None else None

    values = {
        "name": customer.name,
        "outlet_type": label(customer.outlet_type),
        "channel": customer.get_channel_display(),
        "province": customer.province or None,
        "city": customer.city or None,
        "district": customer.district or None,
        "address": customer.address or None,
        "latitude": customer.latitude,
        "longitude": customer.longitude,
        "phone": customer.phone or None,
        "opens_at": customer.opens_at,
        "closes_at": customer.closes_at,
        "floor_area": customer.floor_area,
        "staff_count": customer.staff_count,
        "years_in_business": customer.years_in_business,
        "brands": "，".join(customer.brands) or None,
        "source": customer.get_source_display(),
        "referred_by": customer.referred_by.code if customer.referred_by_id else None,
        "status": customer.get_status_display(),
        "customer_class": label(customer.customer_class),
        "abc_class": label(customer.abc_class),
        "owner": customer.owner.username,
        "tags": "，".join(t.name for t in customer.tags.all()) or None,
        "notes": customer.notes or None,
    }
    if contact is not None:
        values.update(
            {
                "contact_name": contact.name,
                "contact_role": contact.get_role_display(),
                "contact_decision_role": contact.get_decision_role_display(),
                "contact_mobile": _personal(view, customer, contact, "mobile"),
                "contact_birthday": _personal(view, customer, contact, "birthday"),
                "contact_lunar": "是" if contact.birthday_is_lunar else "否",
                "contact_interests": _personal(view, customer, contact, "interests"),
            }
        )
    return [
        customer.code,
        *(values.get(c.key) for c in COLUMNS),
        str(customer.team) if customer.team_id else None,
        str(customer.region) if customer.region_id else None,
        _naive_local(customer.created_at),
        _naive_local(customer.updated_at),
        _naive_local(customer.archived_at),
        "是" if customer.marketing_consent else "否",
        customer.marketing_consent_on,
        customer.get_marketing_consent_source_display() or None,
    ]


def _contact_row(customer: Customer, contact: Contact, view: PersonalDataView) -> list:
    return [
        customer.code,
        customer.name,
        contact.name,
        contact.get_role_display(),
        contact.get_decision_role_display(),
        _personal(view, customer, contact, "mobile"),
        _personal(view, customer, contact, "birthday"),
        "是" if contact.birthday_is_lunar else "否",
        _personal(view, customer, contact, "interests"),
        "是" if contact.is_primary else "否",
        contact.notes or None,
    ]


def _header_cells(sheet, headers: list[str]) -> list:
    required = {c.header for c in COLUMNS if c.required}
    cells = []
    for header in headers:
        cell = spreadsheet.text_cell(sheet, header)
        cell.font = REQUIRED_FONT if header in required else HEADER_FONT
        cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


WATERMARK_SHEET = "水印"


def watermark_text(user, moment=None) -> str:
    """The visible mark on every workbook and printed card handed out (发放制度): who, when."""
    moment = timezone.localtime(moment or timezone.now())
    name = getattr(user, "display_name", "") or user.get_username()
    return _("Confidential · %(name)s (%(username)s) · %(time)s") % {
        "name": name, "username": user.get_username(), "time": f"{moment:%Y-%m-%d %H:%M}"}


def _watermark(workbook, sheets, text: str) -> None:
    """Put `text` in every sheet's printed header and footer, on a sheet of its own (seen on
    opening), and in the file's properties."""
    for sheet in sheets:
        sheet.oddHeader.center.text = text
        sheet.oddFooter.center.text = text
    mark = workbook.create_sheet(WATERMARK_SHEET)
    spreadsheet.append(mark, [text])
    spreadsheet.append(mark, [_("This workbook was handed out to the person named above; "
                                "every export is recorded.")])
    workbook.properties.creator = text[:255]
    workbook.properties.description = text


def count_export(*, user, filters: CustomerFilters) -> int:
    """How many customers an export with `filters` would hold for `user`."""
    return customer_list(user=user, filters=filters).count()


def export_filters(filters: CustomerFilters) -> dict:
    """An export's filters without the defaults (as the audit log and export list keep them)."""
    return {k: v for k, v in asdict(filters).items()
            if v not in (None, "", {}) and (k, v) not in _DEFAULT_FILTERS}


def export_customers(*, user, filters: CustomerFilters, channel: str = "web") -> tuple[bytes, int]:
    """The customers `user` sees with `filters`, as .xlsx, watermarked with the user and the
    time; the export is audited (customers/exports.py decides whether it may run now)."""
    queryset = (
        customer_list(user=user, filters=filters)
        .select_related("referred_by", "team", "region")
        .prefetch_related(
            "tags",
            # The primary contact comes first: it fills the contact columns of the customer row.
            Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "pk")),
        )
    )
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    contacts_sheet = workbook.create_sheet(CONTACT_SHEET)
    widths = {c.header: c.width for c in COLUMNS}
    for index, header in enumerate(EXPORT_HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(header, 12)
    sheet.freeze_panes = "C2"
    contacts_sheet.freeze_panes = "C2"
    spreadsheet.append(sheet, _header_cells(sheet, EXPORT_HEADERS))
    spreadsheet.append(contacts_sheet, _header_cells(contacts_sheet, CONTACT_HEADERS))
    count = 0
    # Contacts' personal data as the exporter sees it on the page: in full for their own
    # customers (owner rep, supervisor, administrator), masked for everyone else (privacy).
    view = PersonalDataView(user)
    # Labels are written in Chinese whatever the UI language: the headers and the template's
    # drop-downs are Chinese, so an export can be re-imported as it is.
    with translation.override("zh-hans"):
        for customer in queryset.iterator(chunk_size=2000):
            contacts = list(customer.contacts.all())
            spreadsheet.append(sheet, _export_row(customer, contacts[0] if contacts else None,
                                                  view))
            for contact in contacts:
                spreadsheet.append(contacts_sheet, _contact_row(customer, contact, view))
            count += 1
        _watermark(workbook, [sheet, contacts_sheet], watermark_text(user))
    content = _save(workbook)
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=user,
        object_type="customer",
        row_count=count,
        channel=channel,
        detail={"filters": export_filters(filters)},
    )
    return content, count
