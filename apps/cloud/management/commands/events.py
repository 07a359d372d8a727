"""Follow the message bus: ``manage.py events 'vm.#' 'host.state.*'`` prints each event that
matches, one JSON line each, as the component ``--component`` (default ``cli``) receives
them: its own durable queue on the ``javelin.events`` topic exchange."""
import json
import sys
import time

from django.core.management.base import BaseCommand

from apps.core import bus
from cloudstack.celery import app


class Command(BaseCommand):
    help = "Print the events of the message bus that match the routing keys given (topic patterns)."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="+", help="routing-key patterns, e.g. 'vm.#' or 'host.state.down'")
        parser.add_argument("--component", default="cli", help="subscribe as this component (its queue is shared)")
        parser.add_argument("--count", type=int, default=0, help="stop after this many events (0: never)")
        parser.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (0: never)")

    def handle(self, keys, component, count, timeout, **options):
        deadline = time.monotonic() + timeout if timeout else None
        self.seen = 0
        lost = (OSError, *app.connection_for_read().connection_errors, *app.connection_for_read().channel_errors)
        while (not count or self.seen < count) and (deadline is None or time.monotonic() < deadline):
            try:
                self._follow(keys, component, count, deadline)
            except lost as exc:
                # the broker went away (a restart): the queue is durable, so nothing is missed
                self.stderr.write(f"broker connection lost ({exc}); reconnecting")
                time.sleep(1.0)
        sys.stdout.flush()

    def _follow(self, keys, component, count, deadline):
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=None, interval_start=0.5, interval_step=0.5, interval_max=3)
            queue = bus.subscribe(component, keys, connection)
            self.stderr.write(f"listening as {component} to {' '.join(keys)}")
            try:
                while (not count or self.seen < count) and (deadline is None or time.monotonic() < deadline):
                    try:
                        message = queue.get(timeout=1.0)
                    except queue.Empty:
                        continue
                    print(json.dumps(message.payload), flush=True)
                    message.ack()
                    self.seen += 1
            finally:
                try:
                    queue.close()
                except Exception:  # noqa: BLE001 - the connection is gone already
                    pass
