"""Query-API commands of the fabric: zones and hosts."""
import shutil

from django.conf import settings
from django.db.models import Q

from apps.core import urlpolicy
from apps.core.errors import InvalidState, ParamError
from apps.core.listing import PAGING, SHOWICON, Rows, by_id, details_param, filtered, list_response, none_exist, with_details
from apps.core.registry import ROOT_ADMIN, Param, column_length, command, every_documented
from apps.core.validators import ipv4, ipv4_netmask
from apps.jobs import services as jobs

from . import services
from .models import AllocationState, Cluster, Host, HypervisorType, Pod, ResourceState, StoragePool, Zone
from .responses import (
    cluster_response,
    host_response,
    pod_response,
    storage_pool_response,
    zone_response,
)


@command(
    "listZones",
    params=(Param("id", "uuid"), Param("name"), Param("available", "boolean"), Param("networktype"), SHOWICON, *PAGING),
    description="Lists zones",
    cmd_class="org.apache.cloudstack.api.command.user.zone.ListZonesCmd",
)
def list_zones(call):
    zones = Zone.objects.visible_to(call.caller).with_shared_network_counts()
    zones = filtered(zones.order_by("id"), call, {"id": "uuid", "name": "name", "networktype": "network_type__iexact",
                                   "keyword": "name__icontains"})
    return list_response(call, zones, "zone", zone_response)


# CloudStack's host detail groups (ApiConstants.HostDetails) and the fields of each here
HOST_DETAILS = {"capacity": ("cpuallocated", "cpuallocatedvalue", "memoryallocated", "memorytotal"),
                "stats": ("memoryused", "runningvms"), "events": ()}


@command(
    "listHosts",
    params=(
        Param("id", "uuid"),
        Param("name"),
        Param("zoneid", "uuid"),
        Param("podid", "uuid"),
        Param("clusterid", "uuid"),
        Param("state"),
        Param("resourcestate", description="Enabled, Disabled, PrepareForMaintenance, ErrorInMaintenance or Maintenance"),
        Param("type"),
        Param("hypervisor"),
        details_param(HOST_DETAILS, "host"),
        *PAGING,
    ),
    access=ROOT_ADMIN,
    description="Lists hosts",
    cmd_class="org.apache.cloudstack.api.command.admin.host.ListHostsCmd",
)
def list_hosts(call):
    hosts = Host.objects.select_related("zone", "pod", "cluster").order_by("id")
    hosts = filtered(hosts, call, {"id": "uuid", "zoneid": "zone__uuid", "podid": "pod__uuid", "clusterid": "cluster__uuid"})
    if "name" in call.params:
        hosts = hosts.filter(name=call.get("name"))
    if "state" in call.params:
        hosts = hosts.filter(state__iexact=call.get("state"))
    if "hypervisor" in call.params:
        hosts = hosts.filter(hypervisor__iexact=call.get("hypervisor"))
    if "resourcestate" in call.params:
        hosts = hosts.filter(resource_state__iexact=call.get("resourcestate"))
    if call.get("type") is not None and call.get("type").lower() != "routing":
        hosts = hosts.none()  # every host is a hypervisor (CloudStack's Routing type, in any case)
    if "keyword" in call.params:
        hosts = hosts.filter(Q(name__icontains=call.get("keyword")))
    return list_response(call, hosts, "host", lambda host: with_details(call, host_response(host), HOST_DETAILS))



def _admin(name, **kwargs):
    """A fabric command: root admin only."""
    return command(name, access=ROOT_ADMIN, **kwargs)


def _allocation_state(call):
    state = call.get("allocationstate")
    if state is not None and state not in AllocationState.values:
        raise call.command.invalid("allocationstate", state)
    return state


def _changed(obj, fields):
    """Save the given (not None) ``fields`` of ``obj``; a name cannot be empty."""
    given = {field: value for field, value in fields.items() if value is not None}
    if "name" in given and not str(given["name"]).strip():
        raise ParamError("A name cannot be empty")
    for field, value in given.items():
        setattr(obj, field, value)
    if given:
        obj.save(update_fields=list(given))
    return obj


def _in_use(what, uuid, children):
    return InvalidState(f"The {what} {uuid} cannot be deleted: it still has {children}", errorcode=536)


