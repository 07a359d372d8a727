"""Query-API commands of the fabric: zones and hosts."""
from django.db.models import Q

from apps.api.listing import PAGING, filtered, list_response
from apps.api.registry import ROOT_ADMIN, Param, command

from .models import Host, Zone
from .responses import host_response, zone_response


@command(
    "listZones",
    params=(Param("id", "uuid"), Param("name"), Param("available", "boolean"), Param("networktype"), *PAGING),
    description="Lists zones",
    cmd_class="org.apache.cloudstack.api.command.user.zone.ListZonesCmd",
)
def list_zones(call):
    zones = Zone.objects.order_by("id")
    if not call.caller.is_root_admin:
        zones = zones.filter(allocation_state="Enabled")
    if "id" in call.params:
        zones = zones.filter(uuid=call.get("id"))
    if "name" in call.params:
        zones = zones.filter(name=call.get("name"))
    if "networktype" in call.params:
        zones = zones.filter(network_type__iexact=call.get("networktype"))
    if "keyword" in call.params:
        zones = zones.filter(name__icontains=call.get("keyword"))
    return list_response(call, zones, "zone", zone_response)


@command(
    "listHosts",
    params=(
        Param("id", "uuid"),
        Param("name"),
        Param("zoneid", "uuid"),
        Param("podid", "uuid"),
        Param("clusterid", "uuid"),
        Param("state"),
        Param("type"),
        Param("hypervisor"),
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
    if call.get("type") not in (None, "Routing"):
        hosts = hosts.none()
    if "keyword" in call.params:
        hosts = hosts.filter(Q(name__icontains=call.get("keyword")))
    return list_response(call, hosts, "host", host_response)
