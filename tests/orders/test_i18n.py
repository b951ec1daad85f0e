"""Every message of the orders area has its Chinese in orders.json (merged by `make i18n`)."""

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "outletcrm"
CATALOGUE = ROOT / "locale/zh_Hans/LC_MESSAGES/orders.json"
PYTHON = [*sorted((ROOT / "orders").glob("*.py")), ROOT / "orders/templatetags/orders_tags.py",
          ROOT / "customers/admin.py", ROOT / "org/admin.py"]
TEMPLATES = sorted((ROOT / "templates/orders").glob("*.html"))

TRANSLATE = re.compile(r'{%\s*translate\s+"((?:[^"\\]|\\.)*)"\s*%}')
BLOCK = re.compile(r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def python_msgids(source: str) -> set[str]:
    """Arguments of _("…") calls, with implicitly concatenated literals joined (as xgettext
    reads them)."""
    return {node.args[0].value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "_" and node.args and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)}


def msgids() -> set[str]:
    found = set()
    for path in PYTHON:
        found |= python_msgids(path.read_text(encoding="utf-8"))
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        # Template text doubles its percent signs, as makemessages does.
        found |= {m.replace("%", "%%") for m in TRANSLATE.findall(text)}
        for block in BLOCK.findall(text):
            block = block.replace("%", "%%")
            found.add(re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", block))
    return found


def test_every_orders_message_has_chinese():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    missing = sorted(msgids() - set(catalogue))
    assert missing == [], "add these to orders.json"
    assert all(value.strip() for value in catalogue.values())


def test_translations_keep_their_placeholders():
    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    broken = [k for k, v in catalogue.items()
              if sorted(PLACEHOLDER.findall(k)) != sorted(PLACEHOLDER.findall(v))]
    assert broken == []
