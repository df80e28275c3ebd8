"""Page routes of the SKM: the citizen's survey, the counter's tablet, the mall's public IKM.

Address segments are Indonesian like the other citizen pages (/m/<mall>/layanan/).
The counter's tablet sits under /console/<counter_id>/ beside the officer console.
"""

from django.urls import path

from mpp.surveys.views import citizen, public, tablet

urlpatterns = [
    path("survei/<str:token>/", citizen.survey_page, name="survey"),
    path("survei/<str:token>/selesai/", citizen.survey_thanks, name="survey-thanks"),
    path("console/<int:counter_id>/survei/", tablet.tablet, name="survey-tablet"),
    path("m/<slug:mall>/ikm/", public.mall_ikm, name="mall-ikm"),
]
