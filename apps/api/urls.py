from django.contrib import admin
from django.urls import include, path, re_path

from apps.api.metrics import metrics_view
from apps.api.site import landing, ui_file
from apps.api.views import client_api

urlpatterns = [
    path("client/api", client_api, name="client-api"),
    path("client/api/", client_api),  # where CloudStack's web UI sends its calls
    path("api/v1/", include("apps.api.rest.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("", landing, name="landing"),
    re_path(r"^(?P<path>(?!client/|api/|api-auth/|admin/|static/).+)$", ui_file),  # the web UI's files, if one is set
]

handler400 = "apps.api.errorpages.bad_request"
handler403 = "apps.api.errorpages.permission_denied"
handler404 = "apps.api.errorpages.page_not_found"
handler500 = "apps.api.errorpages.server_error"
