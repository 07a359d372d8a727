"""CloudStack objects for the fabric: zone, host."""
from apps.core.formats import compact, cs_date


def zone_response(zone):
    return compact(
        {
            "id": zone.uuid_str,
            "name": zone.name,
            "description": zone.description or None,
            "networktype": zone.network_type,
            "allocationstate": zone.allocation_state,
            "securitygroupsenabled": False,
            "localstorageenabled": False,
            "dns1": zone.dns1,
            "internaldns1": zone.internal_dns1,
            "tags": [],
        }
    )


def _percent(used, total):
    return f"{(100.0 * used / total) if total else 0:.2f}%"


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
        }
    )
