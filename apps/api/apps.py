from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"

    def ready(self):
        # Each domain app declares its query-API commands in its own commands module.
        from . import registry

        registry.autodiscover()