# --- zones and pods -------------------------------------------------------------------------
@_admin("createZone", params=(Param("name", required=True), Param("networktype", required=True), Param("dns1", required=True, check=ipv4),
                              Param("internaldns1", required=True, check=ipv4), Param("description", length=4096), Param("allocationstate")),
        description="Creates a Zone.", cmd_class="org.apache.cloudstack.api.command.admin.zone.CreateZoneCmd",
        response=("zone",), event=("ZONE.CREATE", "creating zone"))
def create_zone(call):
    if call.get("networktype") not in ("Basic", "Advanced"):
        raise call.command.invalid("networktype", call.get("networktype"))
    if Zone.objects.filter(name=call.get("name")).exists():
        raise ParamError(f"A zone with name {call.get('name')} already exists")
    zone = services.create_zone(
        call.get("name"), network_type=call.get("networktype"), dns1=call.get("dns1"), internal_dns1=call.get("internaldns1"),
        description=call.get("description", ""), allocation_state=_allocation_state(call) or AllocationState.ENABLED,
    )
    return {"zone": zone_response(zone)}


@_admin("updateZone", params=(Param("id", "uuid", required=True), Param("name"), Param("allocationstate"), Param("dns1", check=ipv4),
                              Param("internaldns1", check=ipv4), Param("description", length=4096)),
        description="Updates a Zone.", cmd_class="org.apache.cloudstack.api.command.admin.zone.UpdateZoneCmd",
        response=("zone",), event=("ZONE.EDIT", "updating zone"))
def update_zone(call):
    zone = by_id(call, Zone.objects.all())
    fields = {"name": call.get("name"), "allocation_state": _allocation_state(call), "dns1": call.get("dns1"),
              "internal_dns1": call.get("internaldns1"), "description": call.get("description")}
    Zone.objects.filter(pk=zone.pk).update(**{k: v for k, v in fields.items() if v is not None})
    zone.refresh_from_db()
    return {"zone": zone_response(zone)}


@_admin("deleteZone", params=(Param("id", "uuid", required=True),), description="Deletes a Zone.",
        cmd_class="org.apache.cloudstack.api.command.admin.zone.DeleteZoneCmd", event=("ZONE.DELETE", "deleting zone"))
def delete_zone(call):
    zone = by_id(call, Zone.objects.all())
    if zone.pods.exists() or zone.vms.exists():
        raise _in_use("zone", zone.uuid, "pods or virtual machines")
    zone.public_ips.all().delete()
    zone.networks.all().delete()
    zone.delete()
    return {"success": True}


@_admin("createPod", params=(Param("name", required=True), Param("zoneid", "uuid", required=True), Param("gateway", check=ipv4),
                             Param("netmask", check=ipv4_netmask), Param("startip", check=ipv4), Param("endip", check=ipv4), Param("allocationstate")),
        description="Creates a new Pod.", cmd_class="org.apache.cloudstack.api.command.admin.pod.CreatePodCmd",
        response=("pod",), event=("POD.CREATE", "creating pod"))
def create_pod(call):
    zone = by_id(call, Zone.objects.all(), "zoneid")
    pod = services.create_pod(zone, call.get("name"), gateway=call.get("gateway", ""), netmask=call.get("netmask", ""),
                              allocation_state=_allocation_state(call) or AllocationState.ENABLED)
    return {"pod": pod_response(pod)}


@_admin("updatePod", params=(Param("id", "uuid", required=True), Param("name"), Param("gateway", check=ipv4),
                             Param("netmask", check=ipv4_netmask), Param("allocationstate")),
        description="Renames a pod, changes its gateway and netmask, or enables or disables it",
        cmd_class="org.apache.cloudstack.api.command.admin.pod.UpdatePodCmd", response=("pod",),
        event=("POD.EDIT", "updating pod"))
def update_pod(call):
    pod = by_id(call, Pod.objects.select_related("zone"))
    _changed(pod, {"name": call.get("name"), "gateway": call.get("gateway"), "netmask": call.get("netmask"),
                   "allocation_state": _allocation_state(call)})
    return {"pod": pod_response(pod)}


@_admin("deletePod", params=(Param("id", "uuid", required=True),), description="Deletes a pod that holds no cluster",
        cmd_class="org.apache.cloudstack.api.command.admin.pod.DeletePodCmd", event=("POD.DELETE", "deleting pod"))
def delete_pod(call):
    pod = by_id(call, Pod.objects.all())
    if pod.clusters.exists() or pod.hosts.exists() or pod.storage_pools.exists():
        raise _in_use("pod", pod.uuid, "clusters, hosts or storage pools")
    pod.delete()
    return {"success": True}


