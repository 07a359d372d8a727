"""Query-API commands of networking. Configuration of the data plane is the Networking
component's work: those commands make an async job and route it to the ``network`` queue."""
import uuid

from django.db.models import Q

from apps.compute.selectors import vms_visible_to
from apps.core.errors import ParamError
from apps.core.listing import (
    OWNER_FILTER,
    PAGING,
    PROJECTID,
    SHOWICON,
    Rows,
    by_id,
    filtered,
    list_response,
    none_exist,
    of_owner,
    own_unless_listall,
    without_projects,
)
from apps.core.registry import DOMAIN_ADMIN, ROOT_ADMIN, Param, command, every_documented
from apps.core.validators import ipv4, ipv4_cidr, ipv4_netmask, network_domain
from apps.fabric.models import Zone
from apps.tags.services import tags_by_resource

from . import services
from .models import NetworkOffering, NetworkType, PublicIpAddress, SecurityGroupRule, VlanIpRange
from .responses import (
    egress_rule_response,
    firewall_rule_response,
    network_offering_response,
    network_response,
    port_forwarding_response,
    public_ip_response,
    router_of,
    security_group_response,
    vlan_range_response,
)
from .selectors import (
    egress_rules_visible_to,
    firewall_rules_visible_to,
    networks_visible_to,
    port_forwards_visible_to,
    public_ips_visible_to,
    security_groups_visible_to,
)


# --- offerings and networks -----------------------------------------------------------------
def _tagged(kind, render):
    """A page's renderer that gives each object its tags (one query for the page)."""
    def render_page(rows):
        tags = tags_by_resource(kind, [row.uuid for row in rows])
        return [render(row, tags[row.uuid]) for row in rows]
    return render_page


@command("listNetworkOfferings", params=(Param("id", "uuid"), Param("name"), Param("guestiptype"), Param("zoneid", "uuid"),
                                          Param("state"), Param("forvpc", "boolean"), *PAGING),
         description="Lists all available network offerings.",
         cmd_class="org.apache.cloudstack.api.command.user.network.ListNetworkOfferingsCmd", response=("networkoffering",))
def list_network_offerings(call):
    offerings = filtered(NetworkOffering.objects.order_by("id"), call, {"id": "uuid", "name": "name", "state": "state__iexact",
                                                                       "guestiptype": "guest_ip_type__iexact"})
    if call.get("forvpc"):
        offerings = offerings.none()
    return list_response(call, offerings, "networkoffering", network_offering_response)


@command("listNetworks", params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("type"),
                                  Param("isdefault", "boolean"), Param("canusefordeploy", "boolean"), Param("listall", "boolean"),
                                  Param("account"), Param("domainid", "uuid"), Param("restartrequired", "boolean"),
                                  Param("forvpc", "boolean"), SHOWICON, *PAGING),
         description="Lists all available networks.", cmd_class="org.apache.cloudstack.api.command.user.network.ListNetworksCmd",
         response=("network",))
def list_networks(call):
    networks = filtered(networks_visible_to(call.caller), call, {"id": "uuid", "name": "name", "zoneid": "zone__uuid",
                                                                "type": "type__iexact"})
    owner = Q()
    if "account" in call.params:
        owner &= Q(account__name=call.get("account"))
    if "domainid" in call.params:
        owner &= Q(account__domain__uuid=call.get("domainid"))
    if owner:  # what that owner may use: its own networks and the shared ones
        networks = networks.filter(owner | Q(account__isnull=True))
    if "isdefault" in call.params:  # a zone's shared networks are the default ones
        networks = networks.filter(account__isnull=call.get("isdefault"))
    if call.get("restartrequired") or call.get("forvpc") or call.get("canusefordeploy") is False:
        # a network's plan is applied whole on every change, so none waits for a restart; no VPC
        # exists; every network listed can be deployed on
        networks = networks.none()
    if "keyword" in call.params:
        networks = networks.filter(name__icontains=call.get("keyword"))
    return list_response(call, networks, "network", render_page=_tagged("Network", network_response))


