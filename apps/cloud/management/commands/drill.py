"""Load a component for a capacity drill: ``manage.py drill storage --count 60 --hold 0.5``
sends that many ``drill`` tasks to its queue; each holds a worker ``--hold`` seconds and
writes what ran where to ``<state>/drills/<token>.log``."""
import uuid

from django.core.management.base import BaseCommand, CommandError

from clients import send
from cloudstack.celery import COMPONENT_QUEUES


class Command(BaseCommand):
    help = "Send drill tasks (they hold a worker for a while) to a component's queue."

    def add_arguments(self, parser):
        # compute: the queue the simulators' agent serves (a KVM host's agent serves only its host's)
        parser.add_argument("component", choices=list(COMPONENT_QUEUES))
        parser.add_argument("--count", type=int, default=20)
        parser.add_argument("--hold", type=float, default=0.5, help="seconds each task holds its worker (at most 60)")
        parser.add_argument("--token", default="", help="names the drill's log; default: a new one")

    def handle(self, component, count, hold, token, **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        token = token or uuid.uuid4().hex[:12]
        ids = [send(component, "drill", token=token, hold_s=hold).id for _ in range(count)]
        self.stdout.write(f"{token} {len(ids)}")
