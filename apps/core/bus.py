"""Messaging events: state changes published on the ``javelin.events`` topic exchange.

Routing keys read ``<type>.<what>.<value>`` (``vm.state.running``). Each component binds
its own durable queue, ``javelin.events.<component>``, with the keys it wants: a key that
every component binds reaches all of them (broadcast), a key that one binds reaches that
one (unicast), and the processes of one component share its queue (competing consumers).
Publishing never fails the change that caused it: the event goes out after the commit,
and a broker that is down costs a log line, not the operation.
"""
import logging

from django.db import transaction
from kombu import Queue, binding

log = logging.getLogger(__name__)


def _exchange():
    from cloudstack.celery import EVENTS_EXCHANGE

    return EVENTS_EXCHANGE


def publish(routing_key, payload):
    """Publish once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(routing_key, payload))


def send(routing_key, payload, connection=None):
    """Publish now, on ``connection`` or on a pooled connection of the Celery app."""
    from cloudstack.celery import app

    message = {"event": routing_key, **payload}
    options = {"exchange": _exchange(), "routing_key": routing_key, "declare": [_exchange()], "serializer": "json"}
    try:
        if connection is not None:
            connection.Producer().publish(message, **options)
            return
        with app.producer_pool.acquire(block=True, timeout=2) as producer:
            producer.publish(message, retry=False, **options)
    except Exception:  # noqa: BLE001 - an event must never break the operation that emitted it
        log.warning("could not publish event %s", routing_key, exc_info=True)


def component_queue(component, keys):
    """The event queue of ``component``, bound to each routing-key pattern in ``keys``."""
    return Queue(
        f"javelin.events.{component}",
        exchange=_exchange(),
        bindings=[binding(_exchange(), routing_key=key) for key in keys],
        durable=True,
    )


def subscribe(component, keys, connection):
    """A kombu SimpleQueue that yields the events ``component`` subscribed to."""
    queue = component_queue(component, keys)
    queue(connection.default_channel).declare()
    return connection.SimpleQueue(queue)
