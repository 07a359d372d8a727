"""CloudStack objects for networking: nic, network, network offering, public IP, rules,
security group."""
import functools
import ipaddress
import uuid

from apps.core.formats import compact, cs_date
from apps.tags.responses import tag_response

from .services import is_source_nat

DEFAULT_DOMAIN = "cloud.internal"  # CloudStack's guest.domain.suffix: a network's guests' domain when none is given


def nic_response(nic):
    network = nic.network
    return _nic(str(nic.uuid), nic.ip_address, nic.mac_address, nic.is_default, nic.device_id, str(network.uuid), network.name,
                network.cidr, network.gateway, network.type)


def nic_row_response(row):
    """A NIC from its row (``vm_rows``: its columns and its network's, read as values)."""
    return _nic(row["uuid_"], row["ip_address"], row["mac_address"], row["is_default"], row["device_id"],
                row["network_uuid"], row["network__name"], row["network__cidr"], row["network__gateway"], row["network__type"])


@functools.lru_cache(maxsize=4096)
def _netmask(cidr):
    return str(ipaddress.ip_network(cidr, strict=False).netmask)


def _nic(uuid, ip, mac, is_default, device_id, network_uuid, network_name, cidr, gateway, network_type):
    return {
        "id": uuid,
        "networkid": network_uuid,
        "networkname": network_name,
        "ipaddress": ip,
        "netmask": _netmask(cidr),
        "gateway": gateway,
        "macaddress": mac,
        "isdefault": is_default,
        "traffictype": "Guest",
        "type": network_type,
        "deviceid": str(device_id),
        "secondaryip": [],
        "extradhcpoption": [],
    }


def _services(names):
    return [{"name": name, "provider": [{"name": "VirtualRouter"}]} for name in names]


def network_offering_response(offering):
    return {
        "id": offering.uuid_str,
        "name": offering.name,
        "displaytext": offering.display_text or offering.name,
        "guestiptype": offering.guest_ip_type,
        "traffictype": "Guest",
        "isdefault": offering.is_default,
        "specifyvlan": offering.specify_vlan,
        "specifyipranges": offering.guest_ip_type == "Shared",
        "conservemode": True,
        "forvpc": False,
        "state": offering.state,
        "availability": "Optional",
        "networkrate": 200,
        "serviceofferingid": None,
        "service": _services(offering.services),
    }


def network_response(network, tags=()):
    net = ipaddress.ip_network(network.cidr, strict=False)
    offering, account = network.network_offering, network.account
    return compact(
        {
            "id": network.uuid_str,
            "name": network.name,
            "displaytext": network.display_text or network.name,
            "zoneid": network.zone.uuid_str,
            "zonename": network.zone.name,
            "networkofferingid": offering.uuid_str if offering else None,
            "networkofferingname": offering.name if offering else None,
            "networkofferingdisplaytext": offering.display_text if offering else None,
            "type": network.type,
            "traffictype": "Guest",
            "state": network.state,
            "vlan": str(network.vlan) if network.vlan else None,
            "broadcasturi": f"vlan://{network.vlan}" if network.vlan else None,
            "cidr": network.cidr,
            "gateway": network.gateway,
            "netmask": str(net.netmask),
            "dns1": network.zone.dns1,
            "networkdomain": network.network_domain or (account.network_domain or account.domain.network_domain if account
                                                        else "") or DEFAULT_DOMAIN,
            "isdefault": account is None,
            "canusefordeploy": True,
            "acltype": "Account" if account else "Domain",
            "account": account.name if account else None,
            "domainid": account.domain.uuid_str if account else None,
            "domain": account.domain.name if account else None,
            "issystem": False,
            "specifyipranges": account is None,
            "restartrequired": False,
            "service": _services(offering.services) if offering else [],
            "created": cs_date(network.created),
            "tags": [tag_response(t) for t in tags],
        }
    )


def router_of(network):
    """The virtual router of an isolated network, as CloudStack shows one: its guest side is
    the network's gateway, its public side the network's first public address (source NAT)."""
    net = ipaddress.ip_network(network.cidr, strict=False)
    public = min(network.public_ips.all(), key=lambda ip: ip.pk, default=None)
    account = network.account
    return compact({
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:router:{network.uuid_str}")),
        "name": f"r-{network.pk}-VM",
        "state": "Running",  # (only implemented networks have one)
        "role": "VIRTUAL_ROUTER",
        "zoneid": network.zone.uuid_str,
        "zonename": network.zone.name,
        "dns1": network.zone.dns1,
        "guestipaddress": network.gateway,
        "guestnetmask": str(net.netmask),
        "guestnetworkid": network.uuid_str,
        "guestnetworkname": network.name,
        "publicip": public.address if public else None,
        "publicnetmask": public.netmask if public else None,
        "account": account.name,
        "domainid": account.domain.uuid_str,
        "domain": account.domain.name,
        "isredundantrouter": False,
        "redundantstate": "UNKNOWN",
        "requiresupgrade": False,
        "created": cs_date(network.created),
    })


