import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.accounts.models import AccountType
from apps.accounts.services import ensure_user
from apps.fabric import datacenter
from apps.fabric.models import Zone

SIMULATOR = Path(__file__).resolve().parents[3] / "fabric" / "datacenters" / "simulator.json"


class Command(BaseCommand):
    help = "Create the root admin (password $JAVELIN_ADMIN_PASSWORD, default 'password'; API keys) and, on an empty cloud, the simulator data center."

    def add_arguments(self, parser):
        parser.add_argument("--datacenter", default=str(SIMULATOR), help="JSON description to build when no zone exists")
        parser.add_argument("--no-datacenter", action="store_true", help="only create the admin")

    def handle(self, no_datacenter=False, **options):
        admin = ensure_user("admin", "admin", AccountType.ROOT_ADMIN, password=os.environ.get("JAVELIN_ADMIN_PASSWORD", "password"))
        if not no_datacenter and not Zone.objects.exists():
            with open(options["datacenter"]) as f:
                for line in datacenter.deploy(json.load(f)):
                    self.stderr.write(f"created {line}")
        self.stdout.write(json.dumps({"username": admin.username, "apikey": admin.api_key, "secretkey": admin.secret_key}))
