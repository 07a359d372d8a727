"""REST errors: DRF's own shape, with CloudStack's code and text for service errors."""
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from apps.core.errors import CloudError
from cloudstack.celery import DATABASE_OUTAGE

STATUS = {401: 401, 431: 400, 432: 400, 531: 403, 533: 409, 534: 503, 536: 409, 537: 409}


def exception_handler(exc, context):
    if isinstance(exc, CloudError):
        return Response({"detail": exc.errortext, "errorcode": exc.errorcode}, status=STATUS.get(exc.errorcode, 500))
    if isinstance(exc, DATABASE_OUTAGE):
        return Response({"detail": "The data service is unavailable; retry in a few seconds"}, status=503,
                        headers={"Retry-After": "5"})
    return drf_handler(exc, context)
