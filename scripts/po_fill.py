#!/usr/bin/env python3
"""Fill Indonesian translations into the catalogue from TSV files of `msgid<TAB>msgstr` lines.

Handles msgids that makemessages wrapped over several lines, and clears the fuzzy
flag of each entry it fills. Usage:
    python scripts/po_fill.py notes/translations/*.tsv   # then msgfmt -o django.mo django.po
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/mpp/locale/id/LC_MESSAGES/django.po"
ENTRY = re.compile(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n?)+)$', re.M)


def _unquote(lines: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', lines)
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _unfuzzy(line: str) -> str:
    """A comment line without the fuzzy flag ('' when no flag is left)."""
    if not line.startswith("#,"):
        return line
    flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
    return "#, " + ", ".join(flags) if flags else ""


def main() -> None:
    pairs: dict[str, str] = {}
    for name in sys.argv[1:]:
        for line in Path(name).read_text().splitlines():
            if line.strip() and "\t" in line:
                msgid, msgstr = line.split("\t", 1)
                pairs[msgid] = msgstr
    blocks = PO.read_text().split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        if "\nmsgid_plural" in block:
            continue
        m = ENTRY.search(block)
        if not m:
            continue
        msgid = _unquote(m.group(1))
        if not msgid or msgid not in pairs:
            continue
        head = "\n".join(
            kept
            for ln in block[: m.start()].rstrip("\n").split("\n")
            if not ln.startswith("#| ") and (kept := _unfuzzy(ln))
        )
        entry = f'msgid {m.group(1).rstrip()}\nmsgstr "{_quote(pairs[msgid])}"'
        blocks[i] = f"{head}\n{entry}" if head else entry
        filled += 1
    PO.write_text("\n\n".join(blocks))
    print(f"filled {filled} of {len(pairs)}")


if __name__ == "__main__":
    main()
