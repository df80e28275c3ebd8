"""Admin audit: every add, change and delete made in the admin goes into the event log.

Why: django_admin_log keeps only a sentence ("Changed revoked.") and can be edited by
whoever has the database; the append-only event log (mpp.core.events) is the project's
audit trail. Each admin save writes one event in the same transaction: who (actor),
which model and row (subject), the mall, and per changed field the old and the new value.

Personal data is masked as on screens (mpp.core.pii: NIK to its last 4 digits, phone
0812****7890, e-mail bu***@example.com), and secrets are never stored: fields named
like password, digest, secret, token or key show only "***".

AdminAuditMixin is in MallScopedAdmin, the base of MPP's admins, and MppAdminSite adds
it to every other ModelAdmin registered (Django's Group, django-otp's devices, ...).
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import models

from mpp.core.events import event_record
from mpp.core.pii import email_mask, nik_mask, phone_mask

HIDDEN = "***"
SECRET_WORDS = ("password", "digest", "secret", "token", "key", "otp")


def masked(name: str, value):
    """`value` of field `name` as the audit keeps it."""
    lowered = name.lower()
    if value in (None, "", []):
        return value
    if any(word in lowered for word in SECRET_WORDS):
        return HIDDEN
    if "nik" in lowered:
        return nik_mask(str(value))
    if "phone" in lowered or "whatsapp" in lowered or "msisdn" in lowered:
        return phone_mask(str(value))
    if "email" in lowered or "e_mail" in lowered:
        return email_mask(str(value))
    return value


def _empty(value) -> bool:
    return value is None or value is False or value == "" or value == []


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date | datetime.time | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    name = getattr(value, "name", None)  # a FieldFile
    if isinstance(name, str) or name is None and hasattr(value, "storage"):
        return name or ""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def snapshot(obj: models.Model) -> dict:
    """The row's field values, masked, JSON-ready (many-to-many as sorted ids)."""
    values = {}
    for field in obj._meta.concrete_fields:
        values[field.name] = masked(field.name, _plain(field.value_from_object(obj)))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            ids = sorted(getattr(obj, field.name).values_list("pk", flat=True))
            values[field.name] = masked(field.name, _plain(ids))
    return values


def stored_snapshot(obj: models.Model) -> dict | None:
    """The snapshot of the row as the database has it (before a form changed it)."""
    if obj.pk is None:
        return None
    saved = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(saved) if saved is not None else None


def diff(before: dict | None, after: dict | None) -> dict:
    """{field: [old, new]} of the fields that differ."""
    before, after = before or {}, after or {}
    changes = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [old, new]
    return changes


def _mall_id(obj: models.Model) -> int | None:
    path = getattr(type(obj), "mall_path", None)
    if not path:
        return None
    if path == "pk":
        return obj.pk
    target = obj
    *hops, last = path.split("__")
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    value = getattr(target, f"{last}_id", None) if not last.endswith("_id") else None
    if value is None:
        value = getattr(target, last, None)
    return value if isinstance(value, int) else getattr(value, "pk", None)


def audit_record(request, obj: models.Model, action: str, changes: dict, **extra) -> None:
    """Append one `admin.<action>` event for `obj` by the request's user."""
    meta = obj._meta
    user = getattr(request, "user", None)
    event_record(
        kind=f"admin.{action}",
        subject_type=meta.label_lower[:40],
        subject_id=obj.pk,
        mall_id=_mall_id(obj),
        actor_id=user.pk if getattr(user, "is_authenticated", False) else None,
        data={"model": meta.label_lower, "changes": changes, **extra},
    )


class AdminAuditMixin:
    """ModelAdmin hooks that write the audit events (mix in before ModelAdmin)."""

    def _audit_before(self, request) -> dict:
        if not hasattr(request, "_mpp_audit_before"):
            request._mpp_audit_before = {}
        return request._mpp_audit_before

    def save_model(self, request, obj, form, change):
        if change:
            key = (obj._meta.label_lower, str(obj.pk))
            self._audit_before(request)[key] = stored_snapshot(obj)
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        after = snapshot(obj)
        changes = {k: [None, v] for k, v in after.items() if not _empty(v)}
        audit_record(request, obj, "added", changes)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        key = (obj._meta.label_lower, str(obj.pk))
        before = self._audit_before(request).pop(key, None)
        if before is None and request.path.rstrip("/").endswith("/password"):
            changes = {"password": [HIDDEN, HIDDEN]}  # Django's change-password page
        else:
            changes = diff(before, stored_snapshot(obj))
        if changes:
            audit_record(request, obj, "changed", changes)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            before = snapshot(obj)
            audit_record(request, obj, "deleted", {k: [v, None] for k, v in before.items()})
        return super().log_deletions(request, queryset)

    def save_formset(self, request, form, formset, change):
        """Inline rows: each added, changed or deleted row gets its own event."""
        befores = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if instance.pk is not None:
                befores[str(instance.pk)] = stored_snapshot(instance)
        super().save_formset(request, form, formset, change)
        parent = {"parent": form.instance._meta.label_lower, "parent_id": str(form.instance.pk)}
        for obj in getattr(formset, "new_objects", []):
            after = snapshot(obj)
            changes = {k: [None, v] for k, v in after.items() if not _empty(v)}
            audit_record(request, obj, "added", changes, **parent)
        for obj, _fields in getattr(formset, "changed_objects", []):
            changes = diff(befores.get(str(obj.pk)), stored_snapshot(obj))
            if changes:
                audit_record(request, obj, "changed", changes, **parent)
        for obj in getattr(formset, "deleted_objects", []):
            before = befores.get(str(obj.pk)) or {}
            obj_for_event = obj
            if obj_for_event.pk is None:  # Django clears it after delete(); keep the id
                obj_for_event.pk = before.get(obj._meta.pk.name)
            audit_record(
                request, obj_for_event, "deleted", {k: [v, None] for k, v in before.items()}
            )


def audited(admin_class):
    """`admin_class` with AdminAuditMixin first in its bases (itself if it has it)."""
    if issubclass(admin_class, AdminAuditMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (AdminAuditMixin, admin_class),
        {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
    )
