"""Every outbox row gets a stable reference (a UUID), the gateway's idempotency key.

Existing rows each get their own UUID: the column is added empty, filled row by row,
then made unique and required (a default on AddField would give all rows one value).
"""

import uuid

from django.db import migrations, models


def fill_references(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    for pk in Message.objects.filter(reference__isnull=True).values_list("pk", flat=True):
        Message.objects.filter(pk=pk).update(reference=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_withdrawn"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="reference",
            field=models.UUIDField(null=True, editable=False, verbose_name="reference"),
        ),
        migrations.RunPython(fill_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="message",
            name="reference",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="reference"
            ),
        ),
    ]