def public_ip_response(ip, tags=()):
    account, network = ip.account, ip.network
    return compact(
        {
            "id": ip.uuid_str,
            "ipaddress": ip.address,
            "allocated": cs_date(ip.allocated),
            "zoneid": ip.zone.uuid_str,
            "zonename": ip.zone.name,
            "issourcenat": is_source_nat(ip),
            "isstaticnat": ip.static_nat_vm_id is not None,
            "virtualmachineid": ip.static_nat_vm.uuid_str if ip.static_nat_vm_id else None,
            "virtualmachinename": ip.static_nat_vm.name if ip.static_nat_vm_id else None,
            "virtualmachinedisplayname": ip.static_nat_vm.display_name if ip.static_nat_vm_id else None,
            "issystem": False,
            "forvirtualnetwork": True,
            "associatednetworkid": network.uuid_str if network else None,
            "associatednetworkname": network.name if network else None,
            "networkid": network.uuid_str if network else None,
            "state": ip.state,
            "account": account.name if account else None,
            "domainid": account.domain.uuid_str if account else None,
            "domain": account.domain.name if account else None,
            "tags": [tag_response(t) for t in tags],
        }
    )


def port_forwarding_response(rule):
    vm = rule.vm
    guest_ip = next((nic.ip_address for nic in vm.nics.all() if nic.network_id == rule.ip.network_id), None)
    return compact({
        "id": rule.uuid_str,
        "ipaddressid": rule.ip.uuid_str,
        "ipaddress": rule.ip.address,
        "protocol": rule.protocol,
        "publicport": str(rule.public_port),
        "publicendport": str(rule.public_end_port),
        "privateport": str(rule.private_port),
        "privateendport": str(rule.private_end_port),
        "virtualmachineid": vm.uuid_str,
        "virtualmachinename": vm.name,
        "virtualmachinedisplayname": vm.display_name,
        "vmguestip": guest_ip,
        "cidrlist": rule.cidr_list,
        "state": rule.state,
        "networkid": rule.ip.network.uuid_str if rule.ip.network_id else None,
        "tags": [],
    })


def firewall_rule_response(rule):
    return compact(
        {
            "id": rule.uuid_str,
            "ipaddressid": rule.ip.uuid_str,
            "ipaddress": rule.ip.address,
            "protocol": rule.protocol,
            "startport": rule.start_port,
            "endport": rule.end_port,
            "icmptype": rule.icmp_type,
            "icmpcode": rule.icmp_code,
            "cidrlist": rule.cidr_list,
            "state": rule.state,
            "networkid": rule.ip.network.uuid_str if rule.ip.network_id else None,
            "tags": [],
        }
    )


def egress_rule_response(rule):
    return compact(
        {
            "id": rule.uuid_str,
            "networkid": rule.network.uuid_str,
            "protocol": rule.protocol,
            "startport": rule.start_port,
            "endport": rule.end_port,
            "icmptype": rule.icmp_type,
            "icmpcode": rule.icmp_code,
            "cidrlist": rule.cidr_list,
            "destcidrlist": rule.cidr_list,
            "traffictype": "Egress",
            "state": rule.state,
            "tags": [],
        }
    )


def _sg_rule(rule):
    return compact(
        {
            "ruleid": rule.uuid_str,
            "protocol": rule.protocol,
            "startport": rule.start_port,
            "endport": rule.end_port,
            "icmptype": rule.icmp_type,
            "icmpcode": rule.icmp_code,
            "cidr": rule.cidr or None,
            "tags": [],
        }
    )


def security_group_response(group, tags=()):
    rules = list(group.rules.all())
    return {
        "id": group.uuid_str,
        "name": group.name,
        "description": group.description,
        "account": group.account.name,
        "domainid": group.account.domain.uuid_str,
        "domain": group.account.domain.name,
        "ingressrule": [_sg_rule(r) for r in rules if r.direction == "ingress"],
        "egressrule": [_sg_rule(r) for r in rules if r.direction == "egress"],
        "virtualmachinecount": 0,
        "virtualmachineids": [],
        "tags": [tag_response(t) for t in tags],
    }


def vlan_range_response(vlan_range):
    net = ipaddress.ip_network(f"{vlan_range.gateway}/{vlan_range.netmask}", strict=False)
    return {
        "id": vlan_range.uuid_str,
        "forvirtualnetwork": True,
        "zoneid": vlan_range.zone.uuid_str,
        "vlan": vlan_range.vlan if vlan_range.vlan == "untagged" else f"vlan://{vlan_range.vlan}",
        "description": f"{vlan_range.start_ip}-{vlan_range.end_ip}",
        "gateway": vlan_range.gateway,
        "netmask": vlan_range.netmask,
        "cidr": str(net),
        "startip": vlan_range.start_ip,
        "endip": vlan_range.end_ip,
        "forsystemvms": False,
    }
