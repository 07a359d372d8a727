"""Messaging events: state changes published on the ``javelin.events`` topic exchange.

Routing keys read ``<type>.<what>.<value>`` (``vm.state.running``); a component binds its
own queue with the keys it wants, so one event can reach one component or every one.
Publishing never fails the change that caused it: the event goes out after the commit,
and a broker that is down costs a log line, not the operation.
"""
import logging

from django.db import transaction

log = logging.getLogger(__name__)


def publish(routing_key, payload):
    transaction.on_commit(lambda: _send(routing_key, payload))


def _send(routing_key, payload):
    from cloudstack.celery import EVENTS_EXCHANGE, app

    try:
        with app.producer_pool.acquire(block=True, timeout=2) as producer:
            producer.publish(
                {"event": routing_key, **payload},
                exchange=EVENTS_EXCHANGE,
                routing_key=routing_key,
                declare=[EVENTS_EXCHANGE],
                serializer="json",
                retry=False,
            )
    except Exception:  # noqa: BLE001 - an event must never break the operation that emitted it
        log.warning("could not publish event %s", routing_key, exc_info=True)
