"""Admin audit (mpp.accounts.audit): every add, change and delete made in the admin is in
the append-only event log with who, which row, and old and new values per field, personal
data masked and no password hash. Before, only django_admin_log had a sentence. And a
revoked API token stays revoked (a manager had re-enabled one in the admin)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from mpp.accounts.audit import AdminAuditMixin
from mpp.accounts.models import ApiToken, User
from mpp.accounts.services import staff_sync_permissions, token_revoke
from mpp.catalog.models import Booth, Counter
from mpp.core.errors import Conflict
from mpp.core.models import Event
from tests.factories import BoothFactory, CounterFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(response, **changes) -> dict:
    """The POST data of an admin add/change page as shown, with `changes` applied."""
    data = {}

    def put(form, name, field):
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        elif value is True:
            data[key] = "on"
        elif value is not None and value is not False:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name, field in form.fields.items():
        put(form, name, field)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        data[management.add_prefix("TOTAL_FORMS")] = str(len(formset.initial_forms))
        for inline_form in formset.initial_forms:
            for name, field in inline_form.fields.items():
                put(inline_form, name, field)
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors(response):
    """A failed admin form's errors, for the assertion message."""
    if response.context is None or "adminform" not in response.context:
        return response.status_code
    found = [response.context["adminform"].form.errors]
    for inline in response.context.get("inline_admin_formsets", []):
        found += [inline.formset.errors, inline.formset.non_form_errors()]
    return found


@pytest.fixture
def national(client):
    user = UserFactory(username="nasional", role="national_admin", is_staff=True)
    staff_sync_permissions(user=user)  # the National admin group's permissions
    client.force_login(user)
    return user


def events(kind, model):
    return list(Event.objects.filter(kind=kind, subject_type=model).order_by("id"))


def test_every_registered_admin_is_audited():
    """MallScopedAdmin has the mixin; the site adds it to all others (complaints,
    notifications, Region, Django's Group, django-otp's devices)."""
    registry = admin.site._registry
    assert len(registry) > 15
    missing = [type(a).__name__ for a in registry.values() if not isinstance(a, AdminAuditMixin)]
    assert missing == []
    assert isinstance(registry[Group], AdminAuditMixin)


def test_a_change_records_old_and_new_values(client, national, mall):
    booth = BoothFactory(mall=mall, name="Gerai Lama")
    url = f"/admin/catalog/booth/{booth.pk}/change/"
    page = client.get(url)
    answer = client.post(url, form_data(page, name="Gerai Baru"))
    assert answer.status_code == 302, errors(answer)
    [event] = events("admin.changed", "catalog.booth")
    assert event.actor_id == national.pk and event.subject_id == str(booth.pk)
    assert event.mall_id == mall.pk
    assert event.data["changes"] == {"name": ["Gerai Lama", "Gerai Baru"]}


def test_adding_staff_masks_personal_data_and_never_keeps_the_hash(client, national, mall):
    page = client.get("/admin/accounts/user/add/")
    data = form_data(
        page,
        username="petugas.baru",
        password1="Lentera-pagi-Majalengka-7",
        password2="Lentera-pagi-Majalengka-7",
        usable_password="true",
        email="budi.santoso@example.com",
        role="officer",
        mall=str(mall.pk),
    )
    answer = client.post("/admin/accounts/user/add/", data)
    assert answer.status_code == 302, errors(answer)
    user = User.objects.get(username="petugas.baru")
    [event] = events("admin.added", "accounts.user")
    changes = event.data["changes"]
    assert changes["password"] == [None, "***"]
    assert changes["email"] == [None, "bu***@example.com"]
    assert changes["username"] == [None, "petugas.baru"]
    flat = str(event.data)
    assert user.password not in flat and "budi.santoso" not in flat and "pbkdf2" not in flat

    url = f"/admin/accounts/user/{user.pk}/change/"
    page = client.get(url)
    answer = client.post(url, form_data(page, email="siti@example.org"))
    assert answer.status_code == 302
    [event] = events("admin.changed", "accounts.user")
    assert event.data["changes"] == {"email": ["bu***@example.com", "si***@example.org"]}


def test_a_password_change_is_recorded_without_the_password(client, national, mall):
    user = UserFactory(username="petugas.lupa", mall=mall)
    url = f"/admin/accounts/user/{user.pk}/password/"
    answer = client.post(
        url,
        {"password1": "Lentera-pagi-Majalengka-7", "password2": "Lentera-pagi-Majalengka-7"},
    )
    assert answer.status_code == 302
    [event] = events("admin.changed", "accounts.user")
    assert event.data["changes"] == {"password": ["***", "***"]}


