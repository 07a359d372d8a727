"""Client side of the Fabric Monitoring component (``monitor`` queue)."""
import time

from django.conf import settings

from workers.rpc import send


def heartbeat(host_id, stats):
    """A compute agent's heartbeat for one host. A beat that waits in the queue longer than
    two intervals says nothing about now, so it expires there."""
    send("monitor", "host_heartbeat", host_id, stats, time.time(), expires=2 * settings.HOST_HEARTBEAT_S)


def host_investigated(host_id, verdict, investigator_id):
    send("monitor", "host_investigated", host_id, verdict, investigator_id)
