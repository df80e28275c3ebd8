"""Staff routes of applications: the officer's work queue, one case and its steps,
recording a walk-in's application at the counter, and the manager's figures.

No app_name of its own: these routes join the citizen's (cases/urls.py) in the one
namespace "cases" (src/mpp/urls.py includes both lists together; two includes with the
same namespace would hide one another from reverse()). Case numbers in these paths sit
under "/cases/", which core.logsafe hides in logs."""

from django.urls import path

from mpp.cases.views import staff_case, staff_figures, staff_queue, staff_record

urlpatterns = [
    path("staff/cases/", staff_queue.staff_queue, name="staff_queue"),
    path("staff/cases/start/", staff_queue.staff_bulk, name="staff_bulk"),
    path("staff/cases/figures/", staff_figures.staff_figures, name="staff_figures"),
    path("staff/cases/record/", staff_record.staff_record, name="staff_record"),
    path("staff/cases/<str:number>/", staff_case.staff_case, name="staff_case"),
    path("staff/cases/<str:number>/step/", staff_case.staff_case_act, name="staff_case_act"),
    path("staff/cases/<str:number>/take/", staff_case.staff_case_assign, name="staff_case_assign"),
    path(
        "staff/cases/<str:number>/answers/",
        staff_case.staff_case_answers,
        name="staff_case_answers",
    ),
    path("staff/cases/<str:number>/files/", staff_case.staff_case_upload, name="staff_case_upload"),
    path(
        "staff/cases/<str:number>/files/<int:document_id>/",
        staff_case.staff_case_document,
        name="staff_case_document",
    ),
]
