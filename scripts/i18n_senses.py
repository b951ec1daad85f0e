"""Catch an English msgid that is used in two senses without a message context.

gettext translates a msgid once. "Status" reused for a customer's status and a visit's status,
or "From" for a start date and for the rep a customer is handed over from, shows the first
sense's Chinese in the other place (客户状态 over visit statuses, 起始日期 over rep names).
A word with more than one sense must carry a context (`pgettext("visit", "Status")`,
`{% translate "Status" context "visit" %}`), and the maps then key it "visit|Status".

The rule, checked by `make i18n` (scripts/po_fill.py) and by tests/test_i18n.py:

  A short msgid (one or two words, no placeholder) used WITHOUT a context in more than one
  area of the code must be on the allow-list below, which says that it means the same thing
  everywhere.

Why this rule: the senses of a word follow the part of the product it is used in. Within one
area (customers, orders, visits, optimise…) a short label keeps one sense; across areas the
same word names different things (a contact's 职务 in customers, a check-in's GPS position in
visits). A field label is used in its model's area, so a label reused elsewhere is flagged too.
Sentences, and phrases with a placeholder, are left alone: their other words fix the sense. The third way a sense
goes wrong — one key translated differently in two maps — is refused by po_fill.py itself.

Areas: the app a Python file belongs to (outletcrm/<app>/…); a template's directory under
outletcrm/templates (mobile/ belongs to visits; base.html, includes/, registration/ and the
error pages are the shared layout, area "core").
"""

import re
from collections import defaultdict

# ---------------------------------------------------------------------------------------------
# The allow-list: short msgids that mean the same thing in every area that uses them, so one
# translation fits everywhere. Add a word only after checking every place it is used (the
# error message lists them); if one place means something else, give that place a context.
# ---------------------------------------------------------------------------------------------

# Actions: a button or link does the same thing wherever it is.
_ACTIONS = {
    "Back", "Cancel", "Clear filters", "Close", "Edit", "Next", "Previous", "Remove", "Save",
    "Search", "Search customers", "Show", "Previous day", "Next day",
}

# Page names: the menu (base.html) and breadcrumbs name a page by its own title.
_PAGES = {
    "Audit log", "Breadcrumb", "Customer archive", "Customers", "Day plan", "Field app",
    "New customer", "New order", "Orders", "Pages", "Product catalogue", "Routes",
    "Supervisor's day", "Team territories", "Visit KPIs", "Approvals", "Churn watch",
    "Care rules", "Account security",
}

# Records and people: the name of a kind of record, or of a role, is the same record everywhere.
_RECORDS = {
    "Customer", "Payment", "Product", "Rep", "Team", "Region", "Visit", "Outlets", "Map", "User",
}

# Field labels that describe the same attribute on every record that has it. "Class" is always
# the customer's class (客户级别); "Kind" is a record's type (类型), whatever the record;
# "Discount" an order line's (折扣: the return kind has its own context, 折让); "Method" a
# payment's (回款方式).
_FIELDS = {
    "Amount", "Brand", "Class", "Code", "Created at", "Date", "Discount", "Discount (%%)",
    "Enabled", "English name", "Full name", "Kind", "Method", "Mobile", "Name", "Notes", "Price",
    "Quantity", "Reason", "Sort order", "Total", "Unit price", "Owner rep", "Day", "Period",
    "State",
}

# Weekdays, answers and generic fillers.
_WORDS = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "Yes", "No", "All", "Everyone", "All statuses", "Other", "Choose…", "None yet.", "None.",
    "Not found.", "Invalid coordinates.",
}

# The states of a planned stop (visits) that the optimiser's pages show again.
_STOP_STATES = {"Visited", "Dropped"}

# Events on a customer's record that another area reports as the reason for what it did (a
# released stop says the customer was archived).
_EVENTS = {"Customer archived"}

# A background job's state and bar, the same on the optimiser's jobs and an import's.
_JOB_STATES = {"Queued", "Running", "Done", "Failed", "Progress", "Started by"}

SAME_EVERYWHERE = (_ACTIONS | _PAGES | _RECORDS | _FIELDS | _WORDS | _STOP_STATES | _EVENTS
                   | _JOB_STATES)

SHORT_WORDS = 2
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def is_short(msgid: str) -> bool:
    """One or two words, no placeholder (a message with a placeholder is a phrase whose
    sense its other words fix, like "Order %(code)s cancelled")."""
    return not _PLACEHOLDER.search(msgid) and 0 < len(msgid.split()) <= SHORT_WORDS


def area(location: str) -> str:
    """The product area of a source location such as 'outletcrm/templates/mobile/x.html:12'."""
    path = location.rsplit(":", 1)[0]
    parts = path.split("/")
    if parts and parts[0] == "outletcrm":
        parts = parts[1:]
    if len(parts) >= 2 and parts[0] == "templates":
        folder = parts[1] if len(parts) > 2 else ""
        return {"mobile": "visits", "includes": "core", "registration": "core", "": "core"}.get(
            folder, folder
        )
    if len(parts) >= 2:
        return parts[0]
    return "core"


def two_senses(entries, allowed=SAME_EVERYWHERE) -> list[str]:
    """Problems found in catalogue entries [(context or None, msgid, [locations])]."""
    by_msgid: dict[str, list[str]] = defaultdict(list)
    for context, msgid, locations in entries:
        if context is None and msgid and is_short(msgid):
            by_msgid[msgid].extend(locations)
    problems = []
    for msgid, locations in sorted(by_msgid.items()):
        areas: dict[str, list[str]] = defaultdict(list)
        for location in locations:
            areas[area(location)].append(location)
        if len(areas) > 1 and msgid not in allowed:
            where = "; ".join(f"{name}: {' '.join(sorted(locs))}" for name, locs in sorted(areas.items()))
            problems.append(
                f"{msgid!r} is used without a context in {len(areas)} areas ({where}). If it means "
                "different things there, give each sense a context (pgettext / {% translate … "
                "context … %}) and key the maps \"context|msgid\"; if it means the same "
                "everywhere, add it to SAME_EVERYWHERE in scripts/i18n_senses.py."
            )
    return problems


def unused_allowances(entries, allowed=SAME_EVERYWHERE) -> list[str]:
    """Allow-list entries no longer used without a context in two areas (safe to remove)."""
    areas: dict[str, set[str]] = defaultdict(set)
    for context, msgid, locations in entries:
        if context is None:
            areas[msgid].update(area(loc) for loc in locations)
    return sorted(m for m in allowed if len(areas.get(m, ())) < 2)
