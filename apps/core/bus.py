"""Messaging events: state changes published on the ``javelin.events`` topic exchange.

Routing keys read ``<type>.<what>.<value>`` (``vm.state.running``). Each component binds
its own durable queue, ``javelin.events.<component>``, with the keys it wants: a key that
every component binds reaches all of them (broadcast), a key that one binds reaches that
one (unicast), and the processes of one component share its queue (competing consumers).
Publishing never fails the change that caused it: the event goes out after the commit. A
broker that is down does not lose it either: the message is kept in the outbox (a table of
the data service) and the relay publishes it when the broker is back, oldest first.
"""
import importlib
import logging

from django.db import transaction
from kombu import Queue, binding

from cloudstack.celery import EVENTS_EXCHANGE, app

from .models import OutboxMessage

log = logging.getLogger(__name__)
# a brief retry covers a broker connection that just dropped; longer outages go to the outbox
RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.3}


def _exchange():
    return EVENTS_EXCHANGE


def publish(routing_key, payload):
    """Publish once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send(routing_key, payload))


def send(routing_key, payload, connection=None):
    """Publish now, on ``connection`` or on a pooled connection of the Celery app; if the
    broker cannot take it, keep it in the outbox for the relay. True if published now."""
    message = {"event": routing_key, **payload}
    try:
        _publish(routing_key, message, connection)
        return True
    except Exception:  # noqa: BLE001 - an event must never break the operation that emitted it
        log.warning("could not publish event %s now; it waits in the outbox", routing_key, exc_info=True)
    try:
        OutboxMessage.objects.create(routing_key=routing_key, payload=message)
    except Exception:  # noqa: BLE001 - the database is down too: nothing left to keep it in
        log.error("event %s lost: neither the broker nor the data service could take it", routing_key, exc_info=True)
    return False


def _publish(routing_key, message, connection=None):
    options = {"exchange": _exchange(), "routing_key": routing_key, "declare": [_exchange()], "serializer": "json"}
    if connection is not None:
        connection.Producer().publish(message, retry=True, retry_policy=RETRY_POLICY, **options)
        return
    with app.producer_pool.acquire(block=True, timeout=2) as producer:
        producer.publish(message, retry=True, retry_policy=RETRY_POLICY, **options)


CALL = "call:"  # an outbox entry that is a component call, not an event


def keep_call(send, args):
    """A component call (``send(*args)``, a client function of ``workers.<component>.api``)
    that the broker could not take: the relay makes it when the broker is back."""
    OutboxMessage.objects.create(routing_key=f"{CALL}{send.__module__}.{send.__name__}", payload={"args": list(args)})


def _redo(routing_key, payload):
    if not routing_key.startswith(CALL):
        return _publish(routing_key, payload)
    module, _, name = routing_key[len(CALL):].rpartition(".")
    getattr(importlib.import_module(module), name)(*payload["args"])


def relay(limit=500):
    """Publish what waits in the outbox (events, and calls), oldest first; stop at the first
    failure (the broker is still down). Returns how many went out."""
    sent = 0
    for message in OutboxMessage.objects.order_by("id")[:limit]:
        try:
            _redo(message.routing_key, message.payload)
        except Exception:  # noqa: BLE001
            log.warning("outbox: the broker still refuses events (%s waiting)", OutboxMessage.objects.count())
            break
        OutboxMessage.objects.filter(pk=message.pk).delete()
        sent += 1
    return sent


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
