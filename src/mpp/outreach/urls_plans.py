"""The manager's plan pages (outreach.views.plans), in the namespace "outreach"."""

from django.urls import path

from mpp.outreach.views import plans

urlpatterns = [
    path("staff/outreach/plans/", plans.plans, name="plans"),
    path("staff/outreach/plans/<int:plan_id>/", plans.plan, name="plan"),
    path("staff/outreach/plans/<int:plan_id>/publish/", plans.plan_publish, name="plan_publish"),
    path("staff/outreach/plans/<int:plan_id>/discard/", plans.plan_discard, name="plan_discard"),
    path("staff/outreach/plans/<int:plan_id>/replan/", plans.plan_replan, name="plan_replan"),
    path("staff/outreach/plans/<int:plan_id>/rules/", plans.plan_rule_add, name="plan_rule_add"),
    path(
        "staff/outreach/plans/<int:plan_id>/rules/<int:rule_id>/remove/",
        plans.plan_rule_remove,
        name="plan_rule_remove",
    ),
]
