"""/favicon.ico: where browsers, bookmarks and crawlers look for the site's icon first.

Pages name their icons with <link rel="icon"> (web/_favicon.html); pages that cannot
(the admin, a JSON answer opened in a tab) and clients that ignore it ask for
/favicon.ico, which redirects to the static file (cached for a long time by WhiteNoise)
instead of logging a 404 on every visit.
"""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request):
    return HttpResponsePermanentRedirect(static("web/favicon.ico"))
