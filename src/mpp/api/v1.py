"""REST API v1 (django-ninja). Handlers stay thin: parse, authorise, call one service."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="MPP API",
    version="1.0.0",
    description="Mal Pelayanan Publik: catalogue, walk-in queue, display boards.",
    urls_namespace="api-v1",
)
