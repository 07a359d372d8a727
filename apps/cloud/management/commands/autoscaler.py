"""Run the autoscaler of the Service Framework (a process of its own, see Procfile)."""
import signal
import socket
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.components import services as discovery
from workers.autoscaler.launcher import LocalProcessLauncher
from workers.autoscaler.policy import parse
from workers.autoscaler.scaler import Autoscaler


class Command(BaseCommand):
    help = "Grow and shrink component workers with their queues' backlog (policy: JAVELIN_AUTOSCALE)."

    def handle(self, **options):
        try:
            policies = parse(settings.AUTOSCALE, settings.AUTOSCALE_DRAIN_S, settings.AUTOSCALE_COOLDOWN_S)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        launcher = LocalProcessLauncher(settings.STATE_DIR)
        node = f"autoscaler@{socket.gethostname()}"
        discovery.keep_registered("autoscaler", node, stop=stop)  # registered again if a peer forgot it
        self.stderr.write(f"{node} ready.")
        self.stderr.write("policy: " + (", ".join(f"{p.component} {p.minimum}..{p.maximum}" for p in policies) or "none"))
        try:
            Autoscaler(policies, launcher).run(settings.AUTOSCALE_INTERVAL_S, stop)
        finally:
            launcher.stop_all()
            discovery.unregister("autoscaler")

