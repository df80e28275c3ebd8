"""Page views. Each screen has its own module; this one holds the landing page."""

from django.shortcuts import render

from mpp.catalog.models import Mall


def home(request):
    malls = Mall.objects.filter(offerings__isnull=False).distinct()
    return render(request, "web/home.html", {"malls": malls})
