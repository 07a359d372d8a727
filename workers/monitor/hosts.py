"""Host liveness, as the Fabric Monitoring component sees it.

Each compute agent sends a heartbeat per host every ``HOST_HEARTBEAT_S`` seconds, with what
the hypervisor reports (capacity, free memory, running guests). :func:`check` runs on the
scheduler's beat: a host two beats late goes Up → Alert and a peer in its cluster is asked to
investigate (its agent checks the host's agent and its libvirt URI). Only the peer's "Down"
makes the host Down, which hands its VMs to :mod:`.ha`; a peer that still reaches the
hypervisor makes it Disconnected, with its guests left alone. Beats that resume bring the host
back Up, and any guest it still runs that the platform has placed elsewhere is fenced.
"""
import logging
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Q
from django.utils import timezone

from apps.compute.models import VirtualMachine
from apps.compute.selectors import stale_guests
from apps.core import config
from apps.events.models import AlertType
from apps.events.services import raise_alert
from apps.fabric.models import Host, HostState
from apps.fabric.services import set_host_state
from clients import compute
from cloudstack.celery import database_outages

from . import ha

log = logging.getLogger(__name__)

def interval():
    return config.value("ping.interval")


def _late_after():
    """Seconds without a beat after which a host is late: ``ping.timeout`` intervals."""
    return config.value("ping.timeout") * interval()


def _late_since(now):
    return now - timedelta(seconds=_late_after())


def heartbeat(host_id, stats, sent_at):
    """One heartbeat of ``host_id``, sent at ``sent_at`` (epoch seconds). Returns what it did:
    ``stale``, ``beat`` or ``back``.

    A beat is evidence that the host was alive when it was sent, so that is the time recorded
    (a busy monitor that reads it late does not make the host look older or younger than it
    is). A beat older than one already seen, or sent before an investigation of the host
    began, changes nothing: it says nothing about the host since."""
    host = Host.objects.filter(pk=host_id).first()
    if host is None:
        return "gone"
    sent = datetime.fromtimestamp(min(sent_at, time.time()), tz=dt_timezone.utc)
    if (host.last_pinged and sent <= host.last_pinged) or (host.investigated and sent < host.investigated):
        return "stale"
    running = list(stats.get("running", ()))
    fields = {"last_pinged": sent, "investigated": None, "stats": _summary(stats)}
    if stats.get("cpus"):
        fields.update(cpu_number=stats["cpus"], cpu_speed=stats["cpu_mhz"], memory_mb=stats["memory_mb"])
    outcome = "beat"
    if host.state == HostState.UP:
        Host.objects.filter(pk=host.pk).update(**fields)
    else:
        was = host.state
        set_host_state(host, HostState.UP, why=f"its heartbeats resumed (it was {was})", **fields)
        outcome = "back"
    VirtualMachine.objects.filter(host=host, instance_name__in=running, removed__isnull=True).update(last_seen=sent)
    stale = stale_guests(host, running)
    if stale:
        log.warning("host %s runs %s, which the platform has elsewhere or stopped: fencing", host.name, stale)
        compute.fence(host.pk, stale)
    return outcome


def _summary(stats):
    return {
        "cpus": stats.get("cpus"), "cpu_mhz": stats.get("cpu_mhz"), "memory_mb": stats.get("memory_mb"),
        "free_memory_mb": stats.get("free_memory_mb"), "cpu_used_percent": stats.get("cpu_used_percent"),
        "running": len(stats.get("running", ())), "at": timezone.now().isoformat(),
    }


_watching_since = None
_outages_seen = 0


def listen_again():
    """The monitor was away from its queue (its broker connection was lost and is back): the
    hosts' beats of meanwhile could not reach it, so it listens again before judging them."""
    global _watching_since
    _watching_since = None


