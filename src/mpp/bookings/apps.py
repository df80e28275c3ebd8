"""Online booking (antrean online); its no-show sweep and the sweep of holds nobody
confirmed run in the `mpp worker` process."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NO_SHOW_SWEEP_SECONDS = 300
HOLD_SWEEP_SECONDS = 60


def _sweep_holds() -> int:
    from mpp.bookings.confirm import holds_expire

    return holds_expire()


def _sweep_no_shows() -> int:
    from mpp.bookings.services import bookings_mark_no_shows

    return bookings_mark_no_shows()


def _offering_bookable():
    from django.db.models import Exists, OuterRef

    from mpp.bookings.models import BookingPolicy

    return Exists(BookingPolicy.objects.filter(offering=OuterRef("pk"), is_enabled=True))


class BookingsConfig(AppConfig):
    name = "mpp.bookings"
    verbose_name = _("Online booking")

    def ready(self):
        from mpp.notifications.periodic import register_periodic

        # Bookings not checked in by the end of their slot plus the grace become no-shows.
        register_periodic("bookings.no_show_sweep", NO_SHOW_SWEEP_SECONDS, _sweep_no_shows)
        # Places held by bookings nobody confirmed with the SMS code go back to the quota
        # (reads that show or take places also do it, so this is not load-bearing).
        register_periodic("bookings.hold_sweep", HOLD_SWEEP_SECONDS, _sweep_holds)

        from mpp.bookings.survey_hook import survey_invite_booked
        from mpp.queueing.services import on_ticket_finished

        # A booked ticket's citizen gets the survey link by SMS when it is finished.
        on_ticket_finished(survey_invite_booked)

        from mpp.search.hooks import offering_bookable_register

        # The search's "book" step: an offering with an enabled booking policy.
        offering_bookable_register(_offering_bookable)
