"""Client of the Fabric Monitoring component (``monitor`` queue)."""
import time

from django.conf import settings

from . import send


def heartbeat(host_id, stats):
    """A compute agent's heartbeat for one host, stamped with when it was sent. One that has
    waited in the queue for five intervals is of no use any more, and expires there."""
    send("monitor", "host_heartbeat", options={"expires": 5 * settings.HOST_HEARTBEAT_S}, host_id=host_id, stats=stats,
         sent_at=time.time())


def host_investigated(host_id, verdict, investigator_id):
    send("monitor", "host_investigated", host_id=host_id, verdict=verdict, investigator_id=investigator_id)
