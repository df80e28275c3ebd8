"""The role groups hold every app's permissions right after the first migrate."""

import pytest
from django.contrib.auth.models import Group


@pytest.mark.django_db
def test_groups_are_complete_after_one_migrate_of_a_fresh_database():
    """The test database was made by one `migrate`: permissions of apps that migrate
    after accounts (bookings, complaints, consultation, surveys) must be there."""
    manager = Group.objects.get(name="Mall manager")
    labels = set(manager.permissions.values_list("content_type__app_label", flat=True))
    assert {"catalog", "bookings", "complaints", "consultation"} <= labels
    national = Group.objects.get(name="National admin")
    labels = set(national.permissions.values_list("content_type__app_label", flat=True))
    assert {"surveys", "complaints", "consultation", "bookings"} <= labels
