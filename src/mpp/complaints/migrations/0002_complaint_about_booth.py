"""The booth a complaint is about, kept apart from the booth handling it: a complaint about
an officer's conduct or an illegal fee (pungli) is handled at the mall manager's desk.

Existing complaints of those categories still where filing routed them (received or
verified) move from the booth they accuse to the manager's desk (booth emptied,
about_booth set); one a manager forwarded, or one already past, stays as it is.
"""

import django.db.models.deletion
from django.db import migrations, models

MANAGER_CATEGORIES = ("officer_behaviour", "fees")
AS_FILED = ("received", "verified")  # not yet forwarded by a manager


def forwards(apps, schema_editor):
    complaint = apps.get_model("complaints", "Complaint")
    rows = complaint.objects.filter(category__in=MANAGER_CATEGORIES)
    rows.update(about_booth=models.F("booth"))
    rows.filter(status__in=AS_FILED).update(booth=None)


def backwards(apps, schema_editor):
    complaint = apps.get_model("complaints", "Complaint")
    complaint.objects.filter(booth__isnull=True, about_booth__isnull=False).update(
        booth=models.F("about_booth")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="about_booth",
            field=models.ForeignKey(
                blank=True,
                help_text="As filed. An officer or pungli complaint is handled by the manager.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="catalog.booth",
                verbose_name="booth it is about",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
