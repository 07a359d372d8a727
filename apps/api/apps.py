from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"

    def ready(self):
        # Each domain app declares its query-API commands in its own commands module; the
        # API's own (listApis ...) are here. Imported once every app is loaded.
        from apps.core import registry  # noqa: PLC0415 - inline: the app registry must be ready first

        registry.autodiscover()
