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


def main(paths: list[str]) -> int:
    mapping: dict[str, str] = {}
    for p in paths:
        mapping.update(json.loads(Path(p).read_text(encoding="utf-8")))
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

    text = entry_re.sub(fill, text)
    text = text.replace("#, fuzzy\n", "", 1) if "#, fuzzy\nmsgid \"\"" in text else text
    PO.write_text(text, encoding="utf-8")
    for m in missing:
        print("untranslated:", m)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
