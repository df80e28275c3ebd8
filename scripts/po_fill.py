#!/usr/bin/env python3
"""Fill Indonesian translations into the catalogue from a TSV of `msgid<TAB>msgstr` lines.

Clears the fuzzy flag of each entry it fills. Usage:
    python scripts/po_fill.py translations.tsv   # then: msgfmt -o django.mo django.po
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/mpp/locale/id/LC_MESSAGES/django.po"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def main() -> None:
    pairs = {}
    for line in Path(sys.argv[1]).read_text().splitlines():
        if line.strip() and "\t" in line:
            msgid, msgstr = line.split("\t", 1)
            pairs[msgid] = msgstr
    blocks = PO.read_text().split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        m = re.search(r'^msgid "(.*)"\nmsgstr ".*"$', block, re.M | re.S)
        if not m or "\nmsgid_plural" in block:
            continue
        msgid = m.group(1).replace('\\"', '"')
        if msgid in pairs:
            head = block[: m.start()].rstrip("\n")
            head = "\n".join(
                ln for ln in head.split("\n") if not ln.startswith(("#, fuzzy", "#| "))
            )
            blocks[i] = f'{head}\nmsgid "{_quote(msgid)}"\nmsgstr "{_quote(pairs[msgid])}"'.lstrip(
                "\n"
            )
            filled += 1
    PO.write_text("\n\n".join(blocks))
    print(f"filled {filled} of {len(pairs)}")


if __name__ == "__main__":
    main()
