"""The catalogue as pages and messages show it: a mall looked up for a page (404 when
unknown) and a service's fee written for citizens.

Why here: the kiosk, booking, search, complaint, consultation and assistant pages all
open a mall by the code in their address and show fees the same way; one copy keeps
their wording and their 404 the same.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from mpp.catalog.models import Mall
from mpp.catalog.selectors import mall_get


def mall_or_404(code: str) -> Mall:
    """The mall with this code, for a page; Http404 when there is none."""
    mall = mall_get(code)
    if mall is None:
        raise Http404(_("No mall with this code."))
    return mall


def fee_label(fee: int, *, varies: bool = False) -> str:
    """ "Free", the fee in Rupiah written the Indonesian way (Rp 50.000), or, when an
    amount is set per case (a tax, a retribution; Service.fee_varies), "Set per case" /
    "From Rp 50.000"."""
    amount = "Rp\u00a0" + f"{fee:,}".replace(",", ".")
    if varies:
        return _("From %(amount)s") % {"amount": amount} if fee else _("Set per case")
    return amount if fee else _("Free")
