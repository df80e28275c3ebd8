"""Public page routes of applications (MPP Digital), namespace "cases".

The citizen's case pages are /cases/<number>/...: the number is the citizen's key, so
core.logsafe hides the segment after /cases/ in every log line, and the pages open only
for the browser that proved the case (mpp.cases.citizen_session). The NIK, the phone
and the number never travel in a query string: opening a case is a POST form.
"/cases/open/" comes before "/cases/<number>/" ("open" is no application number).
"""

from django.urls import path

from mpp.cases.views import citizen_apply, citizen_case

app_name = "cases"

urlpatterns = [
    path("m/<slug:mall_code>/apply/", citizen_apply.apply_list, name="apply_list"),
    path(
        "m/<slug:mall_code>/apply/<slug:service_code>/",
        citizen_apply.apply_start,
        name="apply_start",
    ),
    path("cases/open/", citizen_case.open_case, name="open"),
    path("cases/<str:number>/", citizen_case.citizen_case, name="citizen_case"),
    path("cases/<str:number>/form/", citizen_apply.citizen_form, name="citizen_form"),
    path(
        "cases/<str:number>/documents/",
        citizen_apply.citizen_documents_page,
        name="citizen_documents",
    ),
    path("cases/<str:number>/review/", citizen_apply.citizen_review, name="citizen_review"),
    path("cases/<str:number>/withdraw/", citizen_case.citizen_withdraw, name="citizen_withdraw"),
    path(
        "cases/<str:number>/files/<int:document_id>/",
        citizen_case.citizen_document,
        name="citizen_document",
    ),
]
