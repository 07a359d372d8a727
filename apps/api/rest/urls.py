from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("pods", views.PodViewSet, basename="pod")
router.register("clusters", views.ClusterViewSet, basename="cluster")
router.register("hosts", views.HostViewSet, basename="host")
router.register("storage-pools", views.StoragePoolViewSet, basename="storagepool")
router.register("service-offerings", views.ServiceOfferingViewSet, basename="serviceoffering")
router.register("disk-offerings", views.DiskOfferingViewSet, basename="diskoffering")
router.register("templates", views.TemplateViewSet, basename="template")
router.register("vms", views.VirtualMachineViewSet, basename="vm")
router.register("volumes", views.VolumeViewSet, basename="volume")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("jobs", views.JobViewSet, basename="job")
router.register("events", views.EventViewSet, basename="event")
router.register("components", views.ComponentViewSet, basename="component")

urlpatterns = [
    # the live event stream, also without the router's trailing slash
    path("events/stream", views.EventStreamAlias.as_view({"get": "stream"}, **views.EventViewSet.stream.kwargs),
         name="event-stream"),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
