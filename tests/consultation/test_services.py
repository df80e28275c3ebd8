"""The consultation services: every transition allowed and refused, votes counted once,
comments guarded and moderated, and an event for each change (none for a refusal)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from mpp.consultation import selectors, services
from mpp.consultation.models import Comment, CommentSupport, Topic, TopicChange, Vote
from mpp.core.errors import Conflict, Invalid, NotFound
from mpp.core.models import Event
from mpp.core.ratelimit import RateLimited
from tests.consultation.conftest import COMMENT, KEY_A, KEY_B, KEY_C, later, topic_in
from tests.factories import MallFactory, OfferingFactory

pytestmark = pytest.mark.django_db

STATES = ["draft", "open", "past_due", "closed", "concluded", "withdrawn"]


def kinds(topic) -> list[str]:
    return list(
        Event.objects.filter(subject_type="consultation_topic", subject_id=str(topic.pk))
        .order_by("id")
        .values_list("kind", flat=True)
    )


def refused(exc_class, code, fn, **kwargs):
    before = (Event.objects.count(), Topic.objects.count(), Comment.objects.count())
    votes = Vote.objects.count()
    with pytest.raises(exc_class) as info:
        fn(**kwargs)
    assert info.value.code == code, info.value.message
    assert (Event.objects.count(), Topic.objects.count(), Comment.objects.count()) == before
    assert Vote.objects.count() == votes
    return info.value


# Topics --------------------------------------------------------------------------------


def test_create_makes_a_draft_with_an_event(mall, manager, offering):
    topic = services.topic_create(
        mall=mall,
        title="  Rancangan standar pelayanan SKCK  ",
        body="Kami mengusulkan pas foto cukup dua lembar.\r\n\r\n\r\n\r\nSetuju?",
        kind="service_standard",
        service=offering.service,
        actor=manager,
    )
    assert topic.status == Topic.Status.DRAFT and topic.opens_at is None
    assert topic.title == "Rancangan standar pelayanan SKCK"
    assert topic.body == "Kami mengusulkan pas foto cukup dua lembar.\n\nSetuju?"
    assert topic.created_by == manager and topic.service == offering.service
    event = Event.objects.get(kind="consultation.topic_created")
    assert event.mall_id == mall.pk and event.actor_id == manager.pk
    assert event.data == {"status": "draft", "kind": "service_standard"}


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"title": "abc"}, "invalid_title"),
        ({"title": "x" * 201}, "invalid_title"),
        ({"body": "terlalu pendek"}, "invalid_body"),
        ({"kind": "poll"}, "invalid_kind"),
        ({"closes_at": timezone.now() - dt.timedelta(hours=1)}, "invalid_closes_at"),
        ({"closes_at": timezone.now() + dt.timedelta(days=181)}, "invalid_closes_at"),
        ({"closes_at": dt.datetime(2030, 1, 1)}, "invalid_closes_at"),  # naive
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(mall, fields, code):
    values = {
        "title": "Rancangan standar",
        "body": "Isi usulan yang cukup panjang.",
        "kind": "other",
    }
    refused(Invalid, code, services.topic_create, mall=mall, **{**values, **fields})


def test_update_changes_a_draft_only(mall, manager):
    topic = topic_in(mall, "draft")
    updated = services.topic_update(
        topic=topic,
        title="Judul yang baru",
        body="Isi usulan yang baru dan cukup panjang.",
        kind="new_service",
        actor=manager,
    )
    assert (updated.title, updated.kind) == ("Judul yang baru", "new_service")
    assert kinds(topic)[-1] == "consultation.topic_updated"
    published = topic_in(mall, "open", manager)
    refused(
        Conflict,
        "invalid_state",
        services.topic_update,
        topic=published,
        title="Judul diam-diam",
        body="Mengubah teks setelah orang memberi suara.",
        kind="other",
    )
    published.refresh_from_db()
    assert published.title != "Judul diam-diam"


# Which state each action may start from ("past_due": open, but its closing time passed).
ALLOWED = {
    "open": {"draft"},
    "close": {"open", "past_due"},
    "conclude": {"closed", "past_due"},
    "withdraw": {"draft", "open", "past_due", "closed"},
    "extend": {"open", "past_due"},
}
RESULT = {
    "open": "open",
    "close": "closed",
    "conclude": "concluded",
    "withdraw": "withdrawn",
    "extend": "open",
}


def act(action, topic, manager):
    if action == "open":
        return services.topic_open(topic=topic, closes_at=later(3), actor=manager)
    if action == "close":
        return services.topic_close(topic=topic, actor=manager)
    if action == "conclude":
        return services.topic_conclude(
            topic=topic, outcome="Tidak ada perubahan; alasannya dijelaskan.", actor=manager
        )
    if action == "withdraw":
        return services.topic_withdraw(topic=topic, reason="Diganti topik lain", actor=manager)
    return services.topic_extend(topic=topic, closes_at=later(30), actor=manager)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_transition_is_allowed_or_refused(mall, manager, state, action):
    topic = topic_in(mall, state, manager)
    if state in ALLOWED[action]:
        done = act(action, topic, manager)
        assert done.status == RESULT[action]
        topic.refresh_from_db()
        assert topic.status == RESULT[action]
        assert kinds(topic)[-1].startswith("consultation.topic_")
        return
    status = Topic.objects.get(pk=topic.pk).status
    refused(Conflict, "invalid_state", act, action=action, topic=topic, manager=manager)
    assert Topic.objects.get(pk=topic.pk).status == status


def test_open_needs_a_future_closing_time(mall, manager):
    topic = topic_in(mall, "draft")
    refused(Invalid, "invalid_closes_at", services.topic_open, topic=topic)
    past = timezone.now() - dt.timedelta(minutes=1)
    refused(Invalid, "invalid_closes_at", services.topic_open, topic=topic, closes_at=past)
    opened = services.topic_open(topic=topic, closes_at=later(14), actor=manager)
    assert opened.status == "open" and opened.opens_at is not None
    assert opened.accepts_input()
    event = Event.objects.get(kind="consultation.topic_opened")
    assert event.data["closes_at"] == opened.closes_at.isoformat()


def test_open_uses_the_drafts_closing_time(mall):
    topic = topic_in(mall, "draft", closes_at=later(5))
    assert services.topic_open(topic=topic).closes_at == topic.closes_at


def test_extend_only_moves_the_closing_time_later(mall, manager, open_topic):
    refused(
        Invalid,
        "invalid_closes_at",
        services.topic_extend,
        topic=open_topic,
        closes_at=open_topic.closes_at - dt.timedelta(days=1),
    )
    moved = services.topic_extend(topic=open_topic, closes_at=later(20), actor=manager)
    assert moved.closes_at > open_topic.closes_at
    assert Event.objects.get(kind="consultation.topic_extended").data["previous"]


def test_conclude_publishes_outcome_and_changes(mall, manager):
    topic = topic_in(mall, "closed", manager)
    service = OfferingFactory(booth__mall=mall).service
    done = services.topic_conclude(
        topic=topic,
        outcome="Usulan disetujui oleh sebagian besar warga.",
        changes=["Fotokopi KK tidak lagi diminta", ("  ", None), ("Buka hari Sabtu", service)],
        actor=manager,
    )
    assert done.status == "concluded" and done.concluded_at and done.outcome
    rows = list(TopicChange.objects.filter(topic=topic).values_list("description", "service"))
    assert rows == [("Fotokopi KK tidak lagi diminta", None), ("Buka hari Sabtu", service.pk)]
    assert Event.objects.get(kind="consultation.topic_concluded").data["changes"] == 2


def test_conclude_of_a_past_due_topic_closes_it_at_its_closing_time(mall, manager):
    topic = topic_in(mall, "past_due", manager)
    done = services.topic_conclude(topic=topic, outcome="Hasilnya sudah dirumuskan bersama.")
    assert done.status == "concluded" and done.closed_at == topic.closes_at


def test_conclude_refuses_while_comments_wait_and_bad_outcomes(mall, manager):
    topic = topic_in(mall, "open", manager)
    services.comment_submit(topic=topic, body=COMMENT, author_key=KEY_A)
    topic = services.topic_close(topic=topic)
    outcome = "Usulan disetujui oleh sebagian besar warga."
    refused(Conflict, "pending_comments", services.topic_conclude, topic=topic, outcome=outcome)
    refused(Invalid, "invalid_outcome", services.topic_conclude, topic=topic, outcome="Ya.")
    too_many = [f"Perubahan {i}" for i in range(21)]
    refused(
        Invalid,
        "invalid_change",
        services.topic_conclude,
        topic=topic,
        outcome=outcome,
        changes=too_many,
    )
    refused(
        Invalid,
        "invalid_change",
        services.topic_conclude,
        topic=topic,
        outcome=outcome,
        changes=["x" * 301],
    )
    assert not TopicChange.objects.exists()
    assert Topic.objects.get(pk=topic.pk).status == "closed"


def test_withdraw_needs_a_reason(mall, open_topic):
    refused(Invalid, "invalid_reason", services.topic_withdraw, topic=open_topic, reason="  ")
    done = services.topic_withdraw(topic=open_topic, reason="Rancangan ditarik instansi")
    assert done.status == "withdrawn" and not done.accepts_input()
    assert Event.objects.get(kind="consultation.topic_withdrawn").data["from"] == "open"


# Comments ------------------------------------------------------------------------------


def test_a_comment_waits_for_moderation(open_topic):
    comment = services.comment_submit(
        topic=open_topic, body=COMMENT, display_name="  Ibu  Yati ", author_key=KEY_A
    )
    assert comment.status == "pending" and comment.display_name == "Ibu Yati"
    assert selectors.comments_public(open_topic) == []
    assert selectors.comments_of_author(open_topic, KEY_A) == [comment]
    assert selectors.comments_of_author(open_topic, KEY_B) == []
    event = Event.objects.get(kind="consultation.comment_submitted")
    assert event.data == {"topic": open_topic.pk, "status": "pending"}
    assert COMMENT not in str(event.data) and KEY_A not in str(event.data)
    anonymous = services.comment_submit(topic=open_topic, body=COMMENT + " Sekali lagi.")
    with translation.override("en"):
        assert anonymous.name == "Anonymous"


@pytest.mark.parametrize("state", ["draft", "past_due", "closed", "concluded", "withdrawn"])
def test_comments_and_votes_need_an_open_topic(mall, manager, state):
    topic = topic_in(mall, state, manager)
    refused(Conflict, "topic_not_open", services.comment_submit, topic=topic, body=COMMENT)
    refused(
        Conflict, "topic_not_open", services.vote_cast, topic=topic, voter_key=KEY_A, stance="agree"
    )


@pytest.mark.parametrize(
    "body, name, code",
    [
        ("Terlalu", "", "comment_too_short"),
        ("x" * 2001, "", "comment_too_long"),
        ("Lihat http://a.example, https://b.example dan www.c.example ya", "", "too_many_links"),
        ("Tolong hubungi saya, NIK 3210011505900001 terima kasih", "", "personal_data"),
        ("Tolong hubungi saya di 3210 0115 0590 0001 terima kasih", "", "personal_data"),
        ("WA saya 0812-3456-7890 untuk tanya lebih lanjut", "", "personal_data"),
        ("WA saya +62 812 3456 7890 untuk tanya lebih lanjut", "", "personal_data"),
        (COMMENT, "Budi 081234567890", "invalid_name"),
        (COMMENT, "www.jualan.example", "invalid_name"),
        (COMMENT, "x" * 61, "invalid_name"),
    ],
)
def test_comment_guards(open_topic, body, name, code):
    refused(
        Invalid,
        code,
        services.comment_submit,
        topic=open_topic,
        body=body,
        display_name=name,
        author_key=KEY_A,
    )


def test_the_same_comment_twice_is_refused(open_topic):
    services.comment_submit(topic=open_topic, body=COMMENT, author_key=KEY_A)
    refused(
        Conflict,
        "duplicate_comment",
        services.comment_submit,
        topic=open_topic,
        body=f"  {COMMENT} ",
        author_key=KEY_A,
    )
    services.comment_submit(topic=open_topic, body=COMMENT, author_key=KEY_B)  # another voter


def test_comments_are_rate_limited_per_ip_and_per_voter(open_topic, settings):
    settings.MPP_RATE_LIMITS = {
        **settings.MPP_RATE_LIMITS,
        "consultation_comment_ip": (3, 600),
        "consultation_comment_voter": (2, 600),
    }
    for i in range(2):
        services.comment_submit(
            topic=open_topic, body=f"{COMMENT} {i}", author_key=KEY_A, ip="1.2.3.4"
        )
    exc = refused(
        RateLimited,
        "rate_limited",
        services.comment_submit,
        topic=open_topic,
        body=f"{COMMENT} 3",
        author_key=KEY_A,
        ip="5.6.7.8",
    )
    assert exc.retry_after >= 1
    services.comment_submit(topic=open_topic, body=f"{COMMENT} 4", author_key=KEY_B, ip="1.2.3.4")
    refused(
        RateLimited,
        "rate_limited",
        services.comment_submit,
        topic=open_topic,
        body=f"{COMMENT} 5",
        author_key=KEY_C,
        ip="1.2.3.4",
    )
    assert Comment.objects.count() == 3


def test_moderation(open_topic, manager):
    comment = services.comment_submit(topic=open_topic, body=COMMENT, author_key=KEY_A)
    refused(Invalid, "invalid_decision", services.comment_moderate, comment=comment, decision="ok")
    refused(
        Invalid, "invalid_reason", services.comment_moderate, comment=comment, decision="reject"
    )
    approved = services.comment_moderate(
        comment=comment, decision="approve", reply="Terima kasih atas masukannya.", actor=manager
    )
    assert approved.status == "approved" and approved.moderated_by == manager
    assert approved.moderated_at and approved.reply == "Terima kasih atas masukannya."
    assert [c.pk for c in selectors.comments_public(open_topic)] == [comment.pk]
    refused(
        Conflict, "invalid_state", services.comment_moderate, comment=comment, decision="approve"
    )
    taken_down = services.comment_moderate(
        comment=comment, decision="reject", reason="Bukan tentang topik ini", actor=manager
    )
    assert taken_down.status == "rejected" and taken_down.reply == ""
    assert taken_down.moderation_reason == "Bukan tentang topik ini"
    assert selectors.comments_public(open_topic) == []
    moves = Event.objects.filter(kind="consultation.comment_moderated").order_by("id")
    assert [(e.data["from"], e.data["status"]) for e in moves] == [
        ("pending", "approved"),
        ("approved", "rejected"),
    ]
    assert all(e.actor_id == manager.pk for e in moves)


def test_comments_of_a_finished_topic_are_no_longer_moderated(mall, manager):
    topic = topic_in(mall, "open", manager)
    comment = services.comment_submit(topic=topic, body=COMMENT)
    services.comment_moderate(comment=comment, decision="approve")
    services.topic_close(topic=topic)
    services.topic_conclude(topic=topic, outcome="Usulan disetujui oleh sebagian besar warga.")
    refused(
        Conflict,
        "invalid_state",
        services.comment_moderate,
        comment=comment,
        decision="reject",
        reason="Terlambat",
    )


# Votes ---------------------------------------------------------------------------------


def test_a_second_vote_changes_the_stance_instead_of_adding_one(open_topic):
    first = services.vote_cast(topic=open_topic, voter_key=KEY_A, stance="agree")
    assert first.created and first.changed and first.previous is None
    again = services.vote_cast(topic=open_topic, voter_key=KEY_A, stance="disagree")
    assert not again.created and again.changed and again.previous == "agree"
    same = services.vote_cast(topic=open_topic, voter_key=KEY_A, stance="disagree")
    assert not same.changed
    services.vote_cast(topic=open_topic, voter_key=KEY_B, stance="neutral")
    assert Vote.objects.filter(topic=open_topic).count() == 2
    tally = selectors.tally_of(open_topic)
    assert (tally.agree, tally.disagree, tally.neutral, tally.total) == (0, 1, 1, 2)
    assert selectors.stance_of(open_topic, KEY_A) == "disagree"
    events = Event.objects.filter(kind="consultation.vote_cast").order_by("id")
    assert [(e.data["stance"], e.data["previous"]) for e in events] == [
        ("agree", None),
        ("disagree", "agree"),
        ("neutral", None),
    ]
    assert not any(KEY_A in str(e.data) for e in events)


def test_the_database_refuses_a_second_row_per_voter(open_topic):
    services.vote_cast(topic=open_topic, voter_key=KEY_A, stance="agree")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(topic=open_topic, voter_key=KEY_A, stance="neutral")


def test_bad_votes(open_topic):
    refused(
        Invalid,
        "invalid_stance",
        services.vote_cast,
        topic=open_topic,
        voter_key=KEY_A,
        stance="yes",
    )
    refused(
        Invalid, "invalid_voter", services.vote_cast, topic=open_topic, voter_key="", stance="agree"
    )


def test_votes_are_rate_limited_per_ip(open_topic, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "consultation_vote_ip": (2, 600)}
    for key in (KEY_A, KEY_B):
        services.vote_cast(topic=open_topic, voter_key=key, stance="agree", ip="9.9.9.9")
    refused(
        RateLimited,
        "rate_limited",
        services.vote_cast,
        topic=open_topic,
        voter_key=KEY_C,
        stance="agree",
        ip="9.9.9.9",
    )
    services.vote_cast(topic=open_topic, voter_key=KEY_C, stance="agree", ip="9.9.9.10")


def test_supports(open_topic):
    comment = services.comment_submit(topic=open_topic, body=COMMENT)
    refused(
        NotFound, "comment_not_found", services.comment_support, comment=comment, voter_key=KEY_A
    )
    services.comment_moderate(comment=comment, decision="approve")
    assert services.comment_support(comment=comment, voter_key=KEY_A)
    assert not services.comment_support(comment=comment, voter_key=KEY_A)  # once per voter
    assert services.comment_support(comment=comment, voter_key=KEY_B)
    shown = selectors.comments_public(open_topic, KEY_A)[0]
    assert shown.n_supports == 2 and shown.supported
    assert not selectors.comments_public(open_topic, KEY_C)[0].supported
    assert services.comment_support(comment=comment, voter_key=KEY_A, support=False)
    assert CommentSupport.objects.filter(comment=comment).count() == 1
    other = topic_in(MallFactory(), "open")
    stray = Comment(pk=comment.pk, topic=other)
    refused(NotFound, "comment_not_found", services.comment_support, comment=stray, voter_key=KEY_C)


def test_public_list_order(mall, manager):
    soon = topic_in(mall, "open", manager)
    services.topic_extend(topic=soon, closes_at=soon.closes_at + dt.timedelta(hours=1))
    sooner = topic_in(mall, "open", manager)
    considered = topic_in(mall, "closed", manager)
    due = topic_in(mall, "past_due", manager)
    concluded = topic_in(mall, "concluded", manager)
    topic_in(mall, "draft")
    topic_in(mall, "withdrawn")
    topic_in(MallFactory(), "open")  # another mall's
    topics = selectors.topics_public(mall)
    assert topics.open == [sooner, soon]
    assert set(topics.considering) == {considered, due}
    assert topics.concluded == [concluded]
    assert topics.concluded[0].changes.all()[0].description == "Fotokopi KK tidak lagi diminta"
