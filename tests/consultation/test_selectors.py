"""The counts on the topic lists: each topic's own votes and comments, counted once."""

from __future__ import annotations

from mpp.consultation import selectors, services
from tests.consultation.conftest import COMMENT, KEY_A, KEY_B, KEY_C, topic_in


def _comment(topic, key, text, decision=None, manager=None):
    comment = services.comment_submit(topic=topic, body=f"{COMMENT} {text}", author_key=key)
    if decision:
        services.comment_moderate(
            comment=comment, decision=decision, reason="Tidak relevan", actor=manager
        )
    return comment


def test_list_counts_are_per_topic_and_not_multiplied(mall, manager, django_assert_max_num_queries):
    busy, quiet = topic_in(mall, "open", manager), topic_in(mall, "open", manager)
    services.vote_cast(topic=busy, voter_key=KEY_A, stance="agree")
    services.vote_cast(topic=busy, voter_key=KEY_B, stance="agree")
    services.vote_cast(topic=busy, voter_key=KEY_C, stance="neutral")
    services.vote_cast(topic=quiet, voter_key=KEY_A, stance="disagree")
    _comment(busy, KEY_A, "satu", "approve", manager)
    _comment(busy, KEY_B, "dua", "approve", manager)
    _comment(busy, KEY_C, "tiga", "reject", manager)
    _comment(busy, KEY_A, "empat")
    _comment(busy, KEY_B, "lima")
    _comment(quiet, KEY_C, "enam")

    with django_assert_max_num_queries(1):
        managed = {t.pk: t for t in selectors.topics_managed(mall)}
    counts = {
        pk: (t.n_agree, t.n_disagree, t.n_neutral, t.n_comments, t.n_pending)
        for pk, t in managed.items()
    }
    assert counts == {busy.pk: (2, 0, 1, 2, 2), quiet.pk: (0, 1, 0, 0, 1)}

    public = {t.pk: t for t in selectors.topics_public(mall).all}
    assert selectors.tally_of(public[busy.pk]).as_dict() == {
        "agree": 2,
        "disagree": 0,
        "neutral": 1,
        "total": 3,
    }
    assert public[busy.pk].n_comments == 2
    assert (public[quiet.pk].n_disagree, public[quiet.pk].n_comments) == (1, 0)
    assert selectors.tally_of(public[busy.pk]) == selectors.tally_of(busy)  # counted anew
