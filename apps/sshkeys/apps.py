from django.apps import AppConfig


class SshkeysConfig(AppConfig):
    name = "apps.sshkeys"
    label = "sshkeys"
