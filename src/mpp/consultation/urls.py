"""Page routes of the public consultation forum (Indonesian path segments, like /layanan/).

/m/<mall>/konsultasi/                              citizens: the mall's topics
/m/<mall>/konsultasi/<id>/                         one topic (vote, comment)
/m/<mall>/konsultasi/<id>/suara/                   POST a vote
/m/<mall>/konsultasi/<id>/komentar/                POST a comment
/m/<mall>/konsultasi/<id>/komentar/<c>/dukung/     POST support (support=0: take back)
/m/<mall>/konsultasi/kelola/                       managers: topics, moderation queue
/m/<mall>/konsultasi/kelola/baru/                  new draft
/m/<mall>/konsultasi/kelola/<id>/                  one topic's page for the manager
/m/<mall>/konsultasi/kelola/<id>/ubah/             edit a draft
/m/<mall>/konsultasi/kelola/<id>/<action>/         POST publish|extend|close|conclude|withdraw
/m/<mall>/konsultasi/kelola/komentar/<c>/          POST approve or reject a comment
"""

from django.urls import path

from mpp.consultation.views import manage, public

BASE = "m/<slug:mall>/konsultasi/"
STAFF = BASE + "kelola/"

urlpatterns = [
    path(BASE, public.topic_list, name="consultation-list"),
    path(BASE + "<int:topic_id>/", public.topic_detail, name="consultation-topic"),
    path(BASE + "<int:topic_id>/suara/", public.topic_vote, name="consultation-vote"),
    path(BASE + "<int:topic_id>/komentar/", public.topic_comment, name="consultation-comment"),
    path(
        BASE + "<int:topic_id>/komentar/<int:comment_id>/dukung/",
        public.comment_support,
        name="consultation-support",
    ),
    path(STAFF, manage.manage_home, name="consultation-manage"),
    path(STAFF + "baru/", manage.topic_new, name="consultation-new"),
    path(STAFF + "<int:topic_id>/", manage.topic_manage, name="consultation-manage-topic"),
    path(STAFF + "<int:topic_id>/ubah/", manage.topic_edit, name="consultation-edit"),
    path(
        STAFF + "komentar/<int:comment_id>/",
        manage.comment_moderate,
        name="consultation-moderate",
    ),
    path(
        STAFF + "<int:topic_id>/<slug:action>/",
        manage.topic_action,
        name="consultation-action",
    ),
]
