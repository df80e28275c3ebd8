"""Page routes of the assistant: national, one mall, and one service of a mall.

"assistant" (mall, service) is the name the search's "Ask about it" step looks for
(mpp.search.selectors.ASSISTANT_URL_NAME)."""

from django.urls import path

from mpp.assistant import views

urlpatterns = [
    path("asisten/", views.chat, name="assistant-home"),
    path("m/<slug:mall>/asisten/", views.chat, name="assistant-mall"),
    path("m/<slug:mall>/asisten/<slug:service>/", views.ask, name="assistant"),
]
