"""The admin through the test client: each role sees and changes only its share."""

import pytest
from django.contrib.auth.models import Group

from mpp.accounts.models import Role, User
from mpp.accounts.services import staff_sync_permissions
from mpp.catalog.models import Counter, Mall, Offering
from mpp.core.models import Event

pytestmark = pytest.mark.django_db


def change_url(obj):
    meta = obj._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/change/"


def listing(client, path):
    page = client.get(path)
    assert page.status_code == 200, path
    return page.content.decode()


def counter_post(counter, **changes):
    data = {
        "mall": counter.mall_id,
        "booth": counter.booth_id or "",
        "number": counter.number,
        "name": counter.name,
        "offerings": list(counter.offerings.values_list("pk", flat=True)),
    }
    data.update(changes)
    return data


def staff_post(**fields):
    data = {
        "username": "baru",
        "usable_password": "true",
        "password1": "rahasia-baru-123",
        "password2": "rahasia-baru-123",
        "first_name": "Baru",
        "last_name": "",
        "email": "",
        "role": Role.OFFICER,
        "mall": "",
        "booth": "",
    }
    data.update(fields)
    return data


def test_manager_sees_only_their_mall_in_changelists(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    pages = {
        "/admin/catalog/booth/": (a.booth1, a.booth2, b.booth1),
        "/admin/catalog/counter/": (a.counter1, a.loose, b.counter1),
        "/admin/catalog/offering/": (a.offering1, a.offering2, b.offering1),
        "/admin/queueing/ticket/": (a.ticket1, a.ticket2, b.ticket1),
        "/admin/accounts/user/": (a.officer, a.supervisor, b.officer),
        "/admin/catalog/mall/": (a.mall, a.mall, b.mall),
    }
    for path, (mine, also_mine, theirs) in pages.items():
        html = listing(client, path)
        assert change_url(mine) in html and change_url(also_mine) in html, path
        assert change_url(theirs) not in html, path
    page = client.get("/admin/queueing/ticket/", {"status": "waiting"})
    assert page.context["cl"].result_count == 2
    assert a.ticket1.number in page.content.decode()


def test_manager_gets_404_for_another_malls_pages(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    for obj in [b.mall, b.booth1, b.counter1, b.offering1, b.ticket1, b.officer, b.token]:
        assert client.get(change_url(obj)).status_code == 404, obj
    assert client.get(f"/admin/catalog/booth/{b.booth1.pk}/delete/").status_code == 404
    assert client.get(f"/admin/accounts/user/{b.officer.pk}/password/").status_code == 404
    page = client.post(change_url(b.counter1), counter_post(b.counter1, name="Diambil"))
    assert page.status_code == 404
    b.counter1.refresh_from_db()
    assert b.counter1.name != "Diambil"


def test_counter_with_another_malls_offering_is_refused(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    before = Counter.objects.count()
    data = {"mall": a.mall.pk, "booth": a.booth1.pk, "number": 77, "name": "Loket Baru"}
    page = client.post("/admin/catalog/counter/add/", {**data, "offerings": [b.offering1.pk]})
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["offerings"]
    assert Counter.objects.count() == before

    # Nor in another mall, nor with another mall's booth.
    for bad in ({"mall": b.mall.pk}, {"booth": b.booth1.pk}):
        page = client.post("/admin/catalog/counter/add/", {**data, **bad})
        assert page.status_code == 200 and page.context["adminform"].form.errors
    assert Counter.objects.count() == before

    page = client.post("/admin/catalog/counter/add/", {**data, "offerings": [a.offering1.pk]})
    assert page.status_code == 302
    made = Counter.objects.get(mall=a.mall, number=77)
    assert list(made.offerings.all()) == [a.offering1]


def test_form_choices_list_only_the_users_mall(world, client):
    a, b = world.a, world.b
    client.force_login(a.manager)
    form = client.get("/admin/catalog/counter/add/").context["adminform"].form
    assert list(form.fields["mall"].queryset) == [a.mall]
    assert set(form.fields["booth"].queryset) == {a.booth1, a.booth2}
    assert set(form.fields["offerings"].queryset) == {a.offering1, a.offering2}
    form = client.get("/admin/accounts/user/add/").context["adminform"].form
    assert set(form.fields["booth"].queryset) == {a.booth1, a.booth2}
    assert [value for value, _ in form.fields["role"].choices] == [
        Role.BOOTH_SUPERVISOR,
        Role.OFFICER,
    ]
    assert b.booth1 not in form.fields["booth"].queryset


def test_manager_edits_their_malls_policy_but_not_its_registry_facts(world, client):
    a = world.a
    client.force_login(a.manager)
    mall = a.mall
    data = {
        "code": "dibajak",
        "name": "Nama Lain",
        "address": "Jl. Baru 1",
        "priority_policy": Mall.PriorityPolicy.INTERLEAVE,
        "priority_every": 4,
        "no_show_after_recalls": 3,
        "opening_hours-TOTAL_FORMS": 1,
        "opening_hours-INITIAL_FORMS": 1,
        "opening_hours-MIN_NUM_FORMS": 0,
        "opening_hours-MAX_NUM_FORMS": 1000,
        "opening_hours-0-id": a.hours.pk,
        "opening_hours-0-mall": mall.pk,
        "opening_hours-0-weekday": 0,
        "opening_hours-0-opens": "07:30",
        "opening_hours-0-closes": "15:00",
    }
    page = client.post(change_url(mall), data)
    assert page.status_code == 302, page.context["adminform"].form.errors
    mall.refresh_from_db()
    a.hours.refresh_from_db()
    assert (mall.address, mall.priority_every, mall.no_show_after_recalls) == ("Jl. Baru 1", 4, 3)
    assert mall.code != "dibajak" and mall.name != "Nama Lain"
    assert a.hours.opens.hour == 7
    assert client.get("/admin/catalog/mall/add/").status_code == 403
    assert client.get(change_url(a.offering1.service)).status_code == 200  # view only
    page = client.post(change_url(a.offering1.service), {"name": "Diubah"})
    assert page.status_code == 403


def test_manager_cannot_create_a_superuser_or_national_admin(world, client):
    a = world.a
    client.force_login(a.manager)
    before = User.objects.count()
    for role in (Role.NATIONAL_ADMIN, Role.MALL_MANAGER):
        page = client.post("/admin/accounts/user/add/", staff_post(role=role, mall=a.mall.pk))
        assert page.status_code == 200
        assert "role" in page.context["adminform"].form.errors
    assert User.objects.count() == before

    # Privilege fields are not part of the form: posting them changes nothing.
    page = client.post(
        "/admin/accounts/user/add/",
        staff_post(mall=a.mall.pk, booth=a.booth2.pk, is_superuser="on", is_staff="on"),
    )
    assert page.status_code == 302
    made = User.objects.get(username="baru")
    assert not made.is_superuser and not made.is_staff and made.role == Role.OFFICER
    assert made.mall == a.mall and made.booth == a.booth2
    assert not made.groups.exists() and not made.user_permissions.exists()


def test_manager_cannot_raise_existing_staff(world, client):
    a = world.a
    client.force_login(a.manager)
    # Superusers, national admins and managers are never theirs to change.
    local_root = User.objects.create(username="root.a", mall=a.mall, is_superuser=True)
    colleague = User.objects.create(username="m2.a", mall=a.mall, role=Role.MALL_MANAGER)
    assert client.get(change_url(world.root)).status_code == 404
    assert client.get(change_url(world.national)).status_code == 404
    for user in (local_root, colleague, a.manager):
        assert client.get(change_url(user)).status_code == 200  # read only
        assert client.post(change_url(user), {"username": "x"}).status_code == 403
    page = client.post(
        change_url(a.officer),
        {
            "username": a.officer.username,
            "role": Role.MALL_MANAGER,
            "mall": a.mall.pk,
            "booth": a.booth1.pk,
            "is_active": "on",
            "is_superuser": "on",
        },
    )
    assert page.status_code == 200 and "role" in page.context["adminform"].form.errors
    a.officer.refresh_from_db()
    assert a.officer.role == Role.OFFICER and not a.officer.is_superuser


def test_promoting_an_officer_gives_them_the_admin(world, client):
    a = world.a
    client.force_login(a.manager)
    page = client.post(
        change_url(a.officer2),
        {
            "username": a.officer2.username,
            "first_name": "Naik",
            "role": Role.BOOTH_SUPERVISOR,
            "mall": a.mall.pk,
            "booth": a.booth2.pk,
            "is_active": "on",
        },
    )
    assert page.status_code == 302
    a.officer2.refresh_from_db()
    assert a.officer2.role == Role.BOOTH_SUPERVISOR and a.officer2.is_staff
    assert client.get(f"/admin/accounts/user/{a.officer.pk}/password/").status_code == 200
    assert list(a.officer2.groups.values_list("name", flat=True)) == ["Booth supervisor"]
    assert Event.objects.filter(
        kind="staff.access_synced", subject_id=str(a.officer2.pk), actor=a.manager
    ).exists()
    # A supervisor needs a booth of the mall.
    page = client.post(
        change_url(a.officer),
        {
            "username": a.officer.username,
            "role": Role.BOOTH_SUPERVISOR,
            "mall": a.mall.pk,
            "booth": "",
        },
    )
    assert page.status_code == 200 and "booth" in page.context["adminform"].form.errors


def test_supervisor_edits_their_booths_counter_only(world, client):
    a = world.a
    client.force_login(a.supervisor)
    page = client.post(change_url(a.counter1), counter_post(a.counter1, name="Loket KTP"))
    assert page.status_code == 302
    a.counter1.refresh_from_db()
    assert a.counter1.name == "Loket KTP"

    assert client.get(change_url(a.counter2)).status_code == 200  # the rest: read only
    page = client.post(change_url(a.counter2), counter_post(a.counter2, name="Bukan Milik"))
    assert page.status_code == 403
    a.counter2.refresh_from_db()
    assert a.counter2.name != "Bukan Milik"
    assert client.get(change_url(world.b.counter1)).status_code == 404

    # Their counter serves only their booth's offerings; it stays where it is.
    page = client.post(
        change_url(a.counter1), counter_post(a.counter1, offerings=[a.offering2.pk], number=99)
    )
    assert page.status_code == 200 and "offerings" in page.context["adminform"].form.errors
    page = client.post(change_url(a.counter1), counter_post(a.counter1, number=99))
    assert page.status_code == 302
    a.counter1.refresh_from_db()
    assert a.counter1.number != 99
    assert client.get("/admin/catalog/counter/add/").status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_supervisor_manages_their_booths_offerings(world, client):
    a = world.a
    client.force_login(a.supervisor)
    form = client.get("/admin/catalog/offering/add/").context["adminform"].form
    assert list(form.fields["booth"].queryset) == [a.booth1]
    other = Offering.objects.filter(mall=world.b.mall).first()
    page = client.post(
        "/admin/catalog/offering/add/",
        {"booth": a.booth1.pk, "service": other.service_id, "is_active": "on", "sort_order": 5},
    )
    assert page.status_code == 302
    assert Offering.objects.get(mall=a.mall, service=other.service).booth == a.booth1
    page = client.post(
        "/admin/catalog/offering/add/",
        {"booth": a.booth2.pk, "service": other.service_id, "sort_order": 5},
    )
    assert page.status_code == 200 and "booth" in page.context["adminform"].form.errors
    page = client.post(
        change_url(a.offering2), {"booth": a.booth2.pk, "service": a.offering2.service_id}
    )
    assert page.status_code == 403


def test_officers_get_no_admin(world, client):
    a = world.a
    client.force_login(a.officer)
    assert client.get("/admin/").status_code == 302  # to the admin login
    assert client.get(change_url(a.counter1)).status_code == 302
    # Even if someone ticks is_staff by hand, an officer sees and changes nothing.
    User.objects.filter(pk=a.officer.pk).update(is_staff=True)
    page = client.get("/admin/")
    assert page.status_code == 200 and page.context["app_list"] == []
    assert client.get("/admin/catalog/counter/").status_code == 403
    assert client.get(change_url(a.counter1)).status_code == 404


def test_superuser_and_national_admin_see_all(world, client):
    a, b = world.a, world.b
    for user in (world.root, world.national):
        client.force_login(user)
        html = listing(client, "/admin/catalog/counter/")
        assert change_url(a.counter1) in html and change_url(b.counter1) in html
        html = listing(client, "/admin/queueing/ticket/")
        assert change_url(a.ticket1) in html and change_url(b.ticket1) in html
        assert client.get(change_url(b.mall)).status_code == 200
        html = listing(client, "/admin/accounts/user/")
        assert change_url(a.manager) in html and change_url(b.officer) in html
    page = client.get(f"/admin/accounts/user/{a.officer.pk}/change/")
    assert "is_superuser" not in page.context["adminform"].form.fields  # national admin
    client.force_login(world.root)
    page = client.get(f"/admin/accounts/user/{a.officer.pk}/change/")
    assert "is_superuser" in page.context["adminform"].form.fields


def test_tickets_are_read_only_for_everyone(world, client):
    a = world.a
    for user in (world.root, a.manager, a.supervisor):
        client.force_login(user)
        page = client.get(change_url(a.ticket1))
        assert page.status_code == 200 and a.ticket1.number in page.content.decode()
        assert client.post(change_url(a.ticket1), {"status": "done"}).status_code == 403
        assert client.get("/admin/queueing/ticket/add/").status_code == 403
        delete = f"/admin/queueing/ticket/{a.ticket1.pk}/delete/"
        assert client.post(delete, {"post": "yes"}).status_code == 403
    a.ticket1.refresh_from_db()
    assert a.ticket1.status == "waiting"


def test_role_groups_hold_the_declared_permissions(world):
    manager = Group.objects.get(name="Mall manager")
    codes = set(manager.permissions.values_list("codename", flat=True))
    assert {"change_counter", "add_booth", "change_mall", "view_ticket", "add_user"} <= codes
    assert not {"change_service", "change_agency", "add_mall", "change_ticket"} & codes
    assert "delete_user" not in codes
    supervisor = Group.objects.get(name="Booth supervisor")
    codes = set(supervisor.permissions.values_list("codename", flat=True))
    assert {"change_counter", "change_booth", "add_offering", "view_user"} <= codes
    assert not {"add_counter", "change_user", "change_mall"} & codes
    assert (
        Group.objects.get(name="National admin")
        .permissions.filter(codename="change_service")
        .exists()
    )


def test_sync_follows_the_role_and_is_idempotent(world):
    a = world.a
    user = a.supervisor
    assert user.is_staff and user.has_perm("catalog.change_counter")
    assert not staff_sync_permissions(user=user)  # nothing to do twice
    user.role = Role.OFFICER
    user.save()
    assert staff_sync_permissions(user=user)
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()
    assert not user.has_perm("catalog.change_counter")
    assert world.root.is_staff  # a superuser keeps the admin whatever the role


def test_demo_manager_and_supervisor_log_in_to_the_admin(db, client):
    from mpp.catalog.demo import DEMO_MALL, demo_load

    demo_load()
    for username in ("manajer", "supervisor.dukcapil"):
        page = client.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": "demo12345", "next": "/admin/"},
        )
        assert page.status_code == 302 and page.url == "/admin/", username
        html = listing(client, "/admin/catalog/counter/")
        counters = Counter.objects.filter(mall__code=DEMO_MALL)
        assert all(change_url(c) in html for c in counters)
        depok = Counter.objects.filter(mall__code="mpp-kota-depok")
        assert depok.exists() and not any(change_url(c) in html for c in depok)
        client.logout()
    officer = User.objects.get(username="petugas.dukcapil")
    assert not officer.is_staff
    assert demo_load()["created"] == 0  # still idempotent


@pytest.mark.parametrize("role", ["manager", "supervisor"])
def test_every_page_of_their_mall_opens(world, client, role):
    a = world.a
    client.force_login(getattr(a, role))
    urls = ["/admin/", "/admin/catalog/", "/admin/catalog/agency/", "/admin/catalog/service/"]
    for obj in [a.mall, a.booth1, a.booth2, a.counter1, a.loose, a.offering1, a.ticket1]:
        meta = obj._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        urls += [base, change_url(obj), f"{base}{obj.pk}/history/"]
    urls += [change_url(a.officer), change_url(a.offering1.service)]
    for url in urls:
        assert client.get(url).status_code == 200, url
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "offering", "field_name": "service"},
    )
    assert found.status_code == 200 and found.json()["results"]


def test_national_admin_appoints_a_manager_whose_booth_and_mall_agree(world, client):
    a, b = world.a, world.b
    client.force_login(world.national)
    page = client.post(
        "/admin/accounts/user/add/",
        staff_post(role=Role.BOOTH_SUPERVISOR, mall=a.mall.pk, booth=b.booth1.pk),
    )
    assert page.status_code == 200 and "booth" in page.context["adminform"].form.errors
    page = client.post(
        "/admin/accounts/user/add/", staff_post(role=Role.MALL_MANAGER, mall=b.mall.pk)
    )
    assert page.status_code == 302
    made = User.objects.get(username="baru")
    assert made.is_staff and not made.is_superuser and made.mall == b.mall
    assert list(made.groups.values_list("name", flat=True)) == ["Mall manager"]
