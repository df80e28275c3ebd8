"""The manager's plan pages (/staff/outreach/plans/): make a plan for the coming days,
read it per vehicle and day, see what it leaves unserved and why, pin a village to a
day or exclude it, re-plan, publish or discard.

Why thin: each POST calls one service (outreach.plans for planning and rules,
outreach.publish for publishing) and shows its refusal as a readable message. Access is
"outreach.plan" (accounts.access): a plan of another mall is a 404, a role without the
action a 403.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mpp.accounts import access
from mpp.catalog.models import Mall
from mpp.catalog.selectors import mall_get
from mpp.core.errors import DomainError
from mpp.core.models import Region
from mpp.outreach import plans as planning
from mpp.outreach import publish, selectors_plans
from mpp.outreach.models import Plan, PlanRule, PlanStatus, Vehicle

PLAN = "outreach.plan"
MALL_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,60}$")
MAX_DAYS = 62
MAX_SECONDS = 60


class PlanForm(forms.Form):
    """The "Make a plan" form: first day, number of days, seconds for the solver."""

    starts_on = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    days = forms.IntegerField(
        label=gettext_lazy("Number of days"), min_value=1, max_value=MAX_DAYS, initial=14
    )
    seconds = forms.IntegerField(
        label=gettext_lazy("Seconds to search"), min_value=1, max_value=MAX_SECONDS, initial=10
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["starts_on"].initial = today + dt.timedelta(days=1)

    def clean_starts_on(self):
        value = self.cleaned_data["starts_on"]
        if value < self.today:
            raise forms.ValidationError(_("The first day cannot be in the past."))
        if value > self.today + dt.timedelta(days=366):
            raise forms.ValidationError(_("The first day must be within a year."))
        return value


class RuleForm(forms.Form):
    """Pin a village to a day (and optionally a vehicle), or exclude it."""

    kind = forms.ChoiceField(label=gettext_lazy("Rule"), choices=PlanRule.Kind.choices)
    village = forms.ChoiceField(label=gettext_lazy("Village"))
    date = forms.DateField(
        label=gettext_lazy("Day (pins only)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    vehicle = forms.ChoiceField(label=gettext_lazy("Vehicle (pins only, optional)"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args, villages: list[Region], vehicles: list[Vehicle], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, f"{v.name} ({v.code})") for v in villages]
        self.fields["vehicle"].choices = [("", "—")] + [(str(v.pk), v.name) for v in vehicles]
        self._villages = {v.code: v for v in villages}
        self._vehicles = {str(v.pk): v for v in vehicles}

    def clean(self):
        data = super().clean()
        if data.get("kind") == PlanRule.Kind.PIN and not data.get("date"):
            self.add_error("date", _("A pin needs a day."))
        data["village_obj"] = self._villages.get(data.get("village", ""))
        data["vehicle_obj"] = self._vehicles.get(data.get("vehicle") or "")
        return data


def _manager_mall(request) -> Mall | None:
    """The mall of the page: the user's own, or for national staff ?mall=<code>."""
    user = request.user
    if not access.allowed(user, PLAN):
        raise PermissionDenied(_("You may not do this here."))
    if access.is_national(user):
        code = request.GET.get("mall") or request.POST.get("mall") or ""
        return mall_get(code) if MALL_CODE.match(code) else None
    return user.mall


def _plan(request, plan_id: int) -> Plan:
    """The plan if the user may plan for its mall: another mall's is a 404."""
    user = request.user
    if not access.allowed(user, PLAN):
        raise PermissionDenied(_("You may not do this here."))
    mall_id = None if access.is_national(user) else user.mall_id
    plan = selectors_plans.plan_for_mall(plan_id, mall_id)
    if plan is None:
        raise Http404(_("Plan not found."))
    access.require_page(user, PLAN, plan)
    return plan


def _plan_url(plan_id: int) -> str:
    return reverse("outreach:plan", args=[plan_id])


