from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from . import lockout  # noqa: F401, PLC0415 - connects its login signal receivers once the models are loaded
