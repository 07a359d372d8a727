from django.apps import AppConfig


class ComponentsConfig(AppConfig):
    name = "apps.components"
    label = "components"

    def ready(self):
        from . import signals  # noqa: F401, PLC0415 - Celery processes register themselves; needs the models loaded
