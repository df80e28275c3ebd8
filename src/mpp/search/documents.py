"""A service as a search document: its texts by field, analysed, with field weights.

Why fields: a word in the service's name says more than the same word in its fourth
requirement. The ranking (BM25F, mpp.search.ranking) weighs each field and normalises
its length on its own, so a service with a long procedure is not pushed down for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpp.catalog.models import Service
from mpp.search.text import analyse_tokens, standard_key, tokenize


@dataclass(frozen=True)
class Field:
    name: str
    weight: float  # how much one occurrence counts, relative to the name's
    b: float  # BM25 length normalisation of this field (0: none, 1: full)
    # Whether the field says what the service is ABOUT, and so counts in a term's document
    # frequency. Requirements name other services' products ("KTP-el", "Kartu Keluarga"
    # are required almost everywhere): counted, they would make "ktp" look like a word
    # every service shares and drown the services that are about KTP-el.
    topical: bool = True
    # Count a term once however often it occurs: a name or a keyword list names things,
    # it does not weigh them by repeating ("perpanjang skck perpanjangan surat kelakuan
    # baik" is not more about SKCK than "SKCK").
    binary: bool = False


# Iterated in this order everywhere (never in a JSON object's order: PostgreSQL's jsonb
# reorders keys, and a float sum in another order could break a tie differently).
FIELDS: tuple[Field, ...] = (
    Field("name", 3.0, 0.5, binary=True),
    Field("alias", 2.0, 0.5, binary=True),  # keywords, product: other names of the service
    Field("agency", 0.8, 0.5),
    Field("description", 1.0, 0.75),
    Field("requirements", 0.3, 0.75, topical=False),
    Field("procedure", 0.1, 0.75, topical=False),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def _texts(value) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, str) else str(item) for item in value]


def service_texts(service: Service) -> dict[str, str]:
    """The raw text of each field of a service (its agency loaded or fetched)."""
    agency = service.agency
    return {
        "name": service.name,
        "alias": f"{service.keywords} {service.product}",
        "agency": f"{agency.name} {agency.short_name}",
        "description": service.description,
        "requirements": " ".join(_texts(service.requirements)),
        "procedure": " ".join(_texts(service.procedure)),
    }


# Not a field: the key of the standard the service's name names (text.standard_key),
# stored with the terms so a process loading the index need not analyse names again.
STANDARD = "standard"


def document_build(service: Service) -> tuple[dict[str, list[str]], list[str]]:
    """(terms by field, surface words) of a service, as stored in SearchDocument; the
    terms also hold STANDARD: [the standard's key]."""
    terms: dict[str, list[str]] = {}
    words: set[str] = set()
    for name, text in service_texts(service).items():
        tokens = tokenize(text)
        words.update(tokens)
        terms[name] = analyse_tokens(tokens)
    region = service.agency.regency
    terms[STANDARD] = [standard_key(service.name, region_name=region.name if region else "")]
    return terms, sorted(words)
