"""The assistant's conversation engine: `reply(state, text, mall_id=) -> (state, Answer)`.

Why a pure function over a small JSON state: the same conversation runs on the web
page (state in the Django session), behind the WhatsApp/SMS webhook (state in a
Conversation row keyed by a digest of the sender) and in the stateless API (state
round-tripped by the client). No request, no HTTP, no storage here.

The flow: a message is searched (mpp.search); when it is clear the answer is the
service with its standard in brief and the next step; a follow-up about that service
("berapa biayanya?", "loketnya dimana?", "how long?") is answered from it (intents.py,
followups.py), while a message naming another need is searched afresh; when a few
services are close (an ambiguity family such as KTP baru / hilang-rusak / ubah data, or
hits of nearly the same score) the engine asks ONE short question with numbered
choices. The answer to it (a number, a word, or free text searched again) always ends
at a service: never two clarifying questions in a row. Commands: halo, menu, bantuan, mulai lagi.

The state holds service codes and family keys only, never the citizen's words:
{"v": 1, "stage": "start" | "clarify" | "answered" | "menu", "mall": id or None,
 "family": key, "candidates": [{"service": code, "key": option}], "likely": code,
 "service": code, "alternatives": [codes], "menu": "menu" | "examples"}.
A state that is malformed or of another mall is replaced by a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from mpp.assistant import followups, intents, language
from mpp.assistant import matching as m
from mpp.assistant.answers import Answer, Choice, Kind, choice_label, join_or, service_card
from mpp.assistant.families import data, localised
from mpp.search.selectors import SearchHit, SearchResult, clean_query

VERSION = 1
START, CLARIFY, ANSWERED, MENU = "start", "clarify", "answered", "menu"
ALTERNATIVE_RATIO = 0.75  # a clear answer also offers hits this close to it
ALTERNATIVES_MAX = 3
WITHIN_RATIO = 0.5  # free text after a question: a candidate this close to the best hit wins
CODE_MAX = 80
NUMBER_MAX = 99

# Topics apps above this one answer themselves (their hooks register them): when a
# message names one of the topic's phrases, the app's answer (say, jemput bola: the
# link to the mobile-service request form) comes before any search.
_topics: list[tuple[tuple[str, ...], Callable[[int | None], Answer]]] = []


def topic_register(phrases, build: Callable[[int | None], Answer]) -> None:
    """Answer messages containing any of `phrases` (lower case) with build(mall_id)."""
    _topics.append((tuple(p.lower() for p in phrases), build))


def _topic(message: str, mall_id: int | None) -> Answer | None:
    text = " ".join(message.lower().split())
    for phrases, build in _topics:
        if any(phrase in text for phrase in phrases):
            return build(mall_id)
    return None


def fresh_state(mall_id: int | None = None) -> dict:
    return {"v": VERSION, "stage": START, "mall": mall_id}


def _codes(value, limit: int) -> list[str] | None:
    if not isinstance(value, list) or len(value) > limit:
        return None
    if not all(isinstance(c, str) and 0 < len(c) <= CODE_MAX for c in value):
        return None
    return value


def checked_state(state, mall_id: int | None) -> dict:
    """The state if it is well formed and of this mall, else a fresh one."""
    fresh = fresh_state(mall_id)
    if not isinstance(state, dict) or state.get("v") != VERSION or state.get("mall") != mall_id:
        return fresh
    stage = state.get("stage")
    if stage == CLARIFY:
        candidates = state.get("candidates")
        if not isinstance(candidates, list) or not 2 <= len(candidates) <= data().max_options:
            return fresh
        if not all(isinstance(c, dict) for c in candidates):
            return fresh
        codes = _codes([c.get("service") for c in candidates], data().max_options)
        keys = [c.get("key", "") for c in candidates]
        family = state.get("family", "")
        if codes is None or not all(isinstance(k, str) for k in keys):
            return fresh
        if family and data().family(family) is None:
            return fresh
        likely = state.get("likely") if state.get("likely") in codes else codes[0]
        candidates = [{"service": c, "key": k} for c, k in zip(codes, keys, strict=True)]
        return {
            **fresh,
            "stage": CLARIFY,
            "family": family,
            "likely": likely,
            "candidates": candidates,
        }
    if stage == ANSWERED:
        service = state.get("service")
        alternatives = _codes(state.get("alternatives", []), ALTERNATIVES_MAX)
        if _codes([service], 1) is None or alternatives is None:
            return fresh
        return {**fresh, "stage": ANSWERED, "service": service, "alternatives": alternatives}
    if stage == MENU and state.get("menu") in {"menu", "examples"}:
        return {**fresh, "stage": MENU, "menu": state["menu"]}
    return fresh


# Replies without a search --------------------------------------------------------


def _commands_line() -> str:
    return _("Type MENU for a list of common needs, or START OVER to begin again.")


def _welcome(*, again: bool = False) -> Answer:
    lines = [_("Let us start again.")] if again else [_("Hello! I am the service assistant.")]
    lines += [
        _(
            "Write what you need in your own words, for example “KTP hilang” or "
            "“perpanjang SIM motor”. I will find the service, what to bring and where to go."
        ),
        _commands_line(),
    ]
    return Answer(kind=Kind.WELCOME, lines=tuple(lines))


def welcome() -> Answer:
    """The first words of a conversation (the web page shows them before any message)."""
    return _welcome()


def _help() -> Answer:
    return Answer(
        kind=Kind.HELP,
        lines=(
            _(
                "Tell me what you need, for example “bikin KTP”, “akta kelahiran anak” or "
                "“pajak motor”."
            ),
            _("When I ask a question, reply with the number of your choice or in your own words."),
            _commands_line(),
        ),
    )


def _thanks() -> Answer:
    return Answer(
        kind=Kind.THANKS, lines=(_("You are welcome. Write again whenever you need a service."),)
    )


def _entries_answer(kind: str, which: str, lines: tuple[str, ...], mall_id) -> tuple[dict, Answer]:
    entries = data().menu if which == "menu" else data().examples
    choices = tuple(Choice(number=i, label=localised(e.label)) for i, e in enumerate(entries, 1))
    return {**fresh_state(mall_id), "stage": MENU, "menu": which}, Answer(
        kind=kind, lines=lines, choices=choices
    )


def _menu(mall_id) -> tuple[dict, Answer]:
    lines = (_("What do you need? Reply with a number, or write it in your own words."),)
    return _entries_answer(Kind.MENU, "menu", lines, mall_id)


def _not_found(mall_id) -> tuple[dict, Answer]:
    lines = (
        _("Sorry, I did not find a service for that."),
        _("Try other words, such as the name of the document you need, or pick an example:"),
    )
    return _entries_answer(Kind.NOT_FOUND, "examples", lines, mall_id)


# Answers with a service ----------------------------------------------------------


def _answered(
    hit: SearchHit,
    alternatives: list[SearchHit],
    mall_id,
    *,
    corrected: str = "",
    intro: str = "",
) -> tuple[dict, Answer]:
    alternatives = [a for a in alternatives if a.service_code != hit.service_code]
    alternatives = alternatives[:ALTERNATIVES_MAX]
    with_agency = len({h.agency for h in [hit, *alternatives]}) > 1
    choices = tuple(
        Choice(number=i, label=choice_label(a, with_agency=with_agency), service=a.service_code)
        for i, a in enumerate(alternatives, 1)
    )
    state = {
        **fresh_state(mall_id),
        "stage": ANSWERED,
        "service": hit.service_code,
        "alternatives": [a.service_code for a in alternatives],
    }
    return state, Answer(
        kind=Kind.SERVICE,
        lines=(intro or _("This is the service you need:"),),
        service=service_card(hit),
        choices=choices,
        choices_intro=_("Not this one? Reply with a number:") if choices else "",
        corrected=corrected,
    )


def _answer_code(code: str, others: list[str], mall_id, *, intro: str = "") -> tuple[dict, Answer]:
    hit = m.hit_for(code, mall_id)
    if hit is None:
        return _not_found(mall_id)
    alternatives = [h for h in (m.hit_for(c, mall_id) for c in others if c != code) if h]
    return _answered(hit, alternatives, mall_id, intro=intro)


def about(code: str, *, mall_id: int | None) -> tuple[dict, Answer]:
    """A conversation opened on one service (the search page's "Ask about it")."""
    return _answer_code(code, [], mall_id, intro=_("About this service:"))


# Questions -----------------------------------------------------------------------


def _question(
    question: str,
    hits: list[SearchHit],
    keys: list[str],
    likely: SearchHit,
    family: str,
    mall_id,
    corrected: str,
) -> tuple[dict, Answer]:
    with_agency = len({h.agency for h in hits}) > 1
    choices = tuple(
        Choice(
            number=i,
            label=choice_label(h, with_agency=with_agency),
            service=h.service_code,
            key=key,
        )
        for i, (h, key) in enumerate(zip(hits, keys, strict=True), 1)
    )
    state = {
        **fresh_state(mall_id),
        "stage": CLARIFY,
        "family": family,
        "likely": likely.service_code,
        "candidates": [{"service": c.service, "key": c.key} for c in choices],
    }
    lines = (question, _("Reply with the number, or in your own words."))
    return state, Answer(kind=Kind.QUESTION, lines=lines, choices=choices, corrected=corrected)


def _family_question(match: m.FamilyMatch, result, mall_id) -> tuple[dict, Answer]:
    family = match.family
    candidates = match.candidates
    if family.question and len(candidates) == len(family.options):
        question = localised(family.question)
    else:
        choices = join_or([localised(r.option.label) for r in candidates])
        subject = localised(family.subject)
        question = f"{subject} {choices}?" if subject else f"{choices[:1].upper()}{choices[1:]}?"
    hits = [r.hit for r in candidates]
    likely = m.ranked_first(hits, result)[0]
    keys = [r.option.key for r in candidates]
    return _question(question, hits, keys, likely, family.key, mall_id, result.corrected_query)


def _best_fit() -> str:
    return _("Several services match; this one fits best:")


def understand(
    message: str, mall_id: int | None, *, commit: bool, result: SearchResult | None = None
) -> tuple[dict, Answer]:
    """Search a need (unless `result` is its search already); answer it, or (commit
    False) ask which of a few close services."""
    if result is None:
        result = m.search(message, mall_id)
    if not result.hits:
        return _not_found(mall_id)
    corrected = result.corrected_query
    match = m.family_match(message, result, mall_id)
    if match is not None:
        hits = m.ranked_first([r.hit for r in match.candidates], result)
        if len(hits) == 1:
            return _answered(hits[0], [], mall_id, corrected=corrected)
        if commit:
            return _answered(hits[0], hits[1:], mall_id, corrected=corrected, intro=_best_fit())
        return _family_question(match, result, mall_id)
    close = m.close_hits(result)
    if len(close) == 1 or commit:
        top = result.hits[0].score
        near = [h for h in result.hits[1:] if h.score >= ALTERNATIVE_RATIO * top]
        intro = _best_fit() if len(close) > 1 else ""
        return _answered(close[0], near, mall_id, corrected=corrected, intro=intro)
    question = _("Which of these do you mean?")
    return _question(question, close, [""] * len(close), close[0], "", mall_id, corrected)


def _within(result, codes: list[str]) -> SearchHit | None:
    """The best hit of a search that is one of the candidates, if it is close to the best."""
    within = [h for h in result.hits if set(h.service_codes) & set(codes)]
    if within and within[0].score >= WITHIN_RATIO * result.hits[0].score:
        return within[0]
    return None


def _after_question(state: dict, message: str, mall_id) -> tuple[dict, Answer]:
    """The answer to the question: a number, a word of one choice, or free text."""
    codes = [c["service"] for c in state["candidates"]]
    picked = m.number(message, len(codes))
    if picked:
        code = codes[picked - 1]
        return _answer_code(code, [c for c in codes if c != code], mall_id)
    result = m.search(message, mall_id)
    family = data().family(state.get("family") or "")
    if family is not None:
        options = [family.option(c["key"]) for c in state["candidates"]]
        terms = [(o.words | o.require) if o else frozenset() for o in options]
    else:
        by_code = m.candidate_terms(codes)
        terms = m.distinguishing_terms([by_code.get(c, frozenset()) for c in codes])
    picked_by_words = [codes[i] for i in m.words_pick(m.terms_of(result), terms)]
    if len(picked_by_words) == 1:
        code = picked_by_words[0]
        return _answer_code(code, [c for c in codes if c != code], mall_id)
    if picked_by_words:  # "motor" after "SIM A/C, new or renewal?": the best of those named
        hit = _within(result, picked_by_words)
        code = hit.service_code if hit else picked_by_words[0]
        others = [c for c in picked_by_words + codes if c != code]
        return _answer_code(code, list(dict.fromkeys(others)), mall_id, intro=_best_fit())
    hit = _within(result, codes)
    if hit is None and family is not None and not m.names_a_family(result):
        # "hilang" after "KK baru or ubah data?": searched together with the family
        hit = _within(m.search(f"{message} {family.key}", mall_id), codes)
    if hit is not None:
        others = [c for c in codes if c not in hit.service_codes]
        return _answer_code(hit.service_code, others, mall_id)
    if result.hits:  # another need: answered without a second question
        return understand(message, mall_id, commit=True, result=result)
    likely = state["likely"]
    intro = _("I am not sure which one you meant; this is the most likely:")
    return _answer_code(likely, [c for c in codes if c != likely], mall_id, intro=intro)


def _follow_up(code: str, message: str, mall_id) -> Answer | None:
    """A question about the service answered before ("berapa biayanya?", "loketnya
    dimana?"), answered from it; None when the message asks no aspect of a service
    (intents.read) or its other words name another need ("kalau sim berapa?")."""
    reading = intents.read(message)
    if not reading.aspects:
        return None
    hit = m.hit_for(code, mall_id)
    if hit is None or (reading.rest and m.names_another_need(reading.rest, hit, mall_id)):
        return None
    return followups.follow_up(hit, reading.aspects)


def reply(state, text: str, *, mall_id: int | None) -> tuple[dict, Answer]:
    """The assistant's answer to one message, and the conversation's next state."""
    state = checked_state(state, mall_id)
    message = clean_query(text)  # NIKs and phone numbers dropped, cut to a search's length
    command = m.command(message)
    if command in (m.RESET, m.GREETING):
        return fresh_state(mall_id), _welcome(again=command == m.RESET)
    if command == m.THANKS:
        return fresh_state(mall_id), _thanks()
    if command == m.MENU:
        return _menu(mall_id)
    if command == m.HELP or not message:
        return state, _help()
    if (topic := _topic(message, mall_id)) is not None:
        return fresh_state(mall_id), topic
    stage = state["stage"]
    if stage == ANSWERED and (answer := _follow_up(state["service"], message, mall_id)):
        return {**state, "alternatives": []}, answer  # the topic stays; no list is open
    message = language.for_search(message) or message  # "I lost my KTP" -> "lost ktp"
    if stage == CLARIFY:
        return _after_question(state, message, mall_id)
    if stage == ANSWERED and (picked := m.number(message, len(state["alternatives"]))):
        others = [state["service"], *state["alternatives"]]
        return _answer_code(state["alternatives"][picked - 1], others, mall_id)
    if stage == MENU:
        entries = data().menu if state["menu"] == "menu" else data().examples
        if picked := m.number(message, len(entries)):
            return understand(entries[picked - 1].query, mall_id, commit=False)
    if m.number(message, NUMBER_MAX):  # "2" with no list open: not a search for "2"
        return state, Answer(kind=Kind.HELP, lines=(_no_list(), _commands_line()))
    return understand(message, mall_id, commit=False)


def _no_list() -> str:
    return _("There is no list to choose from right now. Write what you need in your own words.")
