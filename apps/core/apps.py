from django.apps import AppConfig

from cloudstack import querycount


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"

    def ready(self):
        querycount.install()  # only when a benchmark asks for it (JAVELIN_QUERY_COUNT_DIR)
