"""CloudStack's metrics views (its ``metrics`` plugin): each ``list<X>Metrics`` is ``list<X>``
(the same parameters, filters and paging: that use case is not written twice) with figures
added to each item, from the data service's allocations and the hosts' last heartbeats; and
``listInfrastructure``, the counts behind the UI's Infrastructure summary.

Thresholds are CloudStack's defaults: a figure past 75% is flagged (``...threshold``), past 85%
it is where CloudStack stops allocating (``...disablethreshold``)."""
from django.db.models import Count, Q

from apps.components.services import live
from apps.compute.models import VirtualMachine
from apps.compute.states import VmState
from apps.core.registry import REGISTRY, ROOT_ADMIN, USER, command
from apps.events.models import Alert
from apps.fabric.models import Cluster, Host, HostState, Pod, StoragePool, Zone
from apps.network.models import GuestNetwork, NetworkType

NOTIFY, DISABLE = 0.75, 0.85
GIB = 1024 ** 3


def _ghz(mhz):
    return f"{mhz / 1000.0:.2f} Ghz"


def _gb(count_bytes):
    return f"{count_bytes / GIB:.2f} GB"


def _percent(part, whole):
    return f"{(100.0 * part / whole) if whole else 0.0:.2f}%"


def _flags(prefix, used, allocated, total):
    """CloudStack's four threshold flags of one resource (cpu or memory)."""
    used_share = used / total if total else 0.0
    allocated_share = allocated / total if total else 0.0
    return {f"{prefix}threshold": used_share > NOTIFY, f"{prefix}disablethreshold": used_share > DISABLE,
            f"{prefix}allocatedthreshold": allocated_share > NOTIFY,
            f"{prefix}allocateddisablethreshold": allocated_share > DISABLE}


def _host_figures(host):
    """(cpu total MHz, cpu used MHz, memory total bytes, memory used bytes) of a host: used as
    its hypervisor last reported it (nothing reported counts as nothing used)."""
    stats = host.stats or {}
    cpu_total = host.cpu_total_mhz
    cpu_used = cpu_total * float(stats.get("cpu_used_percent") or 0.0) / 100.0
    memory_total = host.memory_mb * 1024 * 1024
    free = stats.get("free_memory_mb")
    memory_used = max(host.memory_mb - free, 0) * 1024 * 1024 if free is not None else 0
    return cpu_total, cpu_used, memory_total, memory_used


def _by_uuid(model, items, **related):
    return {o.uuid_str: o for o in model.objects.filter(uuid__in=[i["id"] for i in items]).select_related(*related)}


def _metrics_of(base_name, name, key, add, access=ROOT_ADMIN):
    """Declare ``name`` as ``base_name`` plus figures: ``add(items)`` completes its items."""
    base = REGISTRY[base_name]

    @command(name, params=base.params, access=access, description=f"{base.description.rstrip('.')}, with their metrics",
             cmd_class=f"org.apache.cloudstack.api.{name[0].upper()}{name[1:]}Cmd", response=(key,))
    def handler(call):
        body = base.handler(call)
        if body.get(key):
            add(body[key])
        return body

    return handler


# --- hosts -----------------------------------------------------------------------------------------
def _add_host_metrics(items):
    hosts = _by_uuid(Host, items)
    instances = dict(VirtualMachine.objects.filter(host__in=hosts.values(), state=VmState.RUNNING, removed__isnull=True)
                     .values_list("host_id").annotate(n=Count("id")))
    for item in items:
        host = hosts[item["id"]]
        cpu_total, cpu_used, memory_total, memory_used = _host_figures(host)
        cpu_allocated, memory_allocated = host.cpu_allocated_mhz, host.memory_allocated_mb * 1024 * 1024
        item.update({
            "powerstate": "Disabled",  # no out-of-band management here
            "instances": str(instances.get(host.pk, 0)), "systeminstances": "0",
            "cputotalghz": _ghz(cpu_total), "cpuusedghz": _ghz(cpu_used), "cpuallocatedghz": _ghz(cpu_allocated),
            "memorytotalgb": _gb(memory_total), "memoryusedgb": _gb(memory_used), "memoryallocatedgb": _gb(memory_allocated),
            "cpuused": _percent(cpu_used, cpu_total), "networkread": "0.00 GB", "networkwrite": "0.00 GB",
            **_flags("cpu", cpu_used, cpu_allocated, cpu_total),
            **_flags("memory", memory_used, memory_allocated, memory_total),
        })


_metrics_of("listHosts", "listHostsMetrics", "host", _add_host_metrics)