def test_deletes_one_and_in_bulk_are_recorded(client, national, mall, offering):
    one = CounterFactory(mall=mall, booth=offering.booth, number=7, name="Loket 7")
    two = CounterFactory(mall=mall, booth=offering.booth, number=8)
    three = CounterFactory(mall=mall, booth=offering.booth, number=9)
    answer = client.post(f"/admin/catalog/counter/{one.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302 and not Counter.objects.filter(pk=one.pk).exists()
    answer = client.post(
        "/admin/catalog/counter/",
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
    )
    assert answer.status_code == 302 and Counter.objects.count() == 0
    deleted = events("admin.deleted", "catalog.counter")
    assert {e.subject_id for e in deleted} == {str(one.pk), str(two.pk), str(three.pk)}
    first = next(e for e in deleted if e.subject_id == str(one.pk))
    assert first.data["changes"]["number"] == [7, None] and first.mall_id == mall.pk


def test_inline_rows_are_recorded(client, national, mall, offering):
    booth = offering.booth
    url = f"/admin/catalog/booth/{booth.pk}/change/"
    page = client.get(url)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    answer = client.post(url, form_data(page, **{f"{prefix}-0-sort_order": "42"}))
    assert answer.status_code == 302, errors(answer)
    [event] = events("admin.changed", "catalog.offering")
    assert event.data["changes"] == {"sort_order": [offering.sort_order, 42]}
    assert event.data["parent"] == "catalog.booth" and event.data["parent_id"] == str(booth.pk)


def test_a_group_outside_mpp_admins_is_audited_too(client, mall):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get("/admin/auth/group/add/")
    answer = client.post("/admin/auth/group/add/", form_data(page, name="Auditors"))
    assert answer.status_code == 302
    [event] = events("admin.added", "auth.group")
    assert event.actor_id == root.pk and event.data["changes"]["name"] == [None, "Auditors"]


# Revoked API tokens ---------------------------------------------------------------


@pytest.fixture
def manager(client, mall):
    user = UserFactory(username="manajer.t", mall=mall, role="mall_manager")
    staff_sync_permissions(user=user)
    client.force_login(user)
    return user


def test_a_manager_cannot_re_enable_a_revoked_token(client, manager, mall):
    officer = UserFactory(username="petugas.t", mall=mall)
    token = ApiToken.objects.create(user=officer, digest="d" * 64, prefix="mpp_abcd")
    url = f"/admin/accounts/apitoken/{token.pk}/change/"
    page = client.get(url)
    assert client.post(url, form_data(page, revoked="on")).status_code == 302
    token.refresh_from_db()
    assert token.revoked
    [event] = events("admin.changed", "accounts.apitoken")
    assert event.data["changes"] == {"revoked": [False, True]}
    assert event.actor_id == manager.pk

    page = client.get(url)
    assert "revoked" not in page.context["adminform"].form.fields  # read-only now
    data = form_data(page)
    data.pop("revoked", None)  # an unticked box, as the browser would send
    client.post(url, data)
    token.refresh_from_db()
    assert token.revoked


def test_the_model_refuses_to_re_enable_a_revoked_token(mall):
    officer = UserFactory(username="petugas.u", mall=mall)
    token = ApiToken.objects.create(user=officer, digest="e" * 64, prefix="mpp_efgh")
    assert token_revoke(token=token) is True
    assert token_revoke(token=token) is False  # already revoked: nothing more
    token.revoked = False
    with pytest.raises(Conflict):
        token.save()
    with pytest.raises(Conflict):
        ApiToken.objects.filter(pk=token.pk).update(revoked=False)
    assert ApiToken.objects.get(pk=token.pk).revoked
    assert Event.objects.filter(kind="token.revoked", subject_id=str(token.pk)).count() == 1


def test_the_revoke_action_revokes_for_good(client, manager, mall):
    officer = UserFactory(username="petugas.v", mall=mall)
    token = ApiToken.objects.create(user=officer, digest="f" * 64, prefix="mpp_ijkl")
    answer = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert answer.status_code == 302
    token.refresh_from_db()
    assert token.revoked


def test_booth_model_is_scoped(mall):
    assert Booth.mall_path == "mall"
