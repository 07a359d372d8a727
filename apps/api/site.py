"""What ``/`` shows: Apache CloudStack's web UI when one is configured (``JAVELIN_UI_DIR``,
a built ``dist/`` directory, served from this origin so that its calls to ``/client/api/``
reach this API), else a small page that names the endpoints."""
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpResponse
from django.utils.html import escape
from django.views.static import serve

ENDPOINTS = (
    ("/client/api", "CloudStack query API (signed calls or a login session; CloudMonkey, cs, Libcloud, Ansible)"),
    ("/api/v1/", "REST API, browsable in a web browser"),
    ("/api/v1/schema/swagger-ui/", "REST API reference (Swagger UI)"),
    ("/admin/", "Django admin"),
    ("/metrics", "Prometheus metrics (bearer token)"),
)


def ui_dir():
    """The configured UI's directory, if it holds a built UI."""
    if not settings.UI_DIR:
        return None
    path = Path(settings.UI_DIR)
    return path if (path / "index.html").is_file() else None


def landing(request):
    root = ui_dir()
    if root is not None:
        return ui_file(request, "index.html")
    flower = f"http://127.0.0.1:{settings.FLOWER_PORT}/"
    rows = "".join(f'<li><a href="{href}"><code>{href}</code></a> &mdash; {escape(what)}</li>' for href, what in ENDPOINTS)
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Javelin</title></head><body>"
        "<h1>Javelin</h1><p>A cloud control plane that speaks the CloudStack API.</p>"
        f"<ul>{rows}<li><a href='{flower}'><code>{flower}</code></a> &mdash; Flower (the task queues; on this "
        "machine only)</li></ul>"
        "<p>No web UI is configured: set <code>JAVELIN_UI_DIR</code> to a built Apache CloudStack UI "
        "(<code>dist/</code>) to have it served here.</p></body></html>"
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")


def ui_file(request, path):
    """One file of the UI (Django's static serve keeps the path inside the directory)."""
    root = ui_dir()
    if root is None:
        raise Http404("no UI is configured")
    try:
        response = serve(request, path or "index.html", document_root=str(root))
    except SuspiciousFileOperation:
        raise Http404("no such file") from None  # a path that leaves the UI's directory names nothing
    if path in ("", "index.html", "config.json"):
        response["Cache-Control"] = "no-cache"  # the rest carry content hashes in their names
    return response
