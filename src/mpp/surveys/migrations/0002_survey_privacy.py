"""Survey privacy: an invitation keeps a used flag instead of the minute it was answered,
and the events of past answers no longer name the invitation they came from.

Why: the answer time beside the invitation's ticket, counter and minute let a manager tie
an anonymous answer to the transaction (docs/survey-privacy.md). Existing rows keep what
stops a second answer (used = answered_at was set) and lose the time. The past
`survey.answered` events keep their kind, mall and day but not the invitation's id: the
one place where the append-only log is changed, by a migration, to undo a privacy leak.
"""

from django.db import migrations, models


def forwards(apps, schema_editor):
    invitation = apps.get_model("surveys", "SurveyInvitation")
    invitation.objects.filter(answered_at__isnull=False).update(used=True)
    event = apps.get_model("core", "Event")
    # QuerySet.update: Event.save refuses changes; this is the one sanctioned rewrite.
    event.objects.filter(kind="survey.answered").update(
        subject_type="survey", subject_id="", data={}
    )


def backwards(apps, schema_editor):
    # The times are gone for good; an answered invitation gets its expiry as a stand-in.
    invitation = apps.get_model("surveys", "SurveyInvitation")
    invitation.objects.filter(used=True).update(answered_at=models.F("expires_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_idempotency_record"),
        ("surveys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyinvitation",
            name="used",
            field=models.BooleanField(default=False, verbose_name="used"),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(
            model_name="surveyinvitation",
            name="answered_at",
        ),
    ]