@command("createNetwork", params=(Param("name", required=True), Param("displaytext", length=4096), Param("networkofferingid", "uuid", required=True),
                                   Param("zoneid", "uuid", required=True), Param("gateway", check=ipv4), Param("netmask", check=ipv4_netmask),
                                   Param("networkdomain", check=network_domain, length=190,
                                         description="its guests' DNS domain (else its account's)")),
         description="Creates a network", cmd_class="org.apache.cloudstack.api.command.user.network.CreateNetworkCmd",
         response=("network",), event=("NETWORK.CREATE", "creating network"))
def create_network(call):
    offering = by_id(call, NetworkOffering.objects.all(), "networkofferingid")
    zone = by_id(call, Zone.objects.all(), "zoneid")
    if offering.guest_ip_type != NetworkType.ISOLATED and not call.caller.is_root_admin:
        raise ParamError("Only a root admin can create shared networks")
    cidr = None
    if call.get("gateway") or call.get("netmask"):
        if not (call.get("gateway") and call.get("netmask")):
            raise ParamError("gateway and netmask are given together")
        cidr = services.network_from_gateway(call.get("gateway"), call.get("netmask"))
    account = call.caller.account if offering.guest_ip_type == NetworkType.ISOLATED else None
    network = services.create_network(zone, call.get("name"), cidr, call.get("gateway"), account,
                                      call.get("displaytext", ""), offering, network_domain=call.get("networkdomain", ""))
    return {"network": network_response(network)}


@command("deleteNetwork", params=(Param("id", "uuid", required=True), Param("forced", "boolean")), is_async=True,
         description="Deletes a network", cmd_class="org.apache.cloudstack.api.command.user.network.DeleteNetworkCmd",
         event=("NETWORK.DELETE", "deleting network"))
def delete_network(call):
    network = by_id(call, networks_visible_to(call.caller))
    if network.account_id is None and not call.caller.is_root_admin:  # a shared network is the root admin's to delete
        raise call.command.not_found("id", call.get("id"))
    services.delete_network(call.job, network)
    return {"jobid": call.job.uuid_str}


# --- public IPs, port forwarding, firewall ------------------------------------------------
@command("associateIpAddress", params=(Param("zoneid", "uuid"), Param("networkid", "uuid"),
                                       Param("ipaddress", check=ipv4, description="this free address of the zone's")),
         is_async=True,
         description="Acquires and associates a public IP to an account.",
         cmd_class="org.apache.cloudstack.api.command.user.address.AssociateIPAddrCmd", response=("ipaddress",),
         event=("NET.IPASSIGN", "associating IP address"))
def associate_ip_address(call):
    network = by_id(call, networks_visible_to(call.caller), "networkid") if "networkid" in call.params else None
    if network is not None:
        zone = network.zone
    elif "zoneid" in call.params:
        zone = by_id(call, Zone.objects.all(), "zoneid")
    else:
        raise ParamError("Unable to execute API command associateipaddress: zoneid or networkid is required")
    ip = services.associate_ip_address(call.job, zone, network, address=call.get("ipaddress"))
    return {"id": ip.uuid_str, "jobid": call.job.uuid_str}


@command("disassociateIpAddress", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Disassociates an IP address from the account.",
         cmd_class="org.apache.cloudstack.api.command.user.address.DisassociateIPAddrCmd",
         event=("NET.IPRELEASE", "disassociating IP address"))
