"""CloudStack objects for the fabric: zone, host."""
from apps.core.formats import compact, cs_date


def zone_has_shared_networks(zone):
    """A zone's security groups work where it has shared networks (read from a list's annotation
    when there is one)."""
    if hasattr(zone, "shared_networks"):
        return zone.shared_networks > 0
    return zone.networks.filter(account__isnull=True, removed__isnull=True).exists()


def zone_response(zone):
    return compact(
        {
            "id": zone.uuid_str,
            "name": zone.name,
            "description": zone.description or None,
            "networktype": zone.network_type,
            "allocationstate": zone.allocation_state,
            # security groups filter the VMs of shared networks (the Linux data plane's bridge rules)
            "securitygroupsenabled": zone_has_shared_networks(zone),
            "localstorageenabled": False,
            "dns1": zone.dns1,
            "internaldns1": zone.internal_dns1,
            "tags": [],
        }
    )


def _percent(used, total):
    return f"{(100.0 * used / total) if total else 0:.2f}%"


def _used_memory(host):
    free = (host.stats or {}).get("free_memory_mb")
    return None if free is None else max(host.memory_mb - free, 0) * 1024 * 1024


def host_response(host):
    memory_total = host.memory_mb * 1024 * 1024
    return compact(
        {
            "id": host.uuid_str,
            "name": host.name,
            "type": "Routing",
            "state": host.state,
            "resourcestate": host.resource_state,
            "ipaddress": host.url,
            "zoneid": host.zone.uuid_str,
            "zonename": host.zone.name,
            "podid": host.pod.uuid_str,
            "podname": host.pod.name,
            "clusterid": host.cluster.uuid_str,
            "clustername": host.cluster.name,
            "hypervisor": host.hypervisor,
            "cpunumber": host.cpu_number,
            "cpuspeed": host.cpu_speed,
            "cpuallocated": _percent(host.cpu_allocated_mhz, host.cpu_total_mhz),
            "cpuallocatedvalue": host.cpu_allocated_mhz,
            "memorytotal": memory_total,
            "memoryallocated": host.memory_allocated_mb * 1024 * 1024,
            "hosttags": host.host_tags or None,
            "created": cs_date(host.created),
            "lastpinged": cs_date(host.last_pinged),
            # what the last heartbeat reported (memory in bytes, as memorytotal)
            "memoryused": _used_memory(host),
            "runningvms": (host.stats or {}).get("running"),
        }
    )


def pod_response(pod):
    return compact(
        {
            "id": pod.uuid_str,
            "name": pod.name,
            "zoneid": pod.zone.uuid_str,
            "zonename": pod.zone.name,
            "gateway": pod.gateway or None,
            "netmask": pod.netmask or None,
            "allocationstate": pod.allocation_state,
        }
    )


def cluster_response(cluster):
    return {
        "id": cluster.uuid_str,
        "name": cluster.name,
        "podid": cluster.pod.uuid_str,
        "podname": cluster.pod.name,
        "zoneid": cluster.zone.uuid_str,
        "zonename": cluster.zone.name,
        "hypervisortype": cluster.hypervisor,
        "clustertype": "CloudManaged",
        "allocationstate": cluster.allocation_state,
        "managedstate": "Managed",
    }


def storage_pool_response(pool):
    return compact(
        {
            "id": pool.uuid_str,
            "name": pool.name,
            "zoneid": pool.zone.uuid_str,
            "zonename": pool.zone.name,
            "podid": pool.pod.uuid_str if pool.pod_id else None,
            "podname": pool.pod.name if pool.pod_id else None,
            "clusterid": pool.cluster.uuid_str if pool.cluster_id else None,
            "clustername": pool.cluster.name if pool.cluster_id else None,
            "ipaddress": "localhost",
            "path": pool.path,
            "type": pool.pool_type,
            "state": pool.state,
            "scope": pool.scope,
            "disksizetotal": pool.capacity_bytes,
            "disksizeallocated": pool.allocated_bytes,
            "created": cs_date(pool.created),
            "provider": "DefaultPrimary",
        }
    )


CAPACITY_NAMES = {0: "MEMORY", 1: "CPU", 3: "STORAGE_ALLOCATED", 4: "VIRTUAL_NETWORK_PUBLIC_IP", 5: "PRIVATE_IP"}


def capacity_response(row):
    used, total = row["used"], row["total"]
    return compact(
        {
            "type": row["type"],
            "name": CAPACITY_NAMES[row["type"]],
            "zoneid": row["zone"].uuid_str,
            "zonename": row["zone"].name,
            "podid": row["pod"].uuid_str if row.get("pod") else None,
            "clusterid": row["cluster"].uuid_str if row.get("cluster") else None,
            "capacityused": used,
            "capacityallocated": used,
            "capacitytotal": total,
            "percentused": f"{(100.0 * used / total) if total else 0:.2f}",
        }
    )
