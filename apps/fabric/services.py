"""Building the data center: zones, pods, clusters, hosts, storage pools.

Simulated hosts get a libvirt node description of their own (CPUs, memory) and the URI
``test://<that file>``, so each is a separate hypervisor with its own capacity and domains
(or, for unit tests, a ``fake://`` URI of the in-memory hypervisor).
"""
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core import urlpolicy
from apps.core.errors import InvalidState, ParamError
from apps.events.models import EventLevel
from apps.events.services import state_changed
from apps.jobs import services as jobs
from apps.jobs.services import on_commit_quietly
from clients import compute

from .models import Cluster, Host, HostState, HypervisorType, Pod, ResourceState, StoragePool, Zone

NODE_XML = """<node>
  <cpu><mhz>{mhz}</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets><cores>{cpus}</cores><threads>1</threads><active>{cpus}</active></cpu>
  <memory>{memory_kib}</memory>
</node>
"""


def simulator_uri(name, cpu_number, cpu_speed, memory_mb, directory=None):
    """The URI of a new simulated host (see ``SIMULATED_HOSTS``)."""
    if settings.SIMULATED_HOSTS == "memory":
        return f"fake://{name}?cpus={cpu_number}&mhz={cpu_speed}&memory={memory_mb}"
    directory = Path(directory or settings.SIMULATOR_DIR) / "hosts"
    directory.mkdir(parents=True, exist_ok=True)
    node = directory / f"{name}.xml"
    node.write_text(NODE_XML.format(mhz=cpu_speed, cpus=cpu_number, memory_kib=memory_mb * 1024))
    return f"test://{node.resolve()}"


@transaction.atomic
def create_zone(name, **fields):
    return Zone.objects.create(name=name, **fields)


def create_pod(zone, name, **fields):
    return Pod.objects.create(zone=zone, name=name, **fields)


def add_cluster(pod, name, hypervisor):
    return Cluster.objects.create(pod=pod, zone=pod.zone, name=name, hypervisor=hypervisor)


def add_host(cluster, name, cpu_number, cpu_speed, memory_mb, url=None, host_tags=""):
    if cluster.hypervisor == HypervisorType.SIMULATOR and not url:
        url = simulator_uri(f"{cluster.zone.name}-{name}", cpu_number, cpu_speed, memory_mb)
    return Host.objects.create(
        zone=cluster.zone,
        pod=cluster.pod,
        cluster=cluster,
        name=name,
        hypervisor=cluster.hypervisor,
        url=url,
        cpu_number=cpu_number,
        cpu_speed=cpu_speed,
        memory_mb=memory_mb,
        host_tags=host_tags,
    )


def create_storage_pool(zone, name, capacity_bytes, path=None, cluster=None, libvirt_uri=""):
    path = path or str(Path(settings.SIMULATOR_DIR) / "pools" / f"{zone.name}-{name}")
    Path(path).mkdir(parents=True, exist_ok=True)
    return StoragePool.objects.create(
        zone=zone,
        pod=cluster.pod if cluster else None,
        cluster=cluster,
        scope="CLUSTER" if cluster else "ZONE",
        name=name,
        path=path,
        capacity_bytes=capacity_bytes,
        pool_type="LibvirtDir" if libvirt_uri else "Filesystem",
        libvirt_uri=libvirt_uri,
    )


def pool_in_use(pool):
    """Whether volumes not yet expunged (their files still there) are on ``pool``; those
    expunged let go of it."""
    live = pool.volumes.exclude(state="Expunged")
    if live.exists():
        return True
    pool.volumes.update(pool=None)
    return False


def parse_host_url(cluster, url):
    """(name, capacity or None) of an addHost URL, or ParamError: ``simulator://<name>?cpunumber=
    ..&cpuspeed=..&memory=..`` names a simulated host; anything else must be a libvirt URI
    (``qemu:///system``, ``qemu+ssh://h/system``)."""
    parsed = urlparse(url)
    capacity = None
    if parsed.scheme == "simulator":
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        name = parsed.netloc or parsed.path.strip("/")
        try:
            capacity = int(query.get("cpunumber", 8)), int(query.get("cpuspeed", 2000)), int(query.get("memory", 16384))
        except ValueError:
            raise ParamError(f"Invalid simulator URL {url}") from None
        if not name:
            raise ParamError(f"Invalid simulator URL {url}: it needs a host name")
    else:
        urlpolicy.hypervisor_uri(url)
        name = parsed.hostname or "localhost"  # qemu:///system: the hypervisor of this machine
    if Host.objects.filter(zone=cluster.zone, name=name).exists():
        raise ParamError(f"A host named {name} already exists in zone {cluster.zone.name}")
    return name, capacity