def disassociate_ip_address(call):
    services.disassociate_ip_address(call.job, by_id(call, public_ips_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("listPublicIpAddresses", params=(Param("id", "uuid"), Param("ipaddress", check=ipv4), Param("associatednetworkid", "uuid"),
                                           Param("zoneid", "uuid"), Param("allocatedonly", "boolean"), Param("issourcenat", "boolean"),
                                           Param("isstaticnat", "boolean"), Param("listall", "boolean"), *OWNER_FILTER, *PAGING),
         description="Lists all public IP addresses", cmd_class="org.apache.cloudstack.api.command.user.address.ListPublicIpAddressesCmd",
         response=("publicipaddress",))
def list_public_ip_addresses(call):
    ips = public_ips_visible_to(call.caller)
    if call.get("allocatedonly") is False and call.caller.is_root_admin:  # the zones' free addresses too
        ips = PublicIpAddress.objects.select_related("zone", "network", "account__domain", "static_nat_vm").order_by("id")
    ips = filtered(ips, call, {"id": "uuid", "ipaddress": "address", "zoneid": "zone__uuid",
                                                             "associatednetworkid": "network__uuid"})
    if call.get("isstaticnat") is not None:
        ips = ips.filter(static_nat_vm__isnull=not call.get("isstaticnat"))
    if call.get("issourcenat") is not None:
        wanted = call.get("issourcenat")
        ips = ips.filter(pk__in=[ip.pk for ip in ips if services.is_source_nat(ip) == wanted])
    ips = of_owner(ips, call)
    return list_response(call, ips, "publicipaddress", render_page=_tagged("PublicIpAddress", public_ip_response))


# --- public IP ranges (root admin) -------------------------------------------------------------
def _vlan(value):
    """untagged, a VLAN id or vlan://<id>, as CloudStack takes it; the id or "untagged"."""
    text = str(value).strip().lower()
    text = text.removeprefix("vlan://")
    if text == "untagged" or (text.isdigit() and 1 <= int(text) <= 4094):
        return text
    raise ValueError(value)


@command("createVlanIpRange", params=(Param("zoneid", "uuid", required=True), Param("startip", check=ipv4, required=True),
                                      Param("endip", check=ipv4), Param("gateway", check=ipv4, required=True),
                                      Param("netmask", check=ipv4_netmask, required=True), Param("vlan", check=_vlan),
                                      Param("forvirtualnetwork", "boolean",
                                            description="true only: the range is the zone's public addresses")),
         access=ROOT_ADMIN, description="Adds a range of public addresses to a zone",
         cmd_class="org.apache.cloudstack.api.command.admin.vlan.CreateVlanIpRangeCmd", response=("vlan",),
         event=("VLAN.IP.RANGE.CREATE", "creating vlan ip range"))
def create_vlan_ip_range(call):
    if call.get("forvirtualnetwork") is False:
        raise call.command.unsupported("forvirtualnetwork", "ranges of shared networks' addresses are not offered here")
    zone = by_id(call, Zone.objects.all(), "zoneid")
    made = services.add_public_range(zone, call.get("startip"), call.get("endip"), call.get("gateway"),
                                     call.get("netmask"), call.get("vlan", "untagged"))
    return {"vlan": vlan_range_response(made)}


@command("listVlanIpRanges", params=(Param("id", "uuid"), Param("zoneid", "uuid"), Param("vlan", check=_vlan),
                                     Param("forvirtualnetwork", "boolean"), *PAGING),
         access=ROOT_ADMIN, description="Lists the zones' ranges of public addresses",
         cmd_class="org.apache.cloudstack.api.command.admin.vlan.ListVlanIpRangesCmd", response=("vlaniprange",))
def list_vlan_ip_ranges(call):
    ranges = filtered(VlanIpRange.objects.select_related("zone").order_by("id"), call,
                      {"id": "uuid", "zoneid": "zone__uuid", "vlan": "vlan"})
    if call.get("forvirtualnetwork") is False:
        ranges = ranges.none()
    if "keyword" in call.params:
        ranges = ranges.filter(Q(start_ip__icontains=call.get("keyword")) | Q(vlan__icontains=call.get("keyword")))
    return list_response(call, ranges, "vlaniprange", vlan_range_response)


@command("deleteVlanIpRange", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Deletes a range of public addresses none of which is in use",
         cmd_class="org.apache.cloudstack.api.command.admin.vlan.DeleteVlanIpRangeCmd",
         event=("VLAN.IP.RANGE.DELETE", "deleting vlan ip range"))
def delete_vlan_ip_range(call):
    services.delete_public_range(by_id(call, VlanIpRange.objects.all()))
    return {"success": True}


@command("createPortForwardingRule", params=(Param("ipaddressid", "uuid", required=True), Param("privateport", "integer", required=True),
                                              Param("protocol", required=True), Param("publicport", "integer", required=True),
                                              Param("virtualmachineid", "uuid", required=True), Param("privateendport", "integer"),
                                              Param("publicendport", "integer"), Param("openfirewall", "boolean"),
                                              Param("cidrlist", "list", check=ipv4_cidr), Param("networkid", "uuid"),
                                              Param("vmguestip", check=ipv4)),
         is_async=True, description="Creates a port forwarding rule",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.CreatePortForwardingRuleCmd",
         response=("portforwardingrule",), event=("NET.RULEADD", "applying port forwarding rule"))
def create_port_forwarding_rule(call):
    ip = by_id(call, public_ips_visible_to(call.caller), "ipaddressid")
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    network = by_id(call, networks_visible_to(call.caller), "networkid") if "networkid" in call.params else None
    rule = services.create_port_forwarding_rule(
        call.job, ip, vm, call.get("protocol"), call.get("publicport"), call.get("privateport"), call.get("publicendport"),
        call.get("privateendport"), call.get("cidrlist") or ["0.0.0.0/0"], call.get("openfirewall", True), network,
        call.get("vmguestip"))
    return {"id": rule.uuid_str, "jobid": call.job.uuid_str}


@command("deletePortForwardingRule", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes a port forwarding rule",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.DeletePortForwardingRuleCmd",
         event=("NET.RULEDELETE", "deleting port forwarding rule"))
def delete_port_forwarding_rule(call):
    services.delete_port_forwarding_rule(call.job, by_id(call, port_forwards_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("listPortForwardingRules", params=(Param("id", "uuid"), Param("ipaddressid", "uuid"), Param("networkid", "uuid"),
                                             Param("listall", "boolean"), *OWNER_FILTER, *PAGING),
         description="Lists all port forwarding rules for an IP address.",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.ListPortForwardingRulesCmd", response=("portforwardingrule",))
def list_port_forwarding_rules(call):
    rules = filtered(port_forwards_visible_to(call.caller), call, {"id": "uuid", "ipaddressid": "ip__uuid", "networkid": "ip__network__uuid"})
    rules = of_owner(rules, call)
    return list_response(call, rules, "portforwardingrule", port_forwarding_response)


@command("listIpForwardingRules", params=(Param("id", "uuid"), Param("ipaddressid", "uuid"), Param("virtualmachineid", "uuid"),
                                           Param("listall", "boolean"), *PAGING),
         description="List the IP forwarding rules (static NAT)",
         cmd_class="org.apache.cloudstack.api.command.user.nat.ListIpForwardingRulesCmd", response=("ipforwardingrule",))
def list_ip_forwarding_rules(call):
    # CloudStack lists here the rules createIpForwardingRule makes on a static NAT IP (enableStaticNat
    # makes none); Javelin does not offer that command, so there are none: an empty list, as CloudStack's
    return {}


@command("createFirewallRule", params=(Param("ipaddressid", "uuid", required=True), Param("protocol", required=True),
                                        Param("cidrlist", "list", check=ipv4_cidr), Param("startport", "integer"), Param("endport", "integer"),
                                        Param("icmptype", "integer"), Param("icmpcode", "integer"), Param("type")),
         is_async=True, description="Creates a firewall rule for a given IP address",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd",
         response=("firewallrule",), event=("FIREWALL.OPEN", "creating firewall rule"))
def create_firewall_rule(call):
    ip = by_id(call, public_ips_visible_to(call.caller), "ipaddressid")
    rule = services.create_firewall_rule(call.job, ip, call.get("protocol"), call.get("startport"), call.get("endport"),
                                         call.get("icmptype"), call.get("icmpcode"), call.get("cidrlist") or ["0.0.0.0/0"])
    return {"id": rule.uuid_str, "jobid": call.job.uuid_str}


@command("deleteFirewallRule", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes a firewall rule", cmd_class="org.apache.cloudstack.api.command.user.firewall.DeleteFirewallRuleCmd",
         event=("FIREWALL.CLOSE", "deleting firewall rule"))
def delete_firewall_rule(call):
    services.delete_firewall_rule(call.job, by_id(call, firewall_rules_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("listFirewallRules", params=(Param("id", "uuid"), Param("ipaddressid", "uuid"), Param("networkid", "uuid"),
                                       Param("listall", "boolean"), *OWNER_FILTER, *PAGING),
         description="Lists all firewall rules for an IP address.",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.ListFirewallRulesCmd", response=("firewallrule",))
def list_firewall_rules(call):
    rules = filtered(firewall_rules_visible_to(call.caller), call, {"id": "uuid", "ipaddressid": "ip__uuid", "networkid": "ip__network__uuid"})
    rules = of_owner(rules, call)
    return list_response(call, rules, "firewallrule", firewall_rule_response)


# --- static NAT and egress --------------------------------------------------------------------
@command("enableStaticNat", params=(Param("ipaddressid", "uuid", required=True), Param("virtualmachineid", "uuid", required=True),
                                     Param("networkid", "uuid"), Param("vmguestip", check=ipv4)),
         description="Enables static NAT for given IP address",
         cmd_class="org.apache.cloudstack.api.command.user.nat.EnableStaticNatCmd", event=("STATICNAT.ENABLE", "enabling static NAT"))
def enable_static_nat(call):
    ip = by_id(call, public_ips_visible_to(call.caller), "ipaddressid")
    vm = by_id(call, vms_visible_to(call.caller), "virtualmachineid")
    if "networkid" in call.params and by_id(call, networks_visible_to(call.caller), "networkid").pk != ip.network_id:
        raise ParamError(f"IP {ip.address} is not on network {call.get('networkid')}")
    services.enable_static_nat(ip, vm, call.get("vmguestip"))
    return {"success": True}


@command("disableStaticNat", params=(Param("ipaddressid", "uuid", required=True),), is_async=True,
         description="Disables static rule for given IP address",
         cmd_class="org.apache.cloudstack.api.command.user.nat.DisableStaticNatCmd",
         event=("STATICNAT.DISABLE", "disabling static NAT"))
def disable_static_nat(call):
    services.disable_static_nat(call.job, by_id(call, public_ips_visible_to(call.caller), "ipaddressid"))
    return {"jobid": call.job.uuid_str}


EGRESS_PARAMS = (Param("networkid", "uuid", required=True), Param("protocol", required=True), Param("startport", "integer"),
                 Param("endport", "integer"), Param("icmptype", "integer"), Param("icmpcode", "integer"),
                 Param("cidrlist", "list", check=ipv4_cidr), Param("destcidrlist", "list", check=ipv4_cidr), Param("type"))


@command("createEgressFirewallRule", params=EGRESS_PARAMS, is_async=True,
         description="Creates a egress firewall rule for a given network",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.CreateEgressFirewallRuleCmd",
         response=("firewallrule",), event=("FIREWALL.EGRESS.OPEN", "creating egress firewall rule"))
def create_egress_firewall_rule(call):
    network = by_id(call, networks_visible_to(call.caller), "networkid")
    destinations = call.get("destcidrlist") or call.get("cidrlist") or ["0.0.0.0/0"]
    rule = services.create_egress_firewall_rule(call.job, network, call.get("protocol"), call.get("startport"),
                                                call.get("endport"), call.get("icmptype"), call.get("icmpcode"), destinations)
    return {"id": rule.uuid_str, "jobid": call.job.uuid_str}


@command("deleteEgressFirewallRule", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes an egress firewall rule",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.DeleteEgressFirewallRuleCmd",
         event=("FIREWALL.EGRESS.CLOSE", "deleting egress firewall rule"))
def delete_egress_firewall_rule(call):
    services.delete_egress_firewall_rule(call.job, by_id(call, egress_rules_visible_to(call.caller)))
    return {"jobid": call.job.uuid_str}


@command("listEgressFirewallRules", params=(Param("id", "uuid"), Param("networkid", "uuid"), Param("listall", "boolean"), *PAGING),
         description="Lists all egress firewall rules for network ID.",
         cmd_class="org.apache.cloudstack.api.command.user.firewall.ListEgressFirewallRulesCmd", response=("firewallrule",))
def list_egress_firewall_rules(call):
    rules = filtered(egress_rules_visible_to(call.caller), call, {"id": "uuid", "networkid": "network__uuid"})
    return list_response(call, rules, "firewallrule", egress_rule_response)


# --- security groups ------------------------------------------------------------------------
@command("createSecurityGroup", params=(Param("name", required=True), Param("description", length=4096)),
         description="Creates a security group", cmd_class="org.apache.cloudstack.api.command.user.securitygroup.CreateSecurityGroupCmd",
         response=("securitygroup",), event=("SG.CREATE", "creating security group"))
def create_security_group(call):
    group = services.create_security_group(call.caller.account, call.get("name"), call.get("description", ""))
    return {"securitygroup": security_group_response(group)}


def _group(call):
    groups = security_groups_visible_to(call.caller)
    if "securitygroupid" in call.params:
        return by_id(call, groups, "securitygroupid")
    name = call.get("securitygroupname")
    if not name:
        raise ParamError("Either securitygroupid or securitygroupname is required")
    group = groups.filter(account=call.caller.account, name=name).first()
    if group is None:
        raise ParamError(f"Unable to find security group by name {name}")
    return group


def _authorize(call, direction):
    services.authorize_security_group(call.job, _group(call), direction, call.get("protocol", "all"), call.get("startport"),
                                      call.get("endport"), call.get("icmptype"), call.get("icmpcode"), call.get("cidrlist") or [])
    return {"jobid": call.job.uuid_str}


SG_RULE_PARAMS = (Param("securitygroupid", "uuid"), Param("securitygroupname"), Param("protocol"), Param("startport", "integer"),
                  Param("endport", "integer"), Param("icmptype", "integer"), Param("icmpcode", "integer"), Param("cidrlist", "list", check=ipv4_cidr))


@command("authorizeSecurityGroupIngress", params=SG_RULE_PARAMS, is_async=True,
         description="Authorizes a particular ingress rule for this security group",
         cmd_class="org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupIngressCmd",
         response=("securitygroup",), event=("SG.AUTH.INGRESS", "authorizing ingress rule"))
def authorize_security_group_ingress(call):
    return _authorize(call, "ingress")


@command("authorizeSecurityGroupEgress", params=SG_RULE_PARAMS, is_async=True,
         description="Authorizes a particular egress rule for this security group",
         cmd_class="org.apache.cloudstack.api.command.user.securitygroup.AuthorizeSecurityGroupEgressCmd",
         response=("securitygroup",), event=("SG.AUTH.EGRESS", "authorizing egress rule"))
def authorize_security_group_egress(call):
    return _authorize(call, "egress")


def _revoke(call, direction):
    rule = SecurityGroupRule.objects.filter(
        uuid=call.get("id"), direction=direction, group__in=security_groups_visible_to(call.caller)
    ).select_related("group").first()
    if rule is None:
        raise call.command.not_found("id", call.get("id"))
    services.revoke_security_group_rule(call.job, rule)
    return {"jobid": call.job.uuid_str}


@command("revokeSecurityGroupIngress", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes a particular ingress rule from this security group",
         cmd_class="org.apache.cloudstack.api.command.user.securitygroup.RevokeSecurityGroupIngressCmd",
         event=("SG.REVOKE.INGRESS", "revoking ingress rule"))
def revoke_security_group_ingress(call):
    return _revoke(call, "ingress")


@command("revokeSecurityGroupEgress", params=(Param("id", "uuid", required=True),), is_async=True,
         description="Deletes a particular egress rule from this security group",
         cmd_class="org.apache.cloudstack.api.command.user.securitygroup.RevokeSecurityGroupEgressCmd",
         event=("SG.REVOKE.EGRESS", "revoking egress rule"))
def revoke_security_group_egress(call):
    return _revoke(call, "egress")


@command("listSecurityGroups", params=(Param("id", "uuid"), Param("securitygroupname"), Param("virtualmachineid", "uuid"),
                                        Param("listall", "boolean"), *OWNER_FILTER, *PAGING),
         description="Lists security groups", cmd_class="org.apache.cloudstack.api.command.user.securitygroup.ListSecurityGroupsCmd",
         response=("securitygroup",))
def list_security_groups(call):
    groups = filtered(security_groups_visible_to(call.caller), call, {"id": "uuid", "securitygroupname": "name"})
    groups = own_unless_listall(groups, call)
    if "virtualmachineid" in call.params:
        groups = groups.filter(vms__uuid=call.get("virtualmachineid"))
    if "keyword" in call.params:
        groups = groups.filter(name__icontains=call.get("keyword"))
    groups = of_owner(groups, call)
    return list_response(call, groups, "securitygroup", render_page=_tagged("SecurityGroup", security_group_response))


@command("deleteSecurityGroup", params=(Param("id", "uuid"), Param("name")), description="Deletes security group",
         cmd_class="org.apache.cloudstack.api.command.user.securitygroup.DeleteSecurityGroupCmd", event=("SG.DELETE", "deleting security group"))
def delete_security_group(call):
    groups = security_groups_visible_to(call.caller)
    if "id" in call.params:
        group = by_id(call, groups)
    elif call.get("name"):
        group = groups.filter(account=call.caller.account, name=call.get("name")).first()
        if group is None:
            raise ParamError(f"Unable to find security group by name {call.get('name')}")
    else:
        raise ParamError("Either id or name is required")
    services.delete_security_group(group)
    return {"success": True}


@command("listRouters", params=(Param("id", "uuid"), Param("name"), Param("state"), Param("zoneid", "uuid"),
                                Param("networkid", "uuid"), Param("forvpc", "boolean"), Param("account"),
                                Param("domainid", "uuid"), Param("listall", "boolean"), PROJECTID, *PAGING),
         access=DOMAIN_ADMIN, description="Lists the virtual routers, one for each isolated network",
         cmd_class="org.apache.cloudstack.api.command.admin.router.ListRoutersCmd", response=("router",))
def list_routers(call):
    """An isolated network's router is what the Networking component runs for it (its gateway,
    NAT and firewall: a namespace on the Linux data plane); it is Running while its network is."""
    # an isolated network gets its router when it is implemented (its first VM), as in CloudStack
    networks = networks_visible_to(call.caller).filter(account__isnull=False, state="Implemented").prefetch_related("public_ips")
    networks = filtered(networks, call, {"networkid": "uuid", "zoneid": "zone__uuid", "account": "account__name",
                                         "domainid": "account__domain__uuid"})
    if call.get("forvpc"):
        networks = networks.none()
    networks = without_projects(networks, call)
    routers = [router for router in (router_of(n) for n in networks)
               if ("id" not in call.params or router["id"] == call.get("id"))
               and ("name" not in call.params or router["name"] == call.get("name"))
               and ("state" not in call.params or router["state"].lower() == call.get("state").lower())
               and ("keyword" not in call.params or call.get("keyword").lower() in router["name"].lower())]
    if "id" in call.params and not routers:
        raise call.command.not_found("id", call.get("id"))
    return list_response(call, Rows(routers), "router", lambda router: router)


@command("listVPCs", params=every_documented("listVPCs", Param("id", "uuid"), Param("zoneid", "uuid"), Param("name"), Param("state"),
                             Param("restartrequired", "boolean"), Param("account"), Param("domainid", "uuid"),
                             Param("listall", "boolean"), *PAGING),
         description="Lists VPCs (none: guest networks here are isolated or shared)", response=("vpc",),
         cmd_class="org.apache.cloudstack.api.command.user.vpc.ListVPCsCmd")
def list_vpcs(call):
    return none_exist(call)


# The network services' providers this cloud runs, in every zone's one physical network.
PROVIDERS = (
    ("VirtualRouter", ["Dhcp", "Dns", "Gateway", "SourceNat", "StaticNat", "PortForwarding", "Firewall", "UserData"]),
    ("SecurityGroupProvider", ["SecurityGroup"]),
)


def _provider_response(row):
    name, services = row
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:provider:{name}")), "name": name, "state": "Enabled",
            "servicelist": services, "canenableindividualservice": False}


@command("listNetworkServiceProviders", params=(Param("physicalnetworkid", "uuid"), Param("name"), Param("state"), *PAGING),
         description="Lists the providers of network services (the virtual router, security groups)",
         response=("networkserviceprovider",),
         cmd_class="org.apache.cloudstack.api.command.admin.network.ListNetworkServiceProvidersCmd")
def list_network_service_providers(call):
    rows = [row for row in PROVIDERS
            if ("name" not in call.params or row[0].lower() == call.get("name").lower())
            and ("state" not in call.params or call.get("state").lower() == "enabled")
            and ("keyword" not in call.params or call.get("keyword").lower() in row[0].lower())]
    return list_response(call, Rows(rows), "networkserviceprovider", _provider_response)
