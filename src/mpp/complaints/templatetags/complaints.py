"""{% complaints_overdue mall %}: the overdue complaints box on the manager's "today" page.

Why: the today page belongs to the queue; complaints must not be imported there, yet a
manager should see at a glance how many complaints are past a deadline. The tag reads
the count for the signed-in person (complaints.selectors.overdue_count) and links to
the complaint list filtered on overdue.
"""

from django import template

from mpp.complaints.selectors import overdue_count

register = template.Library()


@register.inclusion_tag("complaints/_overdue_box.html", takes_context=True)
def complaints_overdue(context, mall):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "mall": mall, "count": overdue_count(user, mall_id=mall.pk)}
