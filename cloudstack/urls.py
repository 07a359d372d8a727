from django.contrib import admin
from django.urls import path

from apps.api.views import client_api

urlpatterns = [
    path("client/api", client_api, name="client-api"),
    path("admin/", admin.site.urls),
]
