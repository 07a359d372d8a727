"""Host capacity (Fabric): which hosts have room, and taking or giving back room on one.

A reservation is one conditional UPDATE — ``allocated + need <= total * factor`` in the
WHERE clause — so it either takes the room or changes nothing, whatever other
orchestration workers do at the same moment. PostgreSQL re-checks the condition against
the newest row version after waiting on a concurrent update (READ COMMITTED); SQLite runs
writers one at a time. No host is ever over-committed, and no lock is held while choosing.
This is the narrow interface placement (``apps.compute.placement``) uses; it knows nothing
of VMs.
"""
import re

from django.db.models import F, Value
from django.db.models.functions import Cast

from apps.core import config

from .models import AllocationState, Cluster, Host, HostState, Pod

CPU, MEMORY = "cpu.overprovisioning.factor", "mem.overprovisioning.factor"  # cluster-scoped settings
CANDIDATES = 16  # hosts read per decision: the roomiest; a reservation that loses a race tries the next


def _total(field, setting, cluster_id=None):
    """``field`` times the over-provisioning ``setting`` in SQL: of ``cluster_id``'s when given,
    else of each row's cluster; the plain column when every factor is 1, so indexes apply."""
    if cluster_id is not None:
        factor = config.value(setting, cluster_id)
        if factor == 1:
            return field
        return Cast(field * Value(factor), output_field=Host.cpu_allocated_mhz.field)
    if config.value(setting) == 1 and not config.own_values(setting):
        return field
    return Cast(field * config.per_row(setting, "cluster_id"), output_field=Host.cpu_allocated_mhz.field)


def candidate_hosts(zone, cpu_mhz, memory_mb, prefer=None, tags=(), avoid=None, cluster=None):
    """Hosts of ``zone`` that are Up, Enabled, carry every one of ``tags``, are not in
    ``avoid`` and, as last read, have room; the roomiest first, at most CANDIDATES of them.

    The query walks the ``host_roomiest_in_zone`` index and stops at the first fits, so its
    cost does not grow with the number of hosts in the zone."""
    disabled_clusters = list(Cluster.objects.filter(zone=zone).exclude(allocation_state=AllocationState.ENABLED).values_list("pk", flat=True))
    disabled_pods = list(Pod.objects.filter(zone=zone).exclude(allocation_state=AllocationState.ENABLED).values_list("pk", flat=True))
    hosts = (
        Host.objects.filter(zone=zone, state=HostState.UP, resource_state=AllocationState.ENABLED)
        .exclude(cluster__in=disabled_clusters)
        .exclude(pod__in=disabled_pods)
        .annotate(
            cpu_free=_total(F("cpu_number") * F("cpu_speed"), CPU) - F("cpu_allocated_mhz"),
            memory_free=_total(F("memory_mb"), MEMORY) - F("memory_allocated_mb"),
        )
        .filter(cpu_free__gte=cpu_mhz, memory_free__gte=memory_mb)
        .order_by((F("memory_mb") - F("memory_allocated_mb")).desc(), "id")  # the host_roomiest_in_zone index
    )
    for tag in tags:
        hosts = hosts.filter(host_tags__regex=rf"(^|,)\s*{re.escape(tag)}\s*(,|$)")
    if avoid:
        hosts = hosts.exclude(pk__in=avoid)
    if cluster is not None:
        hosts = hosts.filter(cluster=cluster)
    candidates = list(hosts[:CANDIDATES])
    if prefer is not None and prefer.pk not in {h.pk for h in candidates}:
        candidates = list(hosts.filter(pk=prefer.pk)) + candidates
    candidates.sort(key=lambda h: prefer is None or h.pk != prefer.pk)
    return candidates


def try_reserve(host, cpu_mhz, memory_mb):
    """Take ``cpu_mhz``/``memory_mb`` on ``host`` if they still fit; True when taken."""
    taken = Host.objects.filter(
        pk=host.pk,
        state=HostState.UP,
        resource_state=AllocationState.ENABLED,
        cpu_allocated_mhz__lte=_total(F("cpu_number") * F("cpu_speed"), CPU, host.cluster_id) - cpu_mhz,
        memory_allocated_mb__lte=_total(F("memory_mb"), MEMORY, host.cluster_id) - memory_mb,
    ).update(cpu_allocated_mhz=F("cpu_allocated_mhz") + cpu_mhz, memory_allocated_mb=F("memory_allocated_mb") + memory_mb)
    return taken == 1




def give_back(host_id, cpu_mhz, memory_mb):
    """Return room taken on a host (a reservation that ends)."""
    Host.objects.filter(pk=host_id).update(cpu_allocated_mhz=F("cpu_allocated_mhz") - cpu_mhz,
                                           memory_allocated_mb=F("memory_allocated_mb") - memory_mb)