# --- zones and clusters: their hosts summed ----------------------------------------------------------
def _sums(hosts):
    figures = [_host_figures(host) for host in hosts]
    cpu_total, cpu_used, memory_total, memory_used = (sum(column) for column in zip(*figures)) if figures else (0, 0, 0, 0)
    cpu_allocated = sum(host.cpu_allocated_mhz for host in hosts)
    memory_allocated = sum(host.memory_allocated_mb for host in hosts) * 1024 * 1024
    return {
        "cputotal": _ghz(cpu_total), "cpuused": _percent(cpu_used, cpu_total),
        "cpuallocated": _percent(cpu_allocated, cpu_total),
        "cpumaxdeviation": _deviation([cu / ct if ct else 0.0 for ct, cu, _mt, _mu in figures]),
        "memorytotal": _gb(memory_total), "memoryused": _percent(memory_used, memory_total),
        "memoryallocated": _percent(memory_allocated, memory_total),
        "memorymaxdeviation": _deviation([mu / mt if mt else 0.0 for _ct, _cu, mt, mu in figures]),
        **_flags("cpu", cpu_used, cpu_allocated, cpu_total), **_flags("memory", memory_used, memory_allocated, memory_total),
    }


def _deviation(shares):
    """CloudStack's max deviation: how far the most used host (its share used) is above the
    average, in %."""
    if not shares:
        return "0.00%"
    average = sum(shares) / len(shares)
    return f"{100.0 * (max(shares) - average):.2f}%"


def _add_zone_metrics(items):
    zones = _by_uuid(Zone, items)
    hosts = list(Host.objects.filter(zone__in=zones.values()))
    clusters = dict(Cluster.objects.filter(zone__in=zones.values()).values_list("zone_id").annotate(n=Count("id")))
    for item in items:
        zone = zones[item["id"]]
        item.update({"state": "Enabled" if zone.allocation_state == "Enabled" else "Disabled",
                     "clusters": str(clusters.get(zone.pk, 0)), **_sums([h for h in hosts if h.zone_id == zone.pk])})


_metrics_of("listZones", "listZonesMetrics", "zone", _add_zone_metrics)


def _add_cluster_metrics(items):
    clusters = _by_uuid(Cluster, items)
    hosts = list(Host.objects.filter(cluster__in=clusters.values()))
    for item in items:
        cluster = clusters[item["id"]]
        mine = [h for h in hosts if h.cluster_id == cluster.pk]
        up = sum(1 for h in mine if h.state == HostState.UP)
        item.update({"state": "Enabled" if cluster.allocation_state == "Enabled" else "Disabled",
                     "hosts": f"{up} / {len(mine)}", **_sums(mine)})


_metrics_of("listClusters", "listClustersMetrics", "cluster", _add_cluster_metrics)


# --- primary storage and volumes -------------------------------------------------------------------
def _add_pool_metrics(items):
    pools = _by_uuid(StoragePool, items)
    for item in items:
        pool = pools[item["id"]]
        total, allocated = pool.capacity_bytes, pool.allocated_bytes
        share = allocated / total if total else 0.0
        item.update({
            "disksizetotalgb": _gb(total), "disksizeallocatedgb": _gb(allocated),
            # the volumes' files are made at their full size: what is allocated is what is used
            "disksizeusedgb": _gb(allocated), "disksizeunallocatedgb": _gb(max(total - allocated, 0)),
            "disksizeused": allocated,
            "storageusagethreshold": share > NOTIFY, "storageusagedisablethreshold": share > DISABLE,
            "storageallocatedthreshold": share > NOTIFY, "storageallocateddisablethreshold": share > DISABLE,
        })


_metrics_of("listStoragePools", "listStoragePoolsMetrics", "storagepool", _add_pool_metrics)


def _add_volume_metrics(items):
    for item in items:
        item.update({"sizegb": _gb(item.get("size") or 0), "diskiopstotal": 0})


_metrics_of("listVolumes", "listVolumesMetrics", "volume", _add_volume_metrics, access=USER)


# --- the Infrastructure summary --------------------------------------------------------------------
@command("listInfrastructure", access=ROOT_ADMIN, description="Lists how many of each part the cloud's infrastructure has",
         cmd_class="org.apache.cloudstack.api.ListInfrastructureCmd", response=("infrastructure",))
def list_infrastructure(call):
    hosts = Host.objects.count()
    return {"infrastructure": {
        "zones": Zone.objects.count(), "pods": Pod.objects.count(), "clusters": Cluster.objects.count(), "hosts": hosts,
        "storagepools": StoragePool.objects.count(), "imagestores": 0, "objectstores": 0, "backuprepositories": 0,
        "systemvms": 0, "ilbvms": 0,
        "routers": GuestNetwork.objects.filter(type=NetworkType.ISOLATED, state="Implemented", removed__isnull=True).count(),
        "cpusockets": hosts,  # one socket a host: the hypervisors report cores, not sockets
        "managementservers": live().filter(name="api").values("host").distinct().count(),
        "alerts": Alert.objects.filter(~Q(archived=True)).count(),
    }}