@_admin("listPods", params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("allocationstate"), *PAGING),
        description="Lists all Pods.", cmd_class="org.apache.cloudstack.api.command.admin.pod.ListPodsByCmd", response=("pod",))
def list_pods(call):
    pods = filtered(Pod.objects.select_related("zone").order_by("id"), call,
                    {"id": "uuid", "name": "name", "zoneid": "zone__uuid", "allocationstate": "allocation_state"})
    return list_response(call, pods, "pod", pod_response)


# --- clusters and hosts ---------------------------------------------------------------------
@_admin("addCluster", params=(Param("clustername", required=True), Param("clustertype", required=True),
                              Param("hypervisor", required=True), Param("podid", "uuid", required=True),
                              Param("zoneid", "uuid", required=True), Param("allocationstate")),
        description="Adds a new cluster", cmd_class="org.apache.cloudstack.api.command.admin.cluster.AddClusterCmd",
        response=("cluster",), event=("CLUSTER.CREATE", "adding cluster"))
def add_cluster(call):
    pod = by_id(call, Pod.objects.select_related("zone"), "podid")
    if str(pod.zone.uuid) != call.get("zoneid"):
        raise ParamError(f"Pod {pod.uuid} is not in zone {call.get('zoneid')}")
    if call.get("hypervisor") not in HypervisorType.values:
        raise call.command.invalid("hypervisor", call.get("hypervisor"))
    cluster = services.add_cluster(pod, call.get("clustername"), call.get("hypervisor"))
    return {"count": 1, "cluster": [cluster_response(cluster)]}


@_admin("updateCluster", params=(Param("id", "uuid", required=True), Param("clustername"), Param("allocationstate"),
                                 Param("hypervisor", description="the cluster's own hypervisor only: it cannot change"),
                                 Param("clustertype", description="CloudManaged only")),
        description="Renames a cluster, or enables or disables it",
        cmd_class="org.apache.cloudstack.api.command.admin.cluster.UpdateClusterCmd", response=("cluster",),
        event=("CLUSTER.EDIT", "updating cluster"))
def update_cluster(call):
    cluster = by_id(call, Cluster.objects.select_related("zone", "pod"))
    if call.get("hypervisor") is not None and call.get("hypervisor").lower() != cluster.hypervisor.lower():
        raise call.command.unsupported("hypervisor", "a cluster's hypervisor cannot change")
    if call.get("clustertype") is not None and call.get("clustertype") != "CloudManaged":
        raise call.command.unsupported("clustertype", "every cluster here is CloudManaged")
    _changed(cluster, {"name": call.get("clustername"), "allocation_state": _allocation_state(call)})
    return {"cluster": cluster_response(cluster)}


@_admin("deleteCluster", params=(Param("id", "uuid", required=True),), description="Deletes a cluster that holds no host",
        cmd_class="org.apache.cloudstack.api.command.admin.cluster.DeleteClusterCmd",
        event=("CLUSTER.DELETE", "deleting cluster"))
def delete_cluster(call):
    cluster = by_id(call, Cluster.objects.all())
    if cluster.hosts.exists() or cluster.storage_pools.exists():
        raise _in_use("cluster", cluster.uuid, "hosts or storage pools")
    cluster.delete()
    return {"success": True}


@_admin("listClusters", params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("podid", "uuid"),
                                Param("hypervisor"), *PAGING),
        description="Lists clusters.", cmd_class="org.apache.cloudstack.api.command.admin.cluster.ListClustersCmd",
        response=("cluster",))
def list_clusters(call):
    clusters = filtered(Cluster.objects.select_related("zone", "pod").order_by("id"), call,
                        {"id": "uuid", "name": "name__iexact", "zoneid": "zone__uuid", "podid": "pod__uuid", "hypervisor": "hypervisor"})
    return list_response(call, clusters, "cluster", cluster_response)


@_admin("addHost", params=(Param("hypervisor", required=True), Param("podid", "uuid", required=True), Param("url", required=True, length=column_length(Host, "url")),
                           Param("zoneid", "uuid", required=True), Param("clusterid", "uuid"), Param("clustername"),
                           Param("username"), Param("password"), Param("hosttags", "list")),
        description="Adds a new host.", cmd_class="org.apache.cloudstack.api.command.admin.host.AddHostCmd",
        response=("host",), event=("HOST.ADD", "adding host"))
