"""Fill empty msgstr entries of the Chinese catalogue from a JSON map {english: chinese}.

Usage: python scripts/po_fill.py MAP.json [MAP2.json ...]
Then: outletcrm compilemessages. Prints the msgids still untranslated.
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "outletcrm/locale/zh_Hans/LC_MESSAGES/django.po"


def unquote(block: str) -> str:
    return "".join(json.loads(part) for part in re.findall(r'"(?:[^"\\]|\\.)*"', block))


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def refill_fuzzy(text: str, mapping: dict[str, str], missing: list[str]) -> str:
    """Replace msgmerge's fuzzy guesses with the translation the maps give, and unflag them.

    makemessages lets msgmerge match a new msgid to a similar old one ("fuzzy"); compilemessages
    skips fuzzy entries, so the new message would stay English, or show a wrong translation if
    fuzzy entries were ever compiled.
    """

    def fix(block: str) -> str:
        lines = block.split("\n")
        flags = next((i for i, line in enumerate(lines) if line.startswith("#,")), None)
        if flags is None or "fuzzy" not in lines[flags] or "msgid_plural" in block:
            return block
        mo = re.search(r'^msgid ((?:"[^\n]*"\n)+)msgstr ', block + "\n", re.M)
        msgid = unquote(mo.group(1)) if mo else ""
        if msgid and msgid not in mapping:
            missing.append(msgid)
        if not msgid or msgid not in mapping:
            return block
        rest = [f.strip() for f in lines[flags][2:].split(",") if f.strip() != "fuzzy"]
        kept = [line for i, line in enumerate(lines) if not line.startswith("#|") and i != flags]
        if rest:
            kept.insert(flags, "#, " + ", ".join(rest))
        block = "\n".join(kept)
        start = block.index("\nmsgstr ") + 1
        return f"{block[:start]}msgstr {quote(mapping[msgid])}"

    return "\n\n".join(fix(block) for block in text.rstrip("\n").split("\n\n")) + "\n"


def main(paths: list[str]) -> int:
    mapping: dict[str, str] = {}
    source: dict[str, str] = {}
    conflicts = []
    for p in sorted(paths):
        for msgid, msgstr in json.loads(Path(p).read_text(encoding="utf-8")).items():
            if msgid in mapping and mapping[msgid] != msgstr:
                conflicts.append(f"{msgid!r}: {source[msgid]}={mapping[msgid]!r} "
                                 f"{Path(p).name}={msgstr!r}")
                continue  # the first map (alphabetical) wins; fix the other one
            mapping[msgid] = msgstr
            source[msgid] = Path(p).name
    text = PO.read_text(encoding="utf-8")
    entry_re = re.compile(
        r'((?:msgctxt (?:"[^\n]*"\n)+)?msgid ((?:"[^\n]*"\n)+))msgstr ""\n(?!")', re.M
    )
    missing = []

    def fill(mo):
        msgid = unquote(mo.group(2))
        if not msgid:
            return mo.group(0)
        if msgid in mapping:
            return f"{mo.group(1)}msgstr {quote(mapping[msgid])}\n"
        missing.append(msgid)
        return mo.group(0)

    text = entry_re.sub(fill, refill_fuzzy(text, mapping, missing))
    text = text.replace("#, fuzzy\n", "", 1) if "#, fuzzy\nmsgid \"\"" in text else text
    PO.write_text(text, encoding="utf-8")
    for m in missing:
        print("untranslated:", m)
    for c in conflicts:
        print("conflict:", c)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
