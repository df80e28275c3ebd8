"""What the assistant says: an Answer (sentences, numbered choices, a service card).

Why a structure and not a string: the web page shows the choices as buttons and the
service's next steps as links, a WhatsApp or SMS reply is plain text with numbers and
absolute URLs (mpp.assistant.render), the API returns both. Texts are translated when
the answer is made (in the language active then). An answer never quotes the citizen's
words, so a messaging reply (stored in the notification outbox until sent) holds
nothing the citizen typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mpp.catalog.pages import fee_label
from mpp.search.selectors import SearchHit

REQUIREMENTS_SHOWN = 4
PLACES_SHOWN = 5
STEP_LABELS = {
    "ticket": gettext_lazy("Take a queue number"),
    "book": gettext_lazy("Book online"),
    "apply": gettext_lazy("Apply online"),
    "detail": gettext_lazy("Full standard"),
}


class Kind:
    WELCOME = "welcome"
    HELP = "help"
    THANKS = "thanks"
    MENU = "menu"
    QUESTION = "question"
    SERVICE = "service"
    FOLLOW_UP = "follow_up"  # one aspect of the service answered before (fee, where, ...)
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Choice:
    """A numbered choice: a service (question, alternatives) or a menu entry."""

    number: int
    label: str
    service: str = ""  # the service code, when the choice is a service
    key: str = ""  # the family option's key ("hilang-rusak"), when it is one


@dataclass(frozen=True)
class Step:
    """A next step: "ticket", "book", "apply" or "detail", with its label and address."""

    kind: str
    label: str
    url: str | None


@dataclass(frozen=True)
class PlaceCard:
    """A mall serving the service (national answers: the citizen picks the mall)."""

    mall: str
    mall_name: str
    booth: str
    url: str


@dataclass(frozen=True)
class ServiceCard:
    """The service the conversation ends at, with its standard in brief."""

    code: str
    name: str
    agency: str
    mall: str
    mall_name: str
    booth: str
    booth_location: str
    ticket_prefix: str
    fee: str
    time: str
    requirements: tuple[str, ...]
    more_requirements: int
    steps: tuple[Step, ...]
    places: tuple[PlaceCard, ...] = ()
    more_places: int = 0  # malls offering it beyond those in `places` (national answers)


@dataclass(frozen=True)
class Answer:
    """One reply of the assistant."""

    kind: str
    lines: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    service: ServiceCard | None = None
    choices_intro: str = ""  # the sentence before the choices ("Not this one?")
    corrected: str = ""  # the query as corrected for typos: shown on the web page only
    links: tuple[Step, ...] = ()  # a follow-up's links (book online, the mall's page, ...)
    topic: str = ""  # a follow-up: the code of the service it is about
    aspects: tuple[str, ...] = ()  # a follow-up: what it answers (intents.ASPECTS)

    def as_dict(self) -> dict:
        return asdict(self)


def step(kind: str, url: str | None) -> Step:
    """A next step of one of STEP_LABELS' kinds, labelled in the active language."""
    return Step(kind=kind, label=str(STEP_LABELS[kind]), url=url)


def service_card(hit: SearchHit) -> ServiceCard:
    """The card of a search hit: where, fee, time, what to bring, next steps."""
    place = hit.place
    steps = [step(s.kind, s.url) for s in hit.next_steps if s.kind in STEP_LABELS]  # not "ask"
    if place and place.detail_url:
        steps.append(step("detail", place.detail_url))
    requirements = tuple(hit.requirements)
    places = ()
    if place is None:
        places = tuple(
            PlaceCard(mall=p.mall_code, mall_name=p.mall_name, booth=p.booth, url=p.detail_url)
            for p in hit.places[:PLACES_SHOWN]
        )
    more_places = max(0, hit.place_count - len(places)) if place is None else 0
    return ServiceCard(
        code=hit.service_code,
        name=hit.name,
        agency=hit.agency_short or hit.agency,
        mall=place.mall_code if place else "",
        mall_name=place.mall_name if place else "",
        booth=place.booth if place else "",
        booth_location=place.booth_location if place else "",
        ticket_prefix=place.ticket_prefix if place else "",
        fee=fee_label(hit.fee, varies=hit.fee_varies),
        time=hit.completion_time,
        requirements=requirements[:REQUIREMENTS_SHOWN],
        more_requirements=max(0, len(requirements) - REQUIREMENTS_SHOWN),
        steps=tuple(steps),
        places=places,
        more_places=more_places,
    )


def choice_label(hit: SearchHit, *, with_agency: bool) -> str:
    """A service as a choice: its name, after its agency when the choices' agencies differ
    (not for a service of one name served by several regencies' offices)."""
    if with_agency and hit.place_count <= 1:
        return _("%(agency)s: %(service)s") % {
            "agency": hit.agency_short or hit.agency,
            "service": hit.name,
        }
    return hit.name


def join_or(items: list[str]) -> str:
    """ "a, b or c" in the active language."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}
