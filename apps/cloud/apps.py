from django.apps import AppConfig


class CloudConfig(AppConfig):
    """The cloud as a whole, above every domain: building a data center from a description,
    the first start (bootstrap), the commands that run the platform's processes."""

    name = "apps.cloud"
    label = "cloud"
