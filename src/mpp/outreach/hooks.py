"""What the mobile service registers into lower apps' hooks (periodic reminders, search,
the assistant): each part adds its registration here."""

# H1 (demand): asked about jemput bola, the assistant answers with the request form.
from django.urls import reverse  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from mpp.assistant.answers import Answer, Kind, Step  # noqa: E402
from mpp.assistant.engine import topic_register  # noqa: E402

OUTREACH_PHRASES = (
    "jemput bola",
    "layanan keliling",
    "pelayanan keliling",
    "mobil keliling",
    "mobile service",
    "mpp keliling",
)


def _outreach_answer(mall_id: int | None) -> Answer:
    """The assistant's answer about the mobile service: what it is and the form's link."""
    from mpp.catalog.models import Mall

    mall = Mall.objects.filter(pk=mall_id).first() if mall_id else None
    lines = [
        _(
            "The mall's mobile service (jemput bola) comes to villages with services, and "
            "to the homes of people who cannot travel: the elderly, the disabled, the sick "
            "and new mothers."
        )
    ]
    links = []
    if mall is not None:
        lines.append(_("Ask for a visit with this form; you get a tracking code."))
        url = reverse("outreach:request_new", args=[mall.code])
        links.append(Step(kind="outreach", label=_("Ask for the mobile service"), url=url))
    else:
        lines.append(_("Ask for a visit on the page of the mall of your kabupaten/kota."))
    url = reverse("outreach:request_track")
    links.append(Step(kind="outreach_track", label=_("Follow a request"), url=url))
    return Answer(kind=Kind.FOLLOW_UP, lines=tuple(lines), links=tuple(links))


topic_register(OUTREACH_PHRASES, _outreach_answer)
