from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from . import keycache, lockout  # noqa: F401, PLC0415 - connect their signal receivers once the models are loaded
