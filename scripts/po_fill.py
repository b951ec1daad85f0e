"""Rebuild the Chinese catalogue (django.po) from the source and the per-area JSON maps.

Usage: python scripts/po_fill.py MAP.json [MAP2.json ...]   (`make i18n` runs it, then compiles)

1. Collects every msgid from the code and templates (Django's makemessages, run in a scratch
   locale directory so the source locations are known but never committed).
2. Refuses (exit status 1) when
   - two maps translate the same key differently (the key has one translation, so one map is
     wrong: usually the word has two senses and each needs a context), or
   - a short msgid is used in two senses without a context (scripts/i18n_senses.py).
3. Writes django.po with every msgstr filled from the maps (no source locations, so the file
   only changes when a message or a translation does) and prints the msgids still untranslated.

Map format: {"msgid": "译文"}; a message with a context (pgettext("visit", "Status"),
{% translate "Status" context "visit" %}) is keyed "context|msgid": {"visit|Status": "状态"}.
The first "|" separates the context, so a msgid that itself contains "|" needs a context.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

try:  # run as a script (scripts/ is on sys.path) or imported by the tests as scripts.po_fill
    from i18n_senses import two_senses, unused_allowances
except ImportError:  # pragma: no cover - depends on how it is imported
    from scripts.i18n_senses import two_senses, unused_allowances

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "outletcrm/locale/zh_Hans/LC_MESSAGES"
PO = LOCALE / "django.po"
SEPARATOR = "|"


class CatalogueError(Exception):
    """The catalogue cannot be built as it stands; the message says what to fix."""


@dataclass
class Entry:
    context: str | None
    msgid: str
    locations: list[str] = field(default_factory=list)
    plural: bool = False
    msgstr: str = ""


def map_key(context: str | None, msgid: str) -> str:
    return msgid if context is None else f"{context}{SEPARATOR}{msgid}"


def load_maps(paths) -> tuple[dict[str, str], list[str]]:
    """All maps merged into {key: translation}, and the conflicts between them."""
    mapping: dict[str, str] = {}
    source: dict[str, str] = {}
    conflicts = []
    for p in sorted(Path(p) for p in paths):
        for key, msgstr in json.loads(p.read_text(encoding="utf-8")).items():
            if key in mapping and mapping[key] != msgstr:
                conflicts.append(
                    f"{key!r} is translated {mapping[key]!r} in {source[key]} but {msgstr!r} in "
                    f"{p.name}: one key has one translation. If the word has two senses, give "
                    "each use a context and key the maps \"context|msgid\"; otherwise agree on "
                    "one translation."
                )
                continue
            mapping[key] = msgstr
            source[key] = p.name
    return mapping, conflicts


def _unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _field(block: str, name: str) -> str | None:
    mo = re.search(rf'^{re.escape(name)} ((?:"[^\n]*"(?:\n|$))+)', block, re.M)
    return _unquote(mo.group(1)) if mo else None


def parse(text: str) -> list[Entry]:
    """The entries of a .po file (header excluded), with their source locations."""
    entries = []
    for block in text.strip("\n").split("\n\n"):
        msgid = _field(block, "msgid")
        if not msgid:
            continue
        locations = [
            loc for line in block.split("\n") if line.startswith("#: ") for loc in line[3:].split()
        ]
        plural = "\nmsgid_plural " in block
        msgstr = _field(block, "msgstr[0]" if plural else "msgstr") or ""
        entries.append(Entry(_field(block, "msgctxt"), msgid, locations, plural, msgstr))
    return entries


def extract(root: Path = ROOT) -> str:
    """A fresh catalogue of root's outletcrm/ sources, with source locations.

    Runs the checkout's own code (`python -m outletcrm makemessages` with root on PYTHONPATH)
    from root, with LOCALE_PATHS pointed at a scratch directory: makemessages writes into the
    locale directory it finds, and the committed one must not change while tests run.
    """
    with tempfile.TemporaryDirectory(prefix="outletcrm-i18n-") as scratch:
        scratch = Path(scratch)
        (scratch / "i18n_extract_settings.py").write_text(
            "from outletcrm.settings import *  # noqa: F403\n"
            f"LOCALE_PATHS = [{str(scratch / 'locale')!r}]\n",
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(scratch)]),
            "OUTLETCRM_ENV": "test",
            "OUTLETCRM_DATA_DIR": str(scratch / "data"),
            "DJANGO_SETTINGS_MODULE": "i18n_extract_settings",
        }
        env.pop("DATABASE_URL", None)
        # Only the product's sources: everything beside outletcrm/ is ignored.
        ignore = [p.name for p in root.iterdir() if p.name != "outletcrm"]
        ignore += ["outletcrm/static", "outletcrm/locale", "migrations"]
        cmd = [sys.executable, "-m", "outletcrm", "makemessages", "-l", "zh_Hans", "-v0"]
        for pattern in ignore:
            cmd += ["-i", pattern]
        result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            cmd, cwd=root, env=env, capture_output=True, text=True, check=False
        )
        po = scratch / "locale/zh_Hans/LC_MESSAGES/django.po"
        if result.returncode != 0 or not po.exists():
            raise CatalogueError(f"makemessages failed:\n{result.stdout}\n{result.stderr}")
        text = po.read_text(encoding="utf-8")
    # makemessages writes the header's Plural-Forms line over the blank line that ends it, so
    # the first entry's comments follow a quoted line directly: put the blank line back.
    return re.sub(r'^(".*")\n(?=#)', r"\1\n\n", text, flags=re.M)


def fill(text: str, mapping: dict[str, str]) -> tuple[str, list[str]]:
    """The catalogue with every msgstr the maps know filled, no locations, no fuzzy header."""
    missing = []
    blocks = []
    for block in text.strip("\n").split("\n\n"):
        lines = [line for line in block.split("\n") if not line.startswith("#: ")]
        block = "\n".join(lines)
        msgid = _field(block, "msgid")
        if msgid:
            key = map_key(_field(block, "msgctxt"), msgid)
            if key not in mapping:
                missing.append(key)
            else:
                name = "msgstr[0]" if "\nmsgid_plural " in block else "msgstr"  # zh: 1 form
                line = f"{name} {_quote(mapping[key])}\n"
                block = re.sub(rf'^{re.escape(name)} (?:"[^\n]*"\n?)+', lambda _mo, s=line: s,
                               block + "\n", flags=re.M).rstrip("\n")
        elif msgid == "" and "#, fuzzy" in block:  # the header: the catalogue is complete
            block = block.replace("#, fuzzy\n", "", 1)
        blocks.append(block)
    return "\n\n".join(blocks) + "\n", missing


def check(text: str) -> list[str]:
    """Problems that make a catalogue wrong: msgids in two senses, unmappable msgids."""
    entries = parse(text)
    problems = two_senses([(e.context, e.msgid, e.locations) for e in entries])
    problems += [
        f"{e.msgid!r} contains {SEPARATOR!r}, which separates the context in the maps: give it "
        "a context."
        for e in entries
        if e.context is None and SEPARATOR in e.msgid
    ]
    return problems


def main(paths: list[str]) -> int:
    mapping, conflicts = load_maps(paths)
    text = extract()
    problems = conflicts + check(text)
    filled, missing = fill(text, mapping)
    PO.write_text(filled, encoding="utf-8")
    for key in missing:
        print("untranslated:", key)
    for msgid in unused_allowances([(e.context, e.msgid, e.locations) for e in parse(text)]):
        print(f"note: {msgid!r} no longer needs its place in SAME_EVERYWHERE")
    for problem in problems:
        print("error:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
