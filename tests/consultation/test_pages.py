"""The consultation pages with Django's test client: what citizens see and send, what the
mall's managers do, and who is turned away. Indonesian by default, English on request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from mpp.accounts.models import Role
from mpp.consultation import services
from mpp.consultation.models import Comment, CommentSupport, Topic, TopicChange, Vote
from mpp.consultation.voters import COOKIE
from mpp.core.models import Event
from tests.consultation.conftest import COMMENT, topic_in
from tests.factories import MallFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(topic, suffix=""):
    return f"/m/{topic.mall.code}/konsultasi/{topic.pk}/{suffix}"


def manage_url(mall, suffix=""):
    return f"/m/{mall.code}/konsultasi/kelola/{suffix}"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# Citizens ------------------------------------------------------------------------------


def test_list_is_indonesian_by_default_and_english_on_request(client, mall, manager):
    open_topic = topic_in(mall, "open", manager, title="Rancangan standar KTP-el")
    concluded = topic_in(mall, "concluded", manager, title="Layanan hari Sabtu")
    topic_in(mall, "draft", title="Draf rahasia")
    page = client.get(f"/m/{mall.code}/konsultasi/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page["Content-Language"] == "id"
    html = text(page)
    assert '<html lang="id">' in html
    with translation.override("id"):
        assert gettext("Public consultation") in html
    assert html.index("Rancangan standar KTP-el") < html.index("Layanan hari Sabtu")
    assert "Draf rahasia" not in html
    assert "Fotokopi KK tidak lagi diminta" in html  # the concluded topic's change
    assert f"/konsultasi/{open_topic.pk}/" in html and f"/konsultasi/{concluded.pk}/" in html

    english(client)
    html = text(client.get(f"/m/{mall.code}/konsultasi/"))
    assert '<html lang="en">' in html
    assert "Public consultation" in html and "Open for your opinion" in html
    assert "Give your opinion" in html and "Read the outcome" in html


def test_lang_query_switches_to_english(client, mall):
    page = client.get(f"/m/{mall.code}/konsultasi/?lang=en")
    assert page["Content-Language"] == "en" and "No topic is open for opinions" in text(page)
    assert "/konsultasi/kelola/" not in text(page)
    client.force_login(UserFactory(role=Role.OFFICER, mall=mall))
    assert "/konsultasi/kelola/" not in text(client.get(f"/m/{mall.code}/konsultasi/"))
    client.force_login(UserFactory(role=Role.MALL_MANAGER, mall=mall))
    assert "/konsultasi/kelola/" in text(client.get(f"/m/{mall.code}/konsultasi/"))


def test_mall_home_links_to_the_consultations(client, mall):
    english(client)
    html = text(client.get(f"/m/{mall.code}/"))
    assert f'href="/m/{mall.code}/konsultasi/"' in html


def test_topic_page_shows_approved_comments_only(client, mall, manager):
    topic = topic_in(mall, "open", manager)
    shown = services.comment_submit(topic=topic, body="Komentar yang sudah disetujui.")
    services.comment_moderate(comment=shown, decision="approve", reply="Terima kasih, Bu.")
    services.comment_submit(topic=topic, body="Komentar yang masih menunggu.")
    hidden = services.comment_submit(topic=topic, body="Komentar yang ditolak moderator.")
    services.comment_moderate(comment=hidden, decision="reject", reason="Tidak sopan")
    services.vote_cast(topic=topic, voter_key="k" * 64, stance="agree")
    html = text(english(client).get(url(topic)))
    assert topic.body in html and "Open until" in html
    assert "Komentar yang sudah disetujui." in html and "Terima kasih, Bu." in html
    assert "menunggu" not in html and "ditolak" not in html and "Tidak sopan" not in html
    assert 'data-stance="agree" data-count="1"' in html and "Votes: 1" in html
    assert "Your comment will appear after moderation" in html
    assert 'name="stance"' in html and 'name="body"' in html


def test_unpublished_and_foreign_topics_are_404(client, mall):
    topic = topic_in(mall, "draft")
    assert client.get(url(topic)).status_code == 404
    other = topic_in(MallFactory(), "open")
    assert client.get(f"/m/{mall.code}/konsultasi/{other.pk}/").status_code == 404
    assert client.get(f"/m/nope/konsultasi/{other.pk}/").status_code == 404
    assert client.get(f"/m/{mall.code}/konsultasi/99999999999999999999/").status_code == 404


def test_withdrawn_topic_shows_its_reason(client, mall, manager):
    topic = topic_in(mall, "open", manager)
    services.topic_withdraw(topic=topic, reason="Rancangan ditarik instansi")
    html = text(english(client).get(url(topic)))
    assert "This consultation was withdrawn." in html and "Rancangan ditarik instansi" in html
    assert 'name="stance"' not in html


def test_voting_sets_a_cookie_and_a_second_vote_changes_it(client, open_topic):
    english(client)
    response = client.post(url(open_topic, "suara/"), {"stance": "agree"})
    assert response.status_code == 302 and response.url == url(open_topic) + "#suara"
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie.value not in str(list(Vote.objects.values_list("voter_key", flat=True)))
    page = client.get(url(open_topic))
    assert "Thank you. Your vote is recorded." in text(page)
    assert 'data-testid="my-stance" data-stance="agree"' in text(page)
    response = client.post(url(open_topic, "suara/"), {"stance": "disagree"})
    assert COOKIE not in response.cookies  # the same voter keeps their cookie
    assert list(Vote.objects.values_list("stance", flat=True)) == ["disagree"]
    assert "Your vote is changed." in text(client.get(url(open_topic)))
    Client().post(url(open_topic, "suara/"), {"stance": "agree"})  # another browser
    assert Vote.objects.count() == 2


def test_vote_refusals_are_readable(client, mall, manager, open_topic):
    english(client)
    page = client.post(url(open_topic, "suara/"), {"stance": "maybe"})
    assert page.status_code == 422 and "Please choose agree, disagree or neutral." in text(page)
    closed = topic_in(mall, "closed", manager)
    page = client.post(url(closed, "suara/"), {"stance": "agree"})
    assert page.status_code == 409
    assert 'data-error="topic_not_open"' in text(page) and "no longer takes votes" in text(page)
    assert client.get(url(open_topic, "suara/")).status_code == 405
    assert not Vote.objects.exists()


def test_commenting_shows_the_comment_as_waiting_to_its_author_only(client, open_topic):
    english(client)
    response = client.post(url(open_topic, "komentar/"), {"display_name": "", "body": COMMENT})
    assert response.status_code == 302 and response.url.endswith("#komentar-anda")
    comment = Comment.objects.get()
    assert comment.status == "pending" and comment.author_key
    html = text(client.get(url(open_topic)))
    assert "Thank you. Your comment will appear after moderation." in html
    assert 'data-testid="my-comments"' in html and COMMENT in html
    assert "Waiting for moderation" in html
    assert COMMENT not in text(Client().get(url(open_topic)))  # nobody else sees it


def test_comment_refusals_keep_what_was_typed(client, open_topic):
    english(client)
    body = "Hubungi saya di 0812 3456 7890 ya, terima kasih."
    page = client.post(url(open_topic, "komentar/"), {"display_name": "Dodi", "body": body})
    assert page.status_code == 422
    html = text(page)
    assert "do not write a NIK or a phone number" in html
    assert 'value="Dodi"' in html and body in html
    page = client.post(url(open_topic, "komentar/"), {"body": ""})
    assert page.status_code == 422 and "Please write your comment." in text(page)
    assert not Comment.objects.exists()


def test_too_many_comments_get_a_429_page(client, open_topic, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "consultation_comment_ip": (1, 600)}
    english(client)
    client.post(url(open_topic, "komentar/"), {"body": COMMENT})
    page = client.post(url(open_topic, "komentar/"), {"body": COMMENT + " Lagi."})
    assert page.status_code == 429 and int(page["Retry-After"]) >= 1
    assert "Too many attempts" in text(page)
    assert Comment.objects.count() == 1


def test_supporting_a_comment(client, open_topic):
    comment = services.comment_submit(topic=open_topic, body=COMMENT)
    services.comment_moderate(comment=comment, decision="approve")
    english(client)
    response = client.post(url(open_topic, f"komentar/{comment.pk}/dukung/"), {"support": "1"})
    assert response.status_code == 302 and response.url.endswith(f"#komentar-{comment.pk}")
    html = text(client.get(url(open_topic)))
    assert "You support this" in html and '<span data-testid="supports">1</span>' in html
    client.post(url(open_topic, f"komentar/{comment.pk}/dukung/"), {"support": "0"})
    assert not CommentSupport.objects.exists()
    page = client.post(url(open_topic, "komentar/999999/dukung/"), {"support": "1"})
    assert page.status_code == 404 and 'data-error="comment_not_found"' in text(page)


def test_concluded_topic_shows_outcome_and_changes(client, mall, manager):
    service = OfferingFactory(booth__mall=mall).service
    topic = topic_in(mall, "closed", manager)
    services.topic_conclude(
        topic=topic,
        outcome="Usulan disetujui oleh sebagian besar warga.",
        changes=[("Pas foto cukup dua lembar", service)],
    )
    html = text(english(client).get(url(topic)))
    assert "Outcome" in html and "Usulan disetujui oleh sebagian besar warga." in html
    assert "What changed because of this consultation" in html
    assert "Pas foto cukup dua lembar" in html
    assert f'href="/m/{mall.code}/layanan/{service.code}/"' in html
    assert "no longer takes votes or comments" in html and 'name="stance"' not in html


# Managers ------------------------------------------------------------------------------


def test_manager_pages_are_for_this_malls_managers_and_national_admins(client, mall, draft):
    paths = [manage_url(mall), manage_url(mall, "baru/"), manage_url(mall, f"{draft.pk}/")]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    other = MallFactory()
    turned_away = [
        UserFactory(role=Role.MALL_MANAGER, mall=other),
        UserFactory(role=Role.BOOTH_SUPERVISOR, mall=mall),
        UserFactory(role=Role.OFFICER, mall=mall),
    ]
    for user in turned_away:
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 403, (user.role, path)
        response = client.post(
            manage_url(mall, f"{draft.pk}/publish/"), {"closes_on": "2099-01-01"}
        )
        assert response.status_code == 403
    assert Topic.objects.get(pk=draft.pk).status == "draft"
    for user in (
        UserFactory(role=Role.MALL_MANAGER, mall=mall),
        UserFactory(role=Role.NATIONAL_ADMIN),
    ):
        client.force_login(user)
        assert all(client.get(path).status_code == 200 for path in paths)


def test_another_malls_topic_is_404_for_a_manager(client, manager):
    client.force_login(manager)
    other = topic_in(MallFactory(), "draft")
    assert client.get(manage_url(manager.mall, f"{other.pk}/")).status_code == 404


def test_manager_runs_a_consultation_from_draft_to_outcome(client, mall, manager):
    service = OfferingFactory(booth__mall=mall).service
    client.force_login(manager)
    english(client)
    form = {
        "title": "Rancangan standar pelayanan KIA",
        "kind": "service_standard",
        "service": str(service.pk),
        "body": "Kami mengusulkan pas foto anak tidak lagi diminta.",
        "closes_on": "",
    }
    response = client.post(manage_url(mall, "baru/"), form)
    topic = Topic.objects.get()
    assert response.status_code == 302 and response.url == manage_url(mall, f"{topic.pk}/")
    assert topic.status == "draft" and topic.service == service and topic.created_by == manager

    edited = {**form, "title": "Rancangan standar pelayanan KIA (revisi)"}
    assert client.post(manage_url(mall, f"{topic.pk}/ubah/"), edited).status_code == 302
    topic.refresh_from_db()
    assert topic.title.endswith("(revisi)")

    page = client.post(manage_url(mall, f"{topic.pk}/publish/"), {"closes_on": ""})
    assert page.status_code == 422 and Topic.objects.get().status == "draft"
    day = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    client.post(manage_url(mall, f"{topic.pk}/publish/"), {"closes_on": day})
    topic.refresh_from_db()
    assert topic.status == "open"
    closes = topic.closes_at.astimezone(mall.tz)
    assert closes.date().isoformat() == day and (closes.hour, closes.minute) == (23, 59)
    assert client.get(manage_url(mall, f"{topic.pk}/ubah/")).status_code == 200
    page = client.post(manage_url(mall, f"{topic.pk}/ubah/"), edited)
    assert page.status_code == 409  # a published text stays as people read it

    later_day = (timezone.localdate() + dt.timedelta(days=21)).isoformat()
    client.post(manage_url(mall, f"{topic.pk}/extend/"), {"closes_on": later_day})
    topic.refresh_from_db()
    assert topic.closes_at.astimezone(mall.tz).date().isoformat() == later_day

    good = services.comment_submit(topic=topic, body="Setuju, foto anak kecil sulit dibuat.")
    bad = services.comment_submit(topic=topic, body="Beli obat murah di toko kami ya kak.")
    queue = text(client.get(manage_url(mall)))
    assert "Waiting for moderation (2)" in queue and good.body in queue and bad.body in queue
    back = manage_url(mall)
    response = client.post(
        manage_url(mall, f"komentar/{bad.pk}/"), {"decision": "reject", "reason": "", "next": back}
    )
    assert response.status_code == 302
    assert "Give the reason for rejecting the comment." in text(client.get(back))
    assert Comment.objects.get(pk=bad.pk).status == "pending"
    client.post(
        manage_url(mall, f"komentar/{bad.pk}/"),
        {"decision": "reject", "reason": "Iklan", "next": back},
    )
    client.post(
        manage_url(mall, f"komentar/{good.pk}/"),
        {"decision": "approve", "reply": "Terima kasih.", "next": "https://evil.example/"},
    )
    assert dict(Comment.objects.values_list("pk", "status")) == {
        good.pk: "approved",
        bad.pk: "rejected",
    }

    page = client.post(manage_url(mall, f"{topic.pk}/conclude/"), {"outcome": "Disetujui."})
    assert page.status_code == 409
    assert "This topic is open; this is not possible now." in text(page)
    client.post(manage_url(mall, f"{topic.pk}/close/"))
    outcome = {
        "outcome": "Usulan disetujui: pas foto anak tidak lagi diminta.",
        "change_1": "Pas foto anak dihapus dari persyaratan",
        "service_1": str(service.pk),
        "change_2": "",
    }
    response = client.post(manage_url(mall, f"{topic.pk}/conclude/"), outcome)
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == "concluded" and topic.outcome.startswith("Usulan disetujui")
    assert list(TopicChange.objects.values_list("description", "service")) == [
        ("Pas foto anak dihapus dari persyaratan", service.pk)
    ]
    assert "The outcome is published." in text(client.get(manage_url(mall, f"{topic.pk}/")))
    actors = set(
        Event.objects.filter(
            subject_type="consultation_topic", kind__contains="topic_"
        ).values_list("actor_id", flat=True)
    )
    assert actors == {manager.pk}


def test_manager_refusals_are_messages_not_errors(client, mall, manager):
    client.force_login(manager)
    english(client)
    topic = topic_in(mall, "open", manager)
    services.comment_submit(topic=topic, body=COMMENT)
    services.topic_close(topic=topic)
    page = client.post(
        manage_url(mall, f"{topic.pk}/conclude/"),
        {"outcome": "Usulan disetujui oleh sebagian besar warga."},
    )
    assert page.status_code == 409 and "still wait for moderation" in text(page)
    response = client.post(manage_url(mall, f"{topic.pk}/close/"))
    assert response.status_code == 302
    assert "This topic is closed; this is not possible now." in text(client.get(response.url))
    page = client.post(manage_url(mall, f"{topic.pk}/withdraw/"), {"reason": ""})
    assert page.status_code == 422
    assert client.post(manage_url(mall, f"{topic.pk}/explode/")).status_code == 404
    assert client.get(manage_url(mall, f"{topic.pk}/close/")).status_code == 405
    page = client.post(manage_url(mall, "baru/"), {"title": "x", "kind": "other", "body": "y"})
    assert page.status_code == 422 and Topic.objects.count() == 1
    assert Topic.objects.get().status == "closed"
