from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "apps.storage"
    label = "storage"

    def ready(self):
        # the domain's taggable objects, for apps.tags (imported here: the models must be loaded)
        from apps.tags.services import register_taggable  # noqa: PLC0415 - models loaded only now

        from .selectors import snapshots_visible_to, volumes_visible_to  # noqa: PLC0415 - models loaded only now

        register_taggable("Volume", volumes_visible_to)
        register_taggable("Snapshot", snapshots_visible_to)
