"""The mobile service's pages, in one namespace "outreach" (two includes of one namespace
would hide each other from reverse): demand, plans, the public schedule, the field app
and its sync endpoints."""

from mpp.outreach import urls_demand, urls_field_app, urls_field_sync, urls_plans, urls_public

app_name = "outreach"

urlpatterns = [
    *urls_demand.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_public.urlpatterns,
    *urls_field_sync.urlpatterns,
    *urls_field_app.urlpatterns,
]
