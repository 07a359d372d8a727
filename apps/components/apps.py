from django.apps import AppConfig


class ComponentsConfig(AppConfig):
    name = "apps.components"
    label = "components"

    def ready(self):
        from . import signals  # noqa: F401  (Celery processes register themselves)
