"""What the broker says about the component queues: messages waiting and consumers
attached (a passive declare: it never creates a queue). RabbitMQ counts both; the
server-less fsatomic:// transport counts messages and knows no consumers (None)."""
from apps.fabric.models import Host
from clients.compute import host_queue
from cloudstack.celery import COMPONENT_QUEUES, app


def component_queues():
    """The queues of the platform: one per component, one per hypervisor host."""

    return list(COMPONENT_QUEUES) + [host_queue(pk) for pk in Host.objects.order_by("id").values_list("pk", flat=True)]


def queue_stats(names, connection=None):
    """``{queue: {"messages": int, "consumers": int | None}}`` for each queue that exists."""

    owned = connection is None
    connection = connection or app.connection_for_read()
    stats = {}
    try:
        counts_consumers = connection.transport.driver_type == "amqp"
        for name in names:
            # a channel per queue: AMQP closes a channel whose passive declare finds no queue
            channel = connection.channel()
            try:
                _, messages, consumers = channel.queue_declare(queue=name, passive=True)
            except Exception as exc:  # noqa: BLE001
                if getattr(exc, "code", None) != 404 and "NOT_FOUND" not in str(exc):
                    raise
                continue  # not declared yet: nothing waits in it
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: BLE001 - already closed by the broker
                    pass
            stats[name] = {"messages": messages, "consumers": consumers if counts_consumers else None}
    finally:
        if owned:
            connection.release()
    return stats