def add_host(call):
    clusters = Cluster.objects.select_related("zone", "pod").filter(pod__uuid=call.get("podid"), zone__uuid=call.get("zoneid"))
    if "clusterid" in call.params:
        cluster = by_id(call, clusters, "clusterid")
    else:
        cluster = clusters.filter(name=call.get("clustername")).first()
        if cluster is None:
            raise call.command.missing("clusterid")
    if cluster.hypervisor != call.get("hypervisor"):
        raise ParamError(f"Cluster {cluster.name} is of hypervisor {cluster.hypervisor}, not {call.get('hypervisor')}")
    host = services.add_host_by_url(cluster, call.get("url"), ",".join(call.get("hosttags") or []))
    return {"count": 1, "host": [host_response(host)]}


@_admin("updateHost", params=(Param("id", "uuid", required=True), Param("allocationstate"), Param("hosttags", "list")),
        description="Updates a host.", cmd_class="org.apache.cloudstack.api.command.admin.host.UpdateHostCmd",
        response=("host",), event=("HOST.UPDATE", "updating host"))
def update_host(call):
    host = by_id(call, Host.objects.select_related("zone", "pod", "cluster"))
    state = call.get("allocationstate")
    if state is not None:
        states = {"Enable": ResourceState.ENABLED, "Disable": ResourceState.DISABLED}
        if state not in states:
            raise call.command.invalid("allocationstate", state)
        if host.resource_state not in states.values():
            raise InvalidState(f"Host {host.name} is {host.resource_state}; cancel its maintenance first")
        host.resource_state = states[state]
    if "hosttags" in call.params:
        host.host_tags = ",".join(call.get("hosttags"))
    host.save(update_fields=["resource_state", "host_tags"])
    return {"host": host_response(host)}


@_admin("prepareHostForMaintenance", params=(Param("id", "uuid", required=True),), is_async=True,
        description="Prepares a host for maintenance.",
        cmd_class="org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd", response=("host",),
        event=("MAINT.PREPARE", "preparing host for maintenance"))
def prepare_host_for_maintenance(call):
    services.prepare_for_maintenance(call.job, by_id(call, Host.objects.all()))
    return {"jobid": call.job.uuid_str}


@_admin("cancelHostMaintenance", params=(Param("id", "uuid", required=True),), is_async=True,
        description="Cancels host maintenance.", cmd_class="org.apache.cloudstack.api.command.admin.host.CancelMaintenanceCmd",
        response=("host",), event=("MAINT.CANCEL", "cancelling host maintenance"))
def cancel_host_maintenance(call):
    host = services.cancel_maintenance(by_id(call, Host.objects.select_related("zone", "pod", "cluster")))
    jobs.attach(call.job, "Host", host)
    jobs.succeed(call.job.pk, {"host": host_response(host)})
    return {"jobid": call.job.uuid_str}


@_admin("deleteHost", params=(Param("id", "uuid", required=True), Param("forced", "boolean")), description="Deletes a host.",
        cmd_class="org.apache.cloudstack.api.command.admin.host.DeleteHostCmd", event=("HOST.DELETE", "deleting host"))
def delete_host(call):
    host = by_id(call, Host.objects.all())
    if host.vms.filter(removed__isnull=True).exists():
        raise _in_use("host", host.uuid, "virtual machines")
    host.delete()
    return {"success": True}


# --- storage and offerings ------------------------------------------------------------------
@_admin("createStoragePool", params=(Param("name", required=True), Param("url", required=True, length=column_length(Host, "url")), Param("zoneid", "uuid", required=True),
                                     Param("podid", "uuid"), Param("clusterid", "uuid"), Param("scope"),
                                     Param("capacitybytes", "long"), Param("hypervisor"), Param("tags")),
        description="Creates a storage pool.", cmd_class="org.apache.cloudstack.api.command.admin.storage.CreateStoragePoolCmd",
        response=("storagepool",), event=("STORAGE.POOL.CREATE", "creating storage pool"))
def create_storage_pool(call):
    zone = by_id(call, Zone.objects.all(), "zoneid")
    cluster = by_id(call, Cluster.objects.select_related("pod"), "clusterid") if "clusterid" in call.params else None
    path = urlpolicy.local_directory(call.get("url"), settings.STORAGE_POOL_DIRS)
    capacity = call.get("capacitybytes")
    libvirt_uri = ""
    if cluster is not None and cluster.hypervisor == HypervisorType.KVM:  # its hosts' libvirt manages it
        host = cluster.hosts.order_by("id").first()
        if host is None:
            raise ParamError(f"Add a host to KVM cluster {cluster.name} first: its libvirt manages the cluster's storage")
        libvirt_uri = host.url
    pool = services.create_storage_pool(zone, call.get("name"), capacity or 1, path=path, cluster=cluster,
                                        libvirt_uri=libvirt_uri)
    if not capacity:  # the filesystem's size, as libvirt's dir pool reports it
        StoragePool.objects.filter(pk=pool.pk).update(capacity_bytes=shutil.disk_usage(path).total)
        pool.refresh_from_db()
    return {"storagepool": storage_pool_response(pool)}