def add_host_by_url(cluster, url, host_tags=""):
    """addHost (the command and the Django admin): a host from its URL (see
    :func:`parse_host_url`). It is Connecting until its compute agent has opened it and read
    its capacity; the agent is asked to once this transaction commits."""
    name, capacity = parse_host_url(cluster, url)
    if capacity is not None:
        cpus, speed, memory = capacity
        url = simulator_uri(f"{cluster.zone.name}-{name}", cpus, speed, memory)
    else:
        cpus = speed = memory = 0
    host = add_host(cluster, name, cpus, speed, memory, url=url, host_tags=host_tags)
    set_host_state(host, HostState.CONNECTING, why="it was added; waiting for its compute agent")
    on_commit_quietly(compute.connect_host, host.pk)
    return host


# Host states as CloudStack has them; the event type of entering each.
HOST_EVENT_TYPES = {HostState.UP: "HOST.UP", HostState.ALERT: "HOST.ALERT", HostState.DOWN: "HOST.DOWN",
                    HostState.CONNECTING: "HOST.RECONNECT", HostState.DISCONNECTED: "HOST.DISCONNECT"}


def set_host_state(host, state, expected=None, why="", **fields):
    """Move ``host`` to ``state`` if it is in one of ``expected`` (any state by default),
    saving ``fields`` in the same UPDATE. A change of state is persisted and published as an
    event; True if the host was moved (or already there)."""

    rows = Host.objects.filter(pk=host.pk)
    if expected is not None:
        rows = rows.filter(state__in=list(expected))
    previous = rows.values_list("state", flat=True).first()
    if previous is None or not rows.filter(state=previous).update(state=state, **fields):
        host.refresh_from_db()
        return False
    host.refresh_from_db()
    if previous != state:
        state_changed("host", host.uuid, state, previous=previous, event_type=HOST_EVENT_TYPES[state],
                      description=f"Host {host.name} is {state} (was {previous})" + (f": {why}" if why else ""),
                      level=EventLevel.INFO if state == HostState.UP else EventLevel.WARN,
                      extra={"zoneid": host.zone.uuid_str, "clusterid": host.cluster.uuid_str})
    return True


def host_connected(host, cpus, mhz, memory_mb):
    """The compute agent reached the hypervisor: its capacity as the hypervisor reports it."""

    set_host_state(host, HostState.UP, why="its compute agent connected", cpu_number=cpus, cpu_speed=mhz,
                   memory_mb=memory_mb, last_pinged=timezone.now(), investigated=None)


def host_unreachable(host):
    set_host_state(host, HostState.ALERT, expected=[HostState.UP, HostState.CONNECTING],
                   why="its compute agent could not open the hypervisor")


def capacity(zone, pod=None, cluster=None):
    """CloudStack's capacity rows of the zone's hosts and pools (of one pod or cluster when
    given): memory (0), CPU (1) and storage allocated (3)."""
    scope = {"pod": pod} if pod else {"cluster": cluster} if cluster else {}
    zone_hosts = Host.objects.filter(zone=zone, **scope)
    hosts = zone_hosts.aggregate(mem=Sum("memory_mb"), mem_used=Sum("memory_allocated_mb"), cpu_used=Sum("cpu_allocated_mhz"))
    cpu_total = sum(h.cpu_total_mhz for h in zone_hosts.only("cpu_number", "cpu_speed"))
    pools = StoragePool.objects.filter(zone=zone, **scope).aggregate(total=Sum("capacity_bytes"), used=Sum("allocated_bytes"))
    where = {"zone": zone, "pod": pod, "cluster": cluster}
    return [
        {"type": 0, **where, "used": (hosts["mem_used"] or 0) * 1024 * 1024, "total": (hosts["mem"] or 0) * 1024 * 1024},
        {"type": 1, **where, "used": hosts["cpu_used"] or 0, "total": cpu_total},
        {"type": 3, **where, "used": pools["used"] or 0, "total": pools["total"] or 0},
    ]


def prepare_for_maintenance(job, host):
    """prepareHostForMaintenance: the host leaves placement now (PrepareForMaintenance); its
    flow migrates its running VMs away, then the host is in Maintenance."""
    if host.resource_state not in (ResourceState.ENABLED, ResourceState.DISABLED, ResourceState.ERROR_IN_MAINTENANCE):
        raise InvalidState(f"Host {host.name} is {host.resource_state}; it cannot be prepared for maintenance")
    Host.objects.filter(pk=host.pk).update(resource_state=ResourceState.PREPARE_FOR_MAINTENANCE)
    return jobs.run_flow(job, "Host", host)


def cancel_maintenance(host):
    """cancelHostMaintenance: the host takes VMs again."""
    if host.resource_state not in (ResourceState.MAINTENANCE, ResourceState.ERROR_IN_MAINTENANCE,
                                   ResourceState.PREPARE_FOR_MAINTENANCE):
        raise InvalidState(f"Host {host.name} is not in maintenance")
    Host.objects.filter(pk=host.pk).update(resource_state=ResourceState.ENABLED)
    host.refresh_from_db()
    return host
