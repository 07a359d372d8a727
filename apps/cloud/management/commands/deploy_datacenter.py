import json

from django.core.management.base import BaseCommand

from apps.cloud import datacenter


class Command(BaseCommand):
    help = "Build zones, pods, clusters, hosts, storage, offerings and templates from a JSON description."

    def add_arguments(self, parser):
        parser.add_argument("description", help="path of the JSON description")

    def handle(self, description, **options):
        with open(description) as f:
            made = datacenter.deploy(json.load(f))
        for line in made:
            self.stdout.write(f"created {line}")
        if not made:
            self.stdout.write("nothing to create: everything described exists")
