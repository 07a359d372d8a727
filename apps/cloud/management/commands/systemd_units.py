"""Write the systemd units of the platform, one per Procfile entry (``deploy/systemd``)."""
from pathlib import Path

from django.core.management.base import BaseCommand

from cloudstack.processes import ROOT, systemd_units


class Command(BaseCommand):
    help = "Write javelin-<name>.service for every Procfile entry, and javelin.target, into a directory."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(ROOT / "deploy" / "systemd"))
        parser.add_argument("--home", default="/opt/javelin", help="where the checkout (and its .venv) lives")
        parser.add_argument("--env-file", default="/etc/javelin/javelin.env")
        parser.add_argument("--user", default="javelin")

    def handle(self, out, home, env_file, user, **options):
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in systemd_units(home=home, env_file=env_file, user=user).items():
            (directory / name).write_text(text)
            self.stdout.write(str(directory / name))