def check():
    """Up hosts two beats late go to Alert; a peer investigates each host in Alert (again
    every two intervals while no beat comes). Returns the hosts acted on, by what was done.

    A monitor that has just (re)started first listens for two intervals: beats sent while
    it was away expired in its queue, and the hosts are not to blame for its absence."""
    global _watching_since, _outages_seen
    now = timezone.now()
    if _watching_since is None or database_outages() != _outages_seen:
        # (re)started, or back from a database outage: the beats of meanwhile could not be
        # recorded, and the hosts are not to blame for that
        _watching_since, _outages_seen = now, database_outages()
    if now - _watching_since < timedelta(seconds=_late_after()):
        return {"alert": [], "investigated": [], "listening": True}
    late = _late_since(now)
    alerted = []
    for host in Host.objects.filter(state=HostState.UP, last_pinged__lt=late).select_related("zone", "pod", "cluster"):
        age = (now - host.last_pinged).total_seconds()
        if set_host_state(host, HostState.ALERT, expected=[HostState.UP], why=f"no heartbeat for {age:.1f}s"):
            raise_alert(AlertType.ROUTING, f"Host {host.name} missed its heartbeats ({age:.1f}s); investigating",
                        zone=host.zone, pod=host.pod, cluster=host.cluster, host=host)
            alerted.append(host.name)
    investigated = []
    due = Q(investigated__isnull=True) | Q(investigated__lt=late)
    for host in Host.objects.filter(due, state__in=[HostState.ALERT, HostState.DISCONNECTED], last_pinged__lt=late):
        investigate(host, now)
        investigated.append(host.name)
    return {"alert": alerted, "investigated": investigated}


def investigate(host, now=None):
    """Ask an Up peer of ``host``'s cluster to check it. With no peer, nothing can tell a dead
    host from one cut off from us: it is Disconnected and its VMs are left as they are."""
    Host.objects.filter(pk=host.pk).update(investigated=now or timezone.now())
    peer = (Host.objects.filter(cluster=host.cluster_id, state=HostState.UP).exclude(pk=host.pk)
            .order_by("-last_pinged", "id").first())
    if peer is None:
        if set_host_state(host, HostState.DISCONNECTED, expected=[HostState.ALERT], why="no peer in its cluster can investigate"):
            raise_alert(AlertType.HOST, f"Host {host.name} stopped answering and no other host of cluster "
                        f"{host.cluster.name} can check it: its VMs are not restarted elsewhere",
                        zone=host.zone, pod=host.pod, cluster=host.cluster, host=host)
        return None
    compute.investigate(peer.pk, host.pk)
    return peer


def investigated(host_id, verdict, investigator_id):
    """A peer's verdict on ``host_id``: ``Up`` (its agent answered: the beats are only late,
    and the host is Up again),
    ``Disconnected`` (the hypervisor answers, the agent does not) or ``Down``."""
    host = Host.objects.filter(pk=host_id).select_related("zone", "pod", "cluster").first()
    peer = Host.objects.filter(pk=investigator_id).values_list("name", flat=True).first()
    if host is None or host.state not in (HostState.ALERT, HostState.DISCONNECTED):
        return "ignored"  # it beat again meanwhile, or was already decided
    if host.last_pinged and host.last_pinged >= _late_since(timezone.now()):
        return "ignored"
    if verdict == HostState.UP:
        # Its agent answered: the beats are late (a slow queue, a busy agent), not missing.
        # The answer counts as a sign of life; the host is usable again.
        set_host_state(host, HostState.UP, expected=[HostState.ALERT, HostState.DISCONNECTED],
                       why=f"{peer} reached its agent; its heartbeats were late", last_pinged=timezone.now(), investigated=None)
        return "late"
    if verdict == HostState.DISCONNECTED:
        if set_host_state(host, HostState.DISCONNECTED, expected=[HostState.ALERT],
                          why=f"{peer} reaches its hypervisor but not its agent"):
            raise_alert(AlertType.HOST, f"Host {host.name}: the hypervisor answers {peer} but its agent does not; "
                        "its VMs keep running and are not restarted elsewhere",
                        zone=host.zone, pod=host.pod, cluster=host.cluster, host=host)
        return "disconnected"
    if not set_host_state(host, HostState.DOWN, expected=[HostState.ALERT, HostState.DISCONNECTED],
                          why=f"{peer} cannot reach its agent nor its hypervisor"):
        return "ignored"
    report = ha.host_down(host)
    raise_alert(AlertType.HOST, f"Host {host.name} is Down ({peer} could not reach it): {len(report['restarted'])} "
                f"HA VM(s) restarting elsewhere, {len(report['stopped'])} VM(s) marked Stopped",
                zone=host.zone, pod=host.pod, cluster=host.cluster, host=host)
    return "down"
