"""Django's own error answers (a bad Host header, a URL that names nothing, an unexpected
error) in the shape each API speaks: CloudStack's envelope under ``/client``, DRF's JSON
under ``/api/``, Django's pages elsewhere (the admin, the browsable UI's login)."""
from django.http import JsonResponse
from django.views import defaults

from apps.core.errors import CloudError

from .views import error_response

_TEXT = {400: "Bad request", 403: "Forbidden", 404: "No such endpoint", 500: "Internal error"}
_CLOUDSTACK_CODE = {400: 431, 403: 531, 404: 432, 500: 530}


def _json(request, status, fallback, *args):
    path = request.path or ""
    if path.startswith("/client"):
        return error_response(CloudError(_TEXT[status], _CLOUDSTACK_CODE[status]))
    if path.startswith("/api/") or path.startswith("/metrics"):
        return JsonResponse({"detail": _TEXT[status]}, status=status)
    return fallback(request, *args)


def bad_request(request, exception):
    return _json(request, 400, defaults.bad_request, exception)


def permission_denied(request, exception):
    return _json(request, 403, defaults.permission_denied, exception)


def page_not_found(request, exception):
    return _json(request, 404, defaults.page_not_found, exception)


def server_error(request):
    return _json(request, 500, defaults.server_error)
