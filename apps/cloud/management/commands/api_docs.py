from django.core.management.base import BaseCommand

from apps.api.docs import markdown


class Command(BaseCommand):
    help = "Print the query API's command reference (Markdown), written from the command registry."

    def handle(self, **options):
        self.stdout.write(markdown())
