"""The consultation API: listing and reading topics, commenting (202 pending) and voting,
with every error as {"code", "message"} and nothing written when a request is refused."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mpp.api.spec import committed_spec
from mpp.consultation import services
from mpp.consultation.models import Comment, Topic, Vote
from mpp.consultation.voters import COOKIE
from mpp.core.models import Event
from tests.api.helpers import assert_error, post_json
from tests.consultation.conftest import COMMENT, KEY_A, topic_in
from tests.factories import MallFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def rows() -> tuple[int, int, int, int]:
    return (
        Topic.objects.count(),
        Comment.objects.count(),
        Vote.objects.count(),
        Event.objects.count(),
    )


def test_list_shows_published_topics_in_order(client, mall, manager):
    open_topic = topic_in(mall, "open", manager, title="Rancangan standar KTP-el")
    closed = topic_in(mall, "closed", manager)
    concluded = topic_in(mall, "concluded", manager)
    topic_in(mall, "draft")
    topic_in(mall, "withdrawn", manager)
    topic_in(MallFactory(), "open")
    services.vote_cast(topic=open_topic, voter_key=KEY_A, stance="agree")
    body = client.get(f"/api/v1/malls/{mall.code}/consultations").json()
    assert [t["id"] for t in body] == [open_topic.pk, closed.pk, concluded.pk]
    first = body[0]
    assert first["status"] == "open" and first["accepting"] is True
    assert first["tally"] == {"agree": 1, "disagree": 0, "neutral": 0, "total": 1}
    assert first["url"] == f"/m/{mall.code}/konsultasi/{open_topic.pk}/"
    assert first["mall"] == mall.code and first["title"] == "Rancangan standar KTP-el"
    last = body[2]
    assert last["status"] == "concluded" and last["outcome"]
    assert last["changes"] == [{"description": "Fotokopi KK tidak lagi diminta", "service": None}]
    assert_error(client.get("/api/v1/malls/nope/consultations"), 404, "mall_not_found")


def test_get_a_topic_with_tally_comments_and_outcome(client, mall, manager):
    service = OfferingFactory(booth__mall=mall).service
    topic = topic_in(mall, "open", manager, service=service)
    shown = services.comment_submit(topic=topic, body=COMMENT, display_name="Ibu Yati")
    services.comment_moderate(comment=shown, decision="approve", reply="Terima kasih.")
    waiting = services.comment_submit(topic=topic, body="Komentar yang masih menunggu.")
    services.comment_support(comment=shown, voter_key=KEY_A)
    body = client.get(f"/api/v1/consultations/{topic.pk}").json()
    assert body["body"] == topic.body and body["service"] == {
        "code": service.code,
        "name": service.name,
    }
    assert body["comment_count"] == 1
    [comment] = body["comments"]
    assert comment["name"] == "Ibu Yati" and comment["body"] == COMMENT
    assert comment["reply"] == "Terima kasih." and comment["supports"] == 1
    services.topic_close(topic=topic)
    services.comment_moderate(comment=waiting, decision="reject", reason="Di luar topik")
    services.topic_conclude(
        topic=topic, outcome="Usulan disetujui warga.", changes=[("Pas foto dihapus", service)]
    )
    body = client.get(f"/api/v1/consultations/{topic.pk}").json()
    assert body["status"] == "concluded" and body["outcome"] == "Usulan disetujui warga."
    assert body["changes"] == [
        {"description": "Pas foto dihapus", "service": {"code": service.code, "name": service.name}}
    ]


def test_get_errors(client, mall):
    draft = topic_in(mall, "draft")
    assert_error(client.get(f"/api/v1/consultations/{draft.pk}"), 404, "consultation_not_found")
    assert_error(client.get("/api/v1/consultations/987654"), 404, "consultation_not_found")
    assert_error(client.get("/api/v1/consultations/0"), 422, "validation_error")
    assert_error(client.get("/api/v1/consultations/abc"), 422, "validation_error")


def test_comment_is_accepted_as_pending(client, open_topic):
    response = post_json(
        client, f"/api/v1/consultations/{open_topic.pk}/comments", {"body": COMMENT, "name": "Dodi"}
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "pending" and body["message"]
    comment = Comment.objects.get(pk=body["id"])
    assert comment.status == "pending" and comment.display_name == "Dodi"
    assert COOKIE in response.cookies
    assert comment.author_key and response.cookies[COOKIE].value not in comment.author_key
    shown = client.get(f"/api/v1/consultations/{open_topic.pk}").json()
    assert shown["comments"] == []


@pytest.mark.parametrize(
    "payload, status, code",
    [
        ({"body": "Pendek"}, 422, "comment_too_short"),
        ({"body": "x" * 2001}, 422, "comment_too_long"),
        ({"body": "x" * 10001}, 422, "validation_error"),
        ({"body": "Lihat http://a.x http://b.x http://c.x sekarang"}, 422, "too_many_links"),
        ({"body": "NIK saya 3210011505900001, tolong dicek"}, 422, "personal_data"),
        ({"body": COMMENT, "name": "0812 3456 7890"}, 422, "invalid_name"),
        ({"name": "Dodi"}, 422, "validation_error"),
        ({"body": 12}, 422, "validation_error"),
    ],
)
def test_comment_errors_write_nothing(client, open_topic, payload, status, code):
    before = rows()
    path = f"/api/v1/consultations/{open_topic.pk}/comments"
    assert_error(post_json(client, path, payload), status, code)
    assert rows() == before


def test_comment_state_errors(client, mall, manager, open_topic):
    path = f"/api/v1/consultations/{open_topic.pk}/comments"
    assert post_json(client, path, {"body": COMMENT}).status_code == 202
    closed = topic_in(mall, "closed", manager)
    draft = topic_in(mall, "draft")
    before = rows()
    assert_error(post_json(client, path, {"body": COMMENT}), 409, "duplicate_comment")
    closed_path = f"/api/v1/consultations/{closed.pk}/comments"
    assert_error(post_json(client, closed_path, {"body": COMMENT}), 409, "topic_not_open")
    draft_path = f"/api/v1/consultations/{draft.pk}/comments"
    assert_error(post_json(client, draft_path, {"body": COMMENT}), 404, "consultation_not_found")
    bad_json = client.post(path, "{not json", content_type="application/json")
    assert_error(bad_json, 400, "invalid_json")
    assert rows() == before


def test_comments_are_rate_limited(client, open_topic, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "consultation_comment_ip": (1, 600)}
    path = f"/api/v1/consultations/{open_topic.pk}/comments"
    assert post_json(client, path, {"body": COMMENT}).status_code == 202
    response = post_json(Client(), path, {"body": COMMENT + " Lagi."})
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert Comment.objects.count() == 1


def test_vote_and_change_it(client, open_topic):
    path = f"/api/v1/consultations/{open_topic.pk}/votes"
    first = post_json(client, path, {"stance": "agree"})
    assert first.status_code == 200, first.content
    assert first.json() == {
        "stance": "agree",
        "created": True,
        "changed": True,
        "tally": {"agree": 1, "disagree": 0, "neutral": 0, "total": 1},
    }
    assert COOKIE in first.cookies  # the test client keeps it, like a browser
    again = post_json(client, path, {"stance": "neutral"}).json()
    assert again["created"] is False and again["changed"] is True
    assert again["tally"] == {"agree": 0, "disagree": 0, "neutral": 1, "total": 1}
    same = post_json(client, path, {"stance": "neutral"}).json()
    assert same["changed"] is False and same["tally"]["total"] == 1
    other = post_json(Client(), path, {"stance": "disagree"}).json()
    assert other["created"] is True and other["tally"]["total"] == 2
    assert Vote.objects.filter(topic=open_topic).count() == 2


def test_a_forged_cookie_is_a_new_voter(client, open_topic):
    path = f"/api/v1/consultations/{open_topic.pk}/votes"
    post_json(client, path, {"stance": "agree"})
    forged = Client()
    forged.cookies[COOKIE] = client.cookies[COOKIE].value[:-2] + "xx"
    response = post_json(forged, path, {"stance": "disagree"})
    assert response.json()["created"] is True and COOKIE in response.cookies
    assert Vote.objects.count() == 2


def test_vote_errors_write_nothing(client, mall, manager, open_topic):
    before = rows()
    path = f"/api/v1/consultations/{open_topic.pk}/votes"
    assert_error(post_json(client, path, {"stance": "yes"}), 422, "validation_error")
    assert_error(post_json(client, path, {}), 422, "validation_error")
    closed = topic_in(mall, "past_due", manager)
    assert_error(
        post_json(client, f"/api/v1/consultations/{closed.pk}/votes", {"stance": "agree"}),
        409,
        "topic_not_open",
    )
    assert_error(
        post_json(client, "/api/v1/consultations/987654/votes", {"stance": "agree"}),
        404,
        "consultation_not_found",
    )
    assert_error(client.get(path), 405, "method_not_allowed")
    assert rows()[2] == before[2] and Event.objects.filter(kind__contains="vote").count() == 0


def test_votes_are_rate_limited(client, open_topic, settings):
    settings.MPP_RATE_LIMITS = {**settings.MPP_RATE_LIMITS, "consultation_vote_ip": (2, 600)}
    path = f"/api/v1/consultations/{open_topic.pk}/votes"
    for _ in range(2):
        assert post_json(Client(), path, {"stance": "agree"}).status_code == 200
    assert_error(post_json(Client(), path, {"stance": "agree"}), 429, "rate_limited")
    assert Vote.objects.count() == 2


def test_the_committed_spec_lists_the_consultation_paths():
    paths = json.loads(committed_spec())["paths"]
    assert set(paths["/api/v1/malls/{mall}/consultations"]) == {"get"}
    assert set(paths["/api/v1/consultations/{topic_id}"]) == {"get"}
    comments = paths["/api/v1/consultations/{topic_id}/comments"]["post"]
    assert {"202", "404", "409", "422", "429"} <= set(comments["responses"])
    assert "security" not in comments  # public
    assert set(paths["/api/v1/consultations/{topic_id}/votes"]) == {"post"}
