"""Admin of the SKM, read only and scoped to a mall's staff (accounts.access).

Why read only: an answer is never edited or deleted (PermenPANRB 14/2017 counts what
citizens said), and invitations change only through mpp.surveys.services. The token
of an invitation is never shown: it would let staff answer in the citizen's place.
"""

from django.contrib import admin

from mpp.accounts.admin import MallScopedAdmin
from mpp.surveys.ikm import ELEMENTS
from mpp.surveys.models import SurveyInvitation, SurveyResponse


class ReadOnlyAdmin(MallScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "mall", "service", "booth", "expires_at", "answered_at"]
    list_filter = ["kind", "mall"]
    list_select_related = ["mall", "service", "booth"]
    date_hierarchy = "created_on"
    fields = [
        "kind",
        "transaction_id",
        "mall",
        "agency",
        "booth",
        "service",
        "counter",
        "province_code",
        "created_at",
        "created_on",
        "expires_at",
        "answered_at",
    ]
    readonly_fields = fields


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["submitted_on", "mall", "service", *[e.field for e in ELEMENTS], "channel"]
    list_filter = ["channel", "mall", "sex", "education", "occupation"]
    list_select_related = ["mall", "service"]
    date_hierarchy = "submitted_on"
    fields = [
        "submitted_on",
        "kind",
        "mall",
        "agency",
        "booth",
        "service",
        "province_code",
        *[e.field for e in ELEMENTS],
        "sex",
        "age",
        "education",
        "occupation",
        "comment",
        "channel",
    ]
    readonly_fields = fields