@_admin("listStoragePools", params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("podid", "uuid"),
                                    Param("clusterid", "uuid"), Param("scope"), *PAGING),
        description="Lists storage pools.", cmd_class="org.apache.cloudstack.api.command.admin.storage.ListStoragePoolsCmd",
        response=("storagepool",))
def list_storage_pools(call):
    pools = filtered(StoragePool.objects.select_related("zone", "pod", "cluster").order_by("id"), call,
                     {"id": "uuid", "name": "name", "zoneid": "zone__uuid", "podid": "pod__uuid", "clusterid": "cluster__uuid",
                      "scope": "scope"})
    return list_response(call, pools, "storagepool", storage_pool_response)


@_admin("updateStoragePool", params=(Param("id", "uuid", required=True), Param("name"), Param("enabled", "boolean"),
                                     Param("capacitybytes", "long")),
        description="Renames a storage pool, enables or disables it for new volumes, or changes its capacity",
        cmd_class="org.apache.cloudstack.api.command.admin.storage.UpdateStoragePoolCmd", response=("storagepool",),
        event=("UPDATE.STORAGE.POOL", "updating storage pool"))
def update_storage_pool(call):
    pool = by_id(call, StoragePool.objects.select_related("zone", "pod", "cluster"))
    capacity = call.get("capacitybytes")
    if capacity is not None and capacity < pool.allocated_bytes:
        raise ParamError(f"Storage pool {pool.name} has {pool.allocated_bytes} bytes allocated: its capacity cannot be "
                         f"less")
    state = None if call.get("enabled") is None else "Up" if call.get("enabled") else "Disabled"
    _changed(pool, {"name": call.get("name"), "state": state, "capacity_bytes": capacity})
    return {"storagepool": storage_pool_response(pool)}


@_admin("deleteStoragePool", params=(Param("id", "uuid", required=True), Param("forced", "boolean")),
        description="Deletes a storage pool that holds no volume",
        cmd_class="org.apache.cloudstack.api.command.admin.storage.DeleteStoragePoolCmd",
        event=("DELETE.STORAGE.POOL", "deleting storage pool"))
def delete_storage_pool(call):
    pool = by_id(call, StoragePool.objects.all())
    if call.get("forced"):
        raise call.command.unsupported("forced", "a pool's volumes are never deleted with it; delete them first")
    if services.pool_in_use(pool):
        raise _in_use("storage pool", pool.uuid, "volumes")
    pool.delete()
    return {"success": True}


@command("listSystemVms", params=every_documented("listSystemVms", Param("id", "uuid"), Param("name"), Param("hostid", "uuid"), Param("podid", "uuid"),
                                  Param("zoneid", "uuid"), Param("state"), Param("systemvmtype"), Param("storageid", "uuid"),
                                  *PAGING),
         access=ROOT_ADMIN, description="Lists the system VMs (none: the platform's own services are processes, not VMs)",
         cmd_class="org.apache.cloudstack.api.command.admin.systemvm.ListSystemVMsCmd", response=("systemvm",))
def list_system_vms(call):
    return none_exist(call)


@command("listRegions", params=(Param("id", "integer"), Param("name"), *PAGING), description="Lists the regions (this one)",
         cmd_class="org.apache.cloudstack.api.command.user.region.ListRegionsCmd", response=("region",))
def list_regions(call):
    """One cloud is one region, CloudStack's default: id 1, "Local", reached at its API."""
    region = {"id": 1, "name": "Local", "endpoint": f"http://{settings.API_BIND}/client/",
              "gslbserviceenabled": False, "portableipserviceenabled": False}
    matches = ("id" not in call.params or call.get("id") == 1) and \
        ("name" not in call.params or call.get("name").lower() == "local") and \
        ("keyword" not in call.params or call.get("keyword").lower() in "local")
    return list_response(call, Rows([region] if matches else []), "region", lambda r: r)
