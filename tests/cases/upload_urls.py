"""A bare upload endpoint for tests/cases/test_documents.py's real-HTTP tests: the body
goes through uvicorn, the body guard and Django's multipart parser to document_add."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from mpp.cases.documents import document_add
from mpp.cases.models import Case
from mpp.core.errors import DomainError


@csrf_exempt
def take(request, number):
    case = Case.objects.get(number=number)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"code": "file_required"}, status=422)
    try:
        document = document_add(case=case, upload=upload, channel="web", actor_kind="citizen")
    except DomainError as exc:
        return JsonResponse({"code": exc.code}, status=exc.status)
    return JsonResponse({"id": document.pk}, status=201)


urlpatterns = [path("cases/<str:number>/documents/", take)]
