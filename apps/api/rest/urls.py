"""The REST API under /api/v1/: one module per domain (its serializers and viewsets), the
OpenAPI schema and its browsable docs."""
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from . import catalog, components, compute, events, fabric, jobs, network, storage
from .schema import ApiKeyScheme  # noqa: F401  (registers the API key scheme in the OpenAPI schema)

router = DefaultRouter()
router.register("zones", fabric.ZoneViewSet, basename="zone")
router.register("pods", fabric.PodViewSet, basename="pod")
router.register("clusters", fabric.ClusterViewSet, basename="cluster")
router.register("hosts", fabric.HostViewSet, basename="host")
router.register("storage-pools", fabric.StoragePoolViewSet, basename="storagepool")
router.register("service-offerings", catalog.ServiceOfferingViewSet, basename="serviceoffering")
router.register("disk-offerings", catalog.DiskOfferingViewSet, basename="diskoffering")
router.register("templates", catalog.TemplateViewSet, basename="template")
router.register("vms", compute.VirtualMachineViewSet, basename="vm")
router.register("volumes", storage.VolumeViewSet, basename="volume")
router.register("networks", network.NetworkViewSet, basename="network")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("events", events.EventViewSet, basename="event")
router.register("components", components.ComponentViewSet, basename="component")

urlpatterns = [
    # the live event stream, also without the router's trailing slash
    path("events/stream", events.EventStreamAlias.as_view({"get": "stream"}, **events.EventViewSet.stream.kwargs),
         name="event-stream"),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
