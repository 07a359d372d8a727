"""Run the whole platform under supervisord (what ``make run`` runs), in the foreground."""
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from cloudstack.processes import procfile, supervisord_conf


class Command(BaseCommand):
    help = ("Run every process of the Procfile under supervisord: a process that dies is restarted (with back-off "
            "if it dies at once) and the others go on; Ctrl-C stops them all.")

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="only these Procfile entries (default: all)")
        parser.add_argument("--conf-only", action="store_true", help="write the configuration, print its path, exit")

    def handle(self, names=(), conf_only=False, **options):
        unknown = set(names) - set(procfile())
        if unknown:
            self.stderr.write(f"not in the Procfile: {', '.join(sorted(unknown))}")
            sys.exit(2)
        state = Path(settings.STATE_DIR)
        (state / "logs").mkdir(parents=True, exist_ok=True)
        conf = state / "supervisord.conf"
        conf.write_text(supervisord_conf(state, Path(sys.executable).parent, list(names) or None))
        if conf_only:
            self.stdout.write(str(conf))
            return
        call_command("broker_janitor")  # before any consumer is up: only then is it safe
        supervisord = Path(sys.executable).parent / "supervisord"
        sys.stdout.flush()
        os.execv(str(supervisord), [str(supervisord), "-n", "-c", str(conf)])