def _refused(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def plans(request):
    """The mall's plans and the "Make a plan" form (POST: outreach.plans.plan_create)."""
    mall = _manager_mall(request)
    context: dict = {"mall": mall}
    if mall is None:
        context["malls"] = (
            list(Mall.objects.order_by("name")) if access.is_national(request.user) else []
        )
        return render(request, "outreach/plans/list.html", context)
    access.require_page(request.user, PLAN, mall)
    form = PlanForm(request.POST or None, today=mall.today())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                plan = planning.plan_create(
                    mall=mall,
                    starts_on=form.cleaned_data["starts_on"],
                    days=form.cleaned_data["days"],
                    seconds=form.cleaned_data["seconds"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("The plan is ready as a draft: check it, then publish.")
                )
                return redirect(_plan_url(plan.pk))
        status = 422
    context.update(form=form, plans=selectors_plans.plans_for_mall(mall))
    return render(request, "outreach/plans/list.html", context, status=status)


def _plan_villages(view) -> list[Region]:
    """The villages a rule can name on this page: those visited or left unserved."""
    seen: dict[str, Region] = {}
    for day in view.days:
        for visit in day.visits:
            seen.setdefault(visit.village_id, visit.village)
    for row in view.unserved:
        seen.setdefault(row.request.village_id, row.request.village)
    for rule in view.rules:
        seen.setdefault(rule.village_id, rule.village)
    return sorted(seen.values(), key=lambda r: (r.name, r.code))


def _page(request, plan: Plan, *, rule_form=None, status=200):
    view = selectors_plans.plan_view(plan)
    vehicles = selectors_plans.vehicles_for_mall(plan.mall)
    if rule_form is None:
        rule_form = RuleForm(villages=_plan_villages(view), vehicles=vehicles)
    context = {
        "mall": plan.mall,
        "plan": plan,
        "view": view,
        "rule_form": rule_form,
        "is_draft": plan.status == PlanStatus.DRAFT,
        "supersedes": selectors_plans.published_overlapping(plan)
        if plan.status == PlanStatus.DRAFT
        else [],
    }
    return render(request, "outreach/plans/plan.html", context, status=status)


@login_required
@never_cache
@require_GET
def plan(request, plan_id: int):
    """One plan per vehicle and day, the unserved with their reasons, the rules."""
    return _page(request, _plan(request, plan_id))


@login_required
@require_POST
def plan_publish(request, plan_id: int):
    """Publish the draft: the public schedule, the SMS to requesters, the reminders."""
    found = _plan(request, plan_id)
    try:
        publish.plan_publish(plan=found, actor=request.user)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The plan is published; the requesters will get an SMS."))
    return redirect(_plan_url(found.pk))


@login_required
@require_POST
def plan_discard(request, plan_id: int):
    """Delete a draft plan."""
    found = _plan(request, plan_id)
    try:
        publish.plan_discard(plan=found, actor=request.user)
    except DomainError as exc:
        _refused(request, exc)
        return redirect(_plan_url(found.pk))
    messages.success(request, _("The draft plan was discarded."))
    return redirect(_list_url(request, found.mall))


def _list_url(request, mall: Mall) -> str:
    url = reverse("outreach:plans")
    return f"{url}?mall={mall.code}" if access.is_national(request.user) else url


@login_required
@require_POST
def plan_replan(request, plan_id: int):
    """Plan the same days again (after a pin or an exclusion): a new draft."""
    found = _plan(request, plan_id)
    seconds = found.stats.get("seconds") if isinstance(found.stats, dict) else None
    extra = {"seconds": seconds} if isinstance(seconds, (int, float)) and seconds > 0 else {}
    try:
        new = planning.plan_create(
            mall=found.mall,
            starts_on=found.starts_on,
            days=(found.ends_on - found.starts_on).days + 1,
            actor=request.user,
            **extra,
        )
    except DomainError as exc:
        _refused(request, exc)
        return redirect(_plan_url(found.pk))
    messages.success(request, _("A new draft plan was made with the current rules."))
    return redirect(_plan_url(new.pk))


@login_required
@require_POST
def plan_rule_add(request, plan_id: int):
    """Pin a village to a day (optionally a vehicle) or exclude it, for the next plans."""
    found = _plan(request, plan_id)
    view = selectors_plans.plan_view(found)
    form = RuleForm(
        request.POST,
        villages=_plan_villages(view),
        vehicles=selectors_plans.vehicles_for_mall(found.mall),
    )
    if not form.is_valid():
        return _page(request, found, rule_form=form, status=422)
    data = form.cleaned_data
    try:
        planning.plan_rule_add(
            mall=found.mall,
            kind=data["kind"],
            village=data["village_obj"],
            date=data.get("date") if data["kind"] == PlanRule.Kind.PIN else None,
            vehicle=data["vehicle_obj"] if data["kind"] == PlanRule.Kind.PIN else None,
            note=data.get("note", ""),
            actor=request.user,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _page(request, found, rule_form=form, status=422)
    messages.success(request, _("The rule is saved. Re-plan to apply it."))
    return redirect(_plan_url(found.pk))


@login_required
@require_POST
def plan_rule_remove(request, plan_id: int, rule_id: int):
    """Remove a pin or an exclusion of the plan's mall."""
    found = _plan(request, plan_id)
    rule = (
        PlanRule.objects.filter(pk=rule_id, mall_id=found.mall_id).first()
        if rule_id < 2**63
        else None
    )
    if rule is None:
        raise Http404(_("Rule not found."))
    try:
        planning.plan_rule_remove(rule=rule, actor=request.user)
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The rule is removed. Re-plan to apply it."))
    return redirect(_plan_url(found.pk))
