"""Admin for the consultation forum: a read-only record, scoped to the mall.

Why: topics, comments and votes change only through mpp.consultation.services (state
checks, moderation, events), which the manager pages at /m/<mall>/konsultasi/kelola/
call. The admin shows the record for audits: what was asked, said and decided.
"""

from django.contrib import admin

from mpp.accounts.admin import MallScopedAdmin
from mpp.consultation.models import Comment, Topic, TopicChange


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TopicChangeInline(ReadOnly, admin.TabularInline):
    model = TopicChange
    fields = ["position", "description", "service"]
    extra = 0


@admin.register(Topic)
class TopicAdmin(ReadOnly, MallScopedAdmin):
    list_display = ["title", "kind", "status", "opens_at", "closes_at", "concluded_at", "mall"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    list_select_related = ["mall"]
    inlines = [TopicChangeInline]


@admin.register(Comment)
class CommentAdmin(ReadOnly, MallScopedAdmin):
    list_display = ["created_at", "topic", "display_name", "status", "moderated_by"]
    list_filter = ["status"]
    search_fields = ["body"]
    list_select_related = ["topic", "moderated_by"]
    exclude = ["author_key"]
    national_list_display = ()
    national_list_filter = ()
