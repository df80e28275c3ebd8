"""{% mall_hours mall %}: the mall's opening hours and whether it is open now, for any page.

Why a tag: the mall, service, phone-queue and assistant pages all show the same block
(catalog.hours), and their views belong to different apps.
"""

from django import template

from mpp.catalog.hours import closed_message, hours_state, week_hours, zone_abbr

register = template.Library()


@register.inclusion_tag("catalog/_hours.html")
def mall_hours(mall):
    state = hours_state(mall)
    return {
        "mall": mall,
        "hours": state,
        "closed_text": "" if state.is_open else closed_message(mall, state),
        "week": week_hours(mall),
        "zone": zone_abbr(mall.timezone),
    }
