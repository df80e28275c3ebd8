"""The assistant's data: ambiguity families, the menu and the examples (data/families.json).

Why data and not code: which needs are ambiguous ("bikin KTP": new, lost or damaged,
change of data?) is domain knowledge that grows with the catalogue; adding a family
is one JSON entry. Every phrase of the file goes through the search's own analyser
(mpp.search.text.analyse), so the file can be written in plain words ("perpanjang",
"kartu keluarga") and still meets the terms of queries and catalogue texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

from mpp.search.text import analyse

DATA_FILE = Path(__file__).resolve().parent / "data" / "families.json"


def _terms(text: str) -> frozenset[str]:
    return frozenset(analyse(text))


def localised(texts: dict[str, str]) -> str:
    """The text of the active language (Indonesian when it has none)."""
    language = (get_language() or "id").split("-")[0]
    return texts.get(language) or texts.get("id") or ""


@dataclass(frozen=True)
class FamilyOption:
    """One answer to a family's question, e.g. KTP "hilang/rusak"."""

    key: str
    label: dict[str, str]
    words: frozenset[str]  # terms that pick this option (the family's triggers removed)
    query: str  # searched (with the citizen's words) to find the service in a mall
    require: frozenset[str]  # terms the service's name or agency must hold


@dataclass(frozen=True)
class Family:
    """Services one document name stands for (KTP, SIM, paspor, ...)."""

    key: str
    triggers: tuple[frozenset[str], ...]  # any one, all its terms in the query
    member: tuple[frozenset[str], ...]  # a member's name or agency holds one of these
    subject: dict[str, str]
    question: dict[str, str] | None
    options: tuple[FamilyOption, ...]

    def triggered_by(self, terms: set[str]) -> bool:
        return any(trigger <= terms for trigger in self.triggers)

    @property
    def trigger_terms(self) -> frozenset[str]:
        return frozenset().union(*self.triggers)

    @property
    def words(self) -> frozenset[str]:
        return frozenset().union(*(o.words for o in self.options))

    def option(self, key: str) -> FamilyOption | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class MenuEntry:
    label: dict[str, str]
    query: str


@dataclass(frozen=True)
class Data:
    ratio: float
    max_options: int
    neutral: frozenset[str]
    families: tuple[Family, ...]
    menu: tuple[MenuEntry, ...]
    examples: tuple[MenuEntry, ...]

    def family(self, key: str) -> Family | None:
        return next((f for f in self.families if f.key == key), None)


def _family(raw: dict) -> Family:
    triggers = tuple(_terms(t) for t in raw["triggers"])
    trigger_terms = frozenset().union(*triggers)
    options = tuple(
        FamilyOption(
            key=o["key"],
            label=o["label"],
            words=_terms(o["words"]) - trigger_terms,
            query=o["query"],
            require=_terms(o["require"]),
        )
        for o in raw["options"]
    )
    member = tuple(_terms(m) for m in raw.get("member", raw["triggers"]))
    return Family(
        key=raw["key"],
        triggers=triggers,
        member=member,
        subject=raw.get("subject") or {},
        question=raw.get("question"),
        options=options,
    )


def _entries(raw: list) -> tuple[MenuEntry, ...]:
    return tuple(MenuEntry(label=e["label"], query=e["query"]) for e in raw)


@lru_cache(maxsize=1)
def data() -> Data:
    """The data file, analysed once per process."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return Data(
        ratio=float(raw["ratio"]),
        max_options=int(raw["max_options"]),
        neutral=frozenset(t for word in raw["neutral"] for t in analyse(word)),
        families=tuple(_family(f) for f in raw["families"]),
        menu=_entries(raw["menu"]),
        examples=_entries(raw["examples"]),
    )
