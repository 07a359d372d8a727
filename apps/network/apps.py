from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "apps.network"
    label = "network"

    def ready(self):
        # the domain's taggable objects, for apps.tags (imported here: the models must be loaded)
        from apps.tags.services import register_taggable  # noqa: PLC0415 - models loaded only now

        from .selectors import networks_visible_to, public_ips_visible_to, security_groups_visible_to  # noqa: PLC0415 - models loaded only now

        register_taggable("Network", networks_visible_to)
        register_taggable("PublicIpAddress", public_ips_visible_to)
        register_taggable("SecurityGroup", security_groups_visible_to)
