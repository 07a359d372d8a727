"""Follow the message bus: ``manage.py events 'vm.#' 'host.state.*'`` prints each event that
matches, one JSON line each, as the component ``--component`` (default ``cli``) receives
them: its own durable queue on the ``javelin.events`` topic exchange."""
import json
import sys
import time

from django.core.management.base import BaseCommand

from apps.core import bus


class Command(BaseCommand):
    help = "Print the events of the message bus that match the routing keys given (topic patterns)."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="+", help="routing-key patterns, e.g. 'vm.#' or 'host.state.down'")
        parser.add_argument("--component", default="cli", help="subscribe as this component (its queue is shared)")
        parser.add_argument("--count", type=int, default=0, help="stop after this many events (0: never)")
        parser.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (0: never)")

    def handle(self, keys, component, count, timeout, **options):
        from cloudstack.celery import app

        deadline = time.monotonic() + timeout if timeout else None
        seen = 0
        with app.connection_for_read() as connection:
            queue = bus.subscribe(component, keys, connection)
            self.stderr.write(f"listening as {component} to {' '.join(keys)}")
            while (not count or seen < count) and (deadline is None or time.monotonic() < deadline):
                try:
                    message = queue.get(timeout=1.0)
                except queue.Empty:
                    continue
                print(json.dumps(message.payload), flush=True)
                message.ack()
                seen += 1
            queue.close()
        sys.stdout.flush()
