from django.apps import AppConfig


class ComputeConfig(AppConfig):
    name = "apps.compute"
    label = "compute"

    def ready(self):
        # the domain's taggable objects, for apps.tags (imported here: the models must be loaded)
        from apps.tags.services import register_taggable  # noqa: PLC0415 - models loaded only now

        from .selectors import vms_visible_to  # noqa: PLC0415 - models loaded only now

        register_taggable("UserVm", vms_visible_to)
