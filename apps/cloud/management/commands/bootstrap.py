import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.accounts.models import AccountType, CloudUser
from apps.accounts.services import ensure_user
from apps.cloud import datacenter
from apps.fabric.models import Zone
from cloudstack import secrets

SIMULATOR = Path(__file__).resolve().parents[2] / "datacenters" / "simulator.json"


class Command(BaseCommand):
    help = ("Create the root admin (password $JAVELIN_ADMIN_PASSWORD, else one generated on first start and kept in "
            "<state>/secrets.json; API keys) and, on an empty cloud, the simulator data center. The last line printed "
            "is the admin's API keys as JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--datacenter", default=str(SIMULATOR), help="JSON description to build when no zone exists")
        parser.add_argument("--no-datacenter", action="store_true", help="only create the admin")

    def handle(self, no_datacenter=False, **options):
        first = not CloudUser.objects.filter(username="admin").exists()
        password = secrets.value(settings.STATE_DIR, "admin_password", "JAVELIN_ADMIN_PASSWORD")
        admin = ensure_user("admin", "admin", AccountType.ROOT_ADMIN, password=password)
        if not no_datacenter and not Zone.objects.exists():
            with open(options["datacenter"]) as f:
                for line in datacenter.deploy(json.load(f)):
                    self.stderr.write(f"created {line}")
        where = secrets.path(settings.STATE_DIR)
        if first:  # shown once, when they are made; afterwards only where they are kept
            self.stdout.write("Credentials of this cloud (kept in %s, mode 0600):" % where)
            if not os.environ.get("JAVELIN_ADMIN_PASSWORD"):
                self.stdout.write(f"  admin password (login, Django admin, browsable API): {password}")
            self.stdout.write(f"  Flower ({settings.FLOWER_PORT}) basic auth: {secrets.flower_auth(settings.STATE_DIR)}")
            self.stdout.write(f"  /metrics bearer token: {settings.METRICS_TOKEN}")
        else:
            self.stdout.write(f"Credentials of this cloud: see {where}")
        self.stdout.write(json.dumps({"username": admin.username, "apikey": admin.api_key, "secretkey": admin.secret_key}))
