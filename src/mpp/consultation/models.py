"""Public consultation (forum konsultasi publik): topics, comments, votes and outcomes.

Why: UU 25/2009 (art. 20 and 39) asks service providers to draw up and review their
service standards together with the community, and PermenPANRB on forum konsultasi
publik asks that the result be published. A mall manager puts a topic before the public
(a draft service standard, a proposed new service, a survey result to discuss); citizens
say whether they agree and comment, comments appear after moderation, and the topic ends
with an outcome that lists what changed because of it, so people see that taking part
mattered.

Citizens have no accounts: a voter is a random token in a signed cookie, stored only as
a keyed digest (mpp.consultation.voters). Nothing here holds a NIK or a phone number.
Every state change goes through mpp.consultation.services and leaves an event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mpp.catalog.models import Mall, Service


class Topic(models.Model):
    """One question the mall puts to the public, from draft to its published outcome.

    draft -> open (published, taking votes and comments until closes_at) -> closed ->
    concluded (outcome and changes published); a draft, open or closed topic may be
    withdrawn with a reason instead.
    """

    class Kind(models.TextChoices):
        SERVICE_STANDARD = "service_standard", _("Draft service standard")
        NEW_SERVICE = "new_service", _("Proposed new service")
        SURVEY_RESULT = "survey_result", _("Survey result to discuss")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CONCLUDED = "concluded", _("Concluded")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    mall = models.ForeignKey(
        Mall, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("mall")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("service"),
        help_text=_("The service the topic is about, if any."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what is proposed"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    # How a row reaches its mall, for mpp.accounts.access.restrict.
    mall_path = "mall"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        indexes = [models.Index(fields=["mall", "status"], name="consult_topic_mall_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="consult_topic_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_input(self, now=None) -> bool:
        """Open and not past its closing time: votes and comments are taken."""
        now = now or timezone.now()
        return self.status == self.Status.OPEN and (self.closes_at is None or now < self.closes_at)


class TopicChange(models.Model):
    """One concrete change made because of a consultation ("Requirement X dropped")."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="changes", verbose_name=_("topic")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.CharField(_("what changed"), max_length=300)
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )

    mall_path = "topic__mall"

    class Meta:
        ordering = ["topic", "position", "id"]
        verbose_name = _("change made")
        verbose_name_plural = _("changes made")

    def __str__(self) -> str:
        return self.description


class Comment(models.Model):
    """A citizen's comment on a topic; shown only once a moderator approved it.

    No contact details are taken. `author_key` is the commenter's voter digest, so the
    same browser can see its own comments' state (and a rejection's reason); it is
    never shown. A moderator may add a public reply from the mall when approving.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="comments", verbose_name=_("topic")
    )
    display_name = models.CharField(_("name shown"), max_length=60, blank=True)
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    moderation_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reply = models.TextField(_("reply from the mall"), blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    author_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    mall_path = "topic__mall"

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["topic", "status"], name="consult_comment_topic_st")]

    def __str__(self) -> str:
        return f"{self.name}: {self.body[:40]}"

    @property
    def name(self) -> str:
        return self.display_name or str(_("Anonymous"))


class Vote(models.Model):
    """One voter's stance on a topic. Voting again changes it; it is never counted twice."""

    class Stance(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")
        NEUTRAL = "neutral", _("Neutral")

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="votes", verbose_name=_("topic")
    )
    voter_key = models.CharField(max_length=64, editable=False)
    stance = models.CharField(_("stance"), max_length=10, choices=Stance.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    mall_path = "topic__mall"

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["topic", "voter_key"], name="consult_vote_once"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.stance}"


class CommentSupport(models.Model):
    """A voter's "I support this" on an approved comment (once per voter and comment)."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="supports", verbose_name=_("comment")
    )
    voter_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    mall_path = "comment__topic__mall"

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter_key"], name="consult_support_once"),
        ]

    def __str__(self) -> str:
        return str(self.comment_id)
