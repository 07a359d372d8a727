"""The query API's URLs, plus ``/bench/zones``: listZones' JSON made the plain Django way (the
zones read by the ORM, rendered by the same function, JsonResponse), without signature,
command registry, throttling or transaction. What a signed listZones costs beyond it is the
API's own overhead."""
from django.http import JsonResponse
from django.urls import path

from apps.api.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401
from apps.fabric.models import Zone
from apps.fabric.responses import zone_response


def zones(request):
    items = [zone_response(zone) for zone in Zone.objects.order_by("id")]
    return JsonResponse({"listzonesresponse": {"count": len(items), "zone": items}})


urlpatterns = [*urlpatterns, path("bench/zones", zones)]
