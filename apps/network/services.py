"""Networking bookkeeping: guest networks and IPAM, public IPs, rules, security groups.

Uniqueness is the database's job (an IP once per network, a MAC once, a public address
once per zone, a CIDR once per zone), so allocations can race safely: the loser of an
insert or a conditional UPDATE tries the next candidate.
"""
import ipaddress
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.accounts import limits
from apps.core.errors import InsufficientCapacity, InvalidState, ParamError
from apps.events.services import state_changed
from apps.fabric.models import Zone
from apps.jobs import services as jobs
from clients import network as network_client

from .models import (
    EgressRule,
    FirewallRule,
    GuestNetwork,
    IpState,
    NetworkOffering,
    NetworkType,
    Nic,
    PortForwardingRule,
    PublicIpAddress,
    RuleState,
    SecurityGroup,
    SecurityGroupRule,
    VlanIpRange,
)

MAX_ATTEMPTS = 64
GUEST_SUPERNET = ipaddress.ip_network("10.128.0.0/12")  # isolated networks get a /24 of it


# --- guest networks and NICs ---------------------------------------------------------------
def default_network_for(zone, account):
    """The network a VM joins when the caller names none: the account's own isolated
    network in the zone if it has one, else the zone's shared network."""
    networks = GuestNetwork.objects.filter(zone=zone, removed__isnull=True).order_by("id")
    return networks.filter(account=account).first() or networks.filter(account__isnull=True).first()


def usable_addresses(network):
    net = ipaddress.ip_network(network.cidr, strict=False)
    gateway = ipaddress.ip_address(network.gateway)
    return (ip for ip in net.hosts() if ip != gateway)


def random_mac():
    # 02: locally administered, unicast.
    return "02:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(4))


def check_requested_ip(network, ip):
    """An address a caller asked for on ``network``: one of its usable addresses, free."""
    if ipaddress.ip_address(ip) not in set(usable_addresses(network)):
        raise ParamError(f"IP address {ip} is not a usable address of network {network.name} ({network.cidr})")
    if Nic.objects.filter(network=network, ip_address=ip).exists():
        raise InsufficientCapacity(f"IP address {ip} is already in use in network {network.name}")


def allocate_nic(vm, network=None, ip=None):
    """The VM's NIC on ``network`` (its default network if not given): the existing one
    (idempotent: a redelivered task finds it) or a new one, with the address ``ip`` if asked
    for, else the lowest free IP of the network, and the next device number of the VM."""
    network = network or vm.network
    existing = Nic.objects.filter(vm=vm, network=network).first()
    if existing:
        return existing
    if network.zone_id != vm.zone_id:
        raise ParamError(f"Network {network.uuid} is not in the zone of VM {vm.uuid}")
    for _ in range(MAX_ATTEMPTS):
        if ip is not None:
            check_requested_ip(network, ip)
            address = ip
        else:
            taken = set(Nic.objects.filter(network=network).values_list("ip_address", flat=True))
            address = next((str(a) for a in usable_addresses(network) if str(a) not in taken), None)
        if address is None:
            raise InsufficientCapacity(f"Network {network.name} ({network.cidr}) has no free IP address")
        device = 0 if network.pk == vm.network_id else _free_device(vm)
        try:
            with transaction.atomic():
                return Nic.objects.create(vm=vm, network=network, ip_address=address, mac_address=random_mac(),
                                          is_default=network.pk == vm.network_id, device_id=device)
        except IntegrityError:
            existing = Nic.objects.filter(vm=vm, network=network).first()
            if existing:  # a redelivered copy of this very task got there first
                return existing
    raise InsufficientCapacity(f"Could not allocate an address on network {network.name}: too much contention")


def _free_device(vm, most=15):
    free = set(range(1, most + 1)) - set(Nic.objects.filter(vm=vm).values_list("device_id", flat=True))
    if not free:
        raise InsufficientCapacity(f"VM {vm.uuid} has {most + 1} NICs already")
    return min(free)


def release_nic(nic):
    """Free one NIC's address (removeNicFromVirtualMachine); a NIC already gone is fine."""
    return Nic.objects.filter(pk=nic.pk).delete()[0]


def release_nics(vm):
    """Free every address the VM holds. Returns how many NICs were released."""
    deleted, _ = Nic.objects.filter(vm=vm).delete()
    return deleted


def create_network(zone, name, cidr=None, gateway=None, account=None, display_text="", offering=None, network_domain=""):
    """A guest network: zone-wide shared (no account) or an account's isolated one. An
    isolated network with no CIDR given gets the next free /24 of 10.128.0.0/12."""
    kind = NetworkType.ISOLATED if account is not None else NetworkType.SHARED
    if account is not None:
        limits.check(account, network=1)
    offering = offering or NetworkOffering.objects.filter(guest_ip_type=kind, is_default=True).first()
    candidates = [ipaddress.ip_network(cidr, strict=False)] if cidr else GUEST_SUPERNET.subnets(new_prefix=24)
    for net in candidates:
        if not cidr and GuestNetwork.objects.filter(zone=zone, cidr=str(net), removed__isnull=True).exists():
            continue
        for _ in range(MAX_ATTEMPTS):
            vlan = free_vlan(zone) if kind == NetworkType.ISOLATED else None
            try:
                with transaction.atomic():
                    network = GuestNetwork.objects.create(
                        zone=zone, name=name, display_text=display_text or name, cidr=str(net),
                        gateway=gateway or str(next(net.hosts())), account=account, type=kind, network_offering=offering,
                        state="Implemented" if kind == NetworkType.SHARED else "Allocated", vlan=vlan,
                        network_domain=network_domain,
                    )
                    _announce(network, network.state, None, "NETWORK.CREATE")
                    return network
            except IntegrityError:
                if GuestNetwork.objects.filter(zone=zone, cidr=str(net), removed__isnull=True).exists():
                    if cidr:
                        raise ParamError(f"The CIDR {cidr} overlaps a network of zone {zone.name}") from None
                    break  # this CIDR was just taken: the next one
                # else the VLAN was just taken by another network: pick again
    raise InsufficientCapacity(f"No free guest CIDR left in zone {zone.name}")


def vlan_range(zone):
    first, _, last = zone.vlan_range.partition("-")
    return int(first), int(last or first)


def free_vlan(zone):
    """The lowest VLAN of the zone's range that no live network has (the unique constraint
    settles a race between two creators; the loser picks again)."""
    first, last = vlan_range(zone)
    taken = set(GuestNetwork.objects.filter(zone=zone, removed__isnull=True, vlan__isnull=False).values_list("vlan", flat=True))
    vlan = next((v for v in range(first, last + 1) if v not in taken), None)
    if vlan is None:
        raise InsufficientCapacity(f"No free VLAN left in the range {zone.vlan_range} of zone {zone.name}")
    return vlan


def network_from_gateway(gateway, netmask):
    try:
        return str(ipaddress.ip_network(f"{gateway}/{netmask}", strict=False))
    except ValueError:
        raise ParamError(f"Invalid gateway {gateway} or netmask {netmask}") from None


def ensure_deletable(network):
    if network.vms.filter(removed__isnull=True).exists():
        raise InvalidState(f"Network {network.uuid} still has virtual machines", errorcode=536)


def network_removed(network):
    """The data plane no longer has ``network``: it and its public IPs go (reported by the
    Networking component)."""
    ensure_deletable(network)
    with transaction.atomic():
        for ip in PublicIpAddress.objects.filter(network=network):
            public_ip_released(ip)
        if GuestNetwork.objects.filter(pk=network.pk, removed__isnull=True).update(removed=timezone.now(), state="Destroy"):
            _announce(network, "Destroy", network.state, "NETWORK.DELETE")


def _announce(network, state, previous, event_type):
    state_changed("network", network.uuid, state, previous=previous, event_type=event_type, account=network.account,
                  description=f"Network {network.name} ({network.uuid}, {network.cidr}) is {state}"
                  + (f" (was {previous})" if previous else ""))


# --- public IPs ---------------------------------------------------------------------------
MAX_RANGE = 65536  # addresses one createVlanIpRange may add


@transaction.atomic
def add_public_range(zone, start, end, gateway, netmask, vlan="untagged"):
    """A range of public addresses for ``zone`` (createVlanIpRange); the same range again is
    the one there (a data center described twice), one that overlaps another is refused."""
    first, last = ipaddress.IPv4Address(start), ipaddress.IPv4Address(end or start)
    if last < first:
        raise ParamError(f"The end IP {last} of the range is before its start IP {first}")
    if int(last) - int(first) + 1 > MAX_RANGE:
        raise ParamError(f"A range holds at most {MAX_RANGE} addresses")
    subnet = ipaddress.IPv4Network(f"{gateway}/{netmask}", strict=False)
    if first not in subnet or last not in subnet:
        raise ParamError(f"The range {first}-{last} is not in the subnet of gateway {gateway} and netmask {netmask}")
    Zone.objects.select_for_update().filter(pk=zone.pk).first()  # ranges of a zone are added one at a time
    same = VlanIpRange.objects.filter(zone=zone, start_ip=str(first), end_ip=str(last)).first()
    if same is not None:
        return same
    for other in VlanIpRange.objects.filter(zone=zone):
        if ipaddress.IPv4Address(other.start_ip) <= last and first <= ipaddress.IPv4Address(other.end_ip):
            raise ParamError(f"The IP range {first}-{last} overlaps the range {other.start_ip}-{other.end_ip} of "
                             f"zone {zone.name}")
    made = VlanIpRange.objects.create(zone=zone, start_ip=str(first), end_ip=str(last), gateway=gateway,
                                      netmask=netmask, vlan=vlan)
    PublicIpAddress.objects.bulk_create([
        PublicIpAddress(zone=zone, vlan_range=made, address=str(ipaddress.IPv4Address(n)), gateway=gateway,
                        netmask=netmask) for n in range(int(first), int(last) + 1)])
    return made


@transaction.atomic
def delete_public_range(vlan_range):
    """deleteVlanIpRange: a range none of whose addresses is in use goes, with its addresses."""
    used = vlan_range.addresses.exclude(state=IpState.FREE).count()
    if used:
        raise InvalidState(f"The IP range {vlan_range} has {used} address(es) in use: release them first",
                           errorcode=536)
    vlan_range.addresses.all().delete()
    vlan_range.delete()


def associate_public_ip(zone, account, network=None, address=None):
    """Take a Free address of ``zone`` (``address``, if given) for ``account`` with one
    conditional UPDATE."""
    if address is not None and not PublicIpAddress.objects.filter(zone=zone, address=address).exists():
        raise ParamError(f"Address {address} is not in a public IP range of zone {zone.name}")
    for _ in range(MAX_ATTEMPTS):
        free = PublicIpAddress.objects.filter(zone=zone, state=IpState.FREE)
        candidate = (free.filter(address=address) if address is not None else free).order_by("id").first()
        if candidate is None and address is not None:
            raise InsufficientCapacity(f"Address {address} of zone {zone.name} is not free")
        if candidate is None:
            raise InsufficientCapacity(f"Insufficient address capacity: no free public IP address in zone {zone.name}")
        if PublicIpAddress.objects.filter(pk=candidate.pk, state=IpState.FREE).update(
            state=IpState.ALLOCATED, account=account, network=network, allocated=timezone.now()
        ):
            candidate.refresh_from_db()
            return candidate
    raise InsufficientCapacity(f"Could not allocate a public IP in zone {zone.name}: too much contention")


def public_ip_released(ip):
    """The data plane let go of ``ip``: it and its rules are free (reported by Networking)."""
    with transaction.atomic():
        PortForwardingRule.objects.filter(ip=ip).delete()
        FirewallRule.objects.filter(ip=ip).delete()
        PublicIpAddress.objects.filter(pk=ip.pk).update(state=IpState.FREE, account=None, network=None, allocated=None,
                                                         static_nat_vm=None)


# --- rules ----------------------------------------------------------------------------------
PROTOCOLS = {"tcp", "udp"}


def _port(value, name):
    if value is None:
        return None
    if not 1 <= int(value) <= 65535:
        raise ParamError(f"Invalid port {value} for parameter {name}")
    return int(value)


def new_port_forwarding(ip, vm, protocol, public_port, private_port, public_end=None, private_end=None, cidr_list=None):
    protocol = protocol.lower()
    if protocol not in PROTOCOLS:
        raise ParamError(f"Invalid protocol {protocol}: port forwarding takes tcp or udp")
    if vm.network.zone_id != ip.zone_id:
        raise ParamError("The VM and the public IP are not in the same zone")
    public_port, private_port = _port(public_port, "publicport"), _port(private_port, "privateport")
    public_end = _port(public_end, "publicendport") or public_port
    private_end = _port(private_end, "privateendport") or private_port
    clash = PortForwardingRule.objects.filter(ip=ip, protocol=protocol, public_port__lte=public_end, public_end_port__gte=public_port)
    if clash.exclude(state=RuleState.REVOKE).exists():
        raise ParamError(f"The range of ports {public_port}-{public_end} conflicts with a rule on {ip.address}", errorcode=537)
    return PortForwardingRule.objects.create(
        ip=ip, vm=vm, protocol=protocol, public_port=public_port, public_end_port=public_end, private_port=private_port,
        private_end_port=private_end, cidr_list=cidr_list or "0.0.0.0/0", account=ip.account,
    )


def new_firewall_rule(ip, protocol, start_port=None, end_port=None, icmp_type=None, icmp_code=None, cidr_list=None):
    protocol = protocol.lower()
    if protocol not in PROTOCOLS | {"icmp", "all"}:
        raise ParamError(f"Invalid protocol {protocol}: a firewall rule takes tcp, udp, icmp or all")
    start_port = _port(start_port, "startport")
    return FirewallRule.objects.create(
        ip=ip, protocol=protocol, start_port=start_port, end_port=_port(end_port, "endport") or start_port,
        icmp_type=icmp_type, icmp_code=icmp_code, cidr_list=cidr_list or "0.0.0.0/0", account=ip.account,
    )


def enable_static_nat(ip, vm, guest_ip=None):
    """enableStaticNat: one-to-one NAT of ``ip`` to ``vm`` (CloudStack's rules: the IP belongs
    to the VM's network, is not its source NAT address, has no port forwards; a VM has one
    static NAT IP; ``guest_ip``, if given, is the VM's address there). Synchronous, as on
    CloudStack: recorded now, applied by the Networking component right after the commit."""
    if ip.network_id is None or ip.network_id != vm.network_id:
        raise ParamError(f"IP {ip.address} and VM {vm.uuid} are not in the same network")
    if guest_ip is not None and not Nic.objects.filter(vm=vm, network_id=ip.network_id, ip_address=guest_ip).exists():
        raise ParamError(f"VM {vm.uuid} has no address {guest_ip} on network {ip.network.name}")
    if is_source_nat(ip):
        raise InvalidState(f"IP {ip.address} is the network's source NAT address; static NAT needs another one")
    if PortForwardingRule.objects.filter(ip=ip).exclude(state=RuleState.REVOKE).exists():
        raise InvalidState(f"IP {ip.address} has port forwarding rules; static NAT cannot be enabled on it")
    if ip.static_nat_vm_id not in (None, vm.pk):
        raise InvalidState(f"Static NAT is already enabled on IP {ip.address} for another VM")
    if PublicIpAddress.objects.filter(static_nat_vm=vm).exclude(pk=ip.pk).exists():
        raise InvalidState(f"VM {vm.uuid} already has a static NAT IP")
    PublicIpAddress.objects.filter(pk=ip.pk).update(static_nat_vm=vm)
    jobs.on_commit_quietly(network_client.refresh_network, ip.network_id)  # after the commit: the worker sees it
    ip.refresh_from_db()
    return ip


def disable_static_nat(job, ip):
    """disableStaticNat: the mapping goes from the data plane."""
    if ip.static_nat_vm_id is None:
        raise InvalidState(f"Static NAT is not enabled on IP {ip.address}")
    PublicIpAddress.objects.filter(pk=ip.pk).update(static_nat_vm=None)
    ip.refresh_from_db()
    return jobs.run_step(job, "IpAddress", ip, network_client.apply_public_ip, ip.pk)


def is_source_nat(ip):
    """The network's first public IP is the one its guests go out as."""
    if ip.network_id is None:
        return False
    first = PublicIpAddress.objects.filter(network_id=ip.network_id, state=IpState.ALLOCATED).order_by("allocated", "id").first()
    return first is not None and first.pk == ip.pk


def new_egress_rule(network, protocol, start_port=None, end_port=None, icmp_type=None, icmp_code=None, cidr_list=None):
    protocol = protocol.lower()
    if protocol not in PROTOCOLS | {"icmp", "all"}:
        raise ParamError(f"Invalid protocol {protocol}: an egress rule takes tcp, udp, icmp or all")
    if network.account_id is None:
        raise InvalidState("Egress rules are for isolated networks")
    start_port = _port(start_port, "startport")
    return EgressRule.objects.create(
        network=network, protocol=protocol, start_port=start_port, end_port=_port(end_port, "endport") or start_port,
        icmp_type=icmp_type, icmp_code=icmp_code, cidr_list=cidr_list or "0.0.0.0/0", account=network.account,
    )


def settle_egress(network):
    EgressRule.objects.filter(network=network, state=RuleState.ADD).update(state=RuleState.ACTIVE)
    EgressRule.objects.filter(network=network, state=RuleState.REVOKE).delete()


def revoke(rule):
    type(rule).objects.filter(pk=rule.pk).update(state=RuleState.REVOKE)


def settle_rules(ip):
    """After the data plane applied an IP's rules: added ones are Active, revoked ones gone."""
    for model in (PortForwardingRule, FirewallRule):
        model.objects.filter(ip=ip, state=RuleState.ADD).update(state=RuleState.ACTIVE)
        model.objects.filter(ip=ip, state=RuleState.REVOKE).delete()


# --- security groups ----------------------------------------------------------------------
def create_security_group(account, name, description=""):
    try:
        with transaction.atomic():
            return SecurityGroup.objects.create(account=account, name=name, description=description)
    except IntegrityError:
        raise ParamError(f"Unable to create security group, a group with name {name} already exists.") from None


def authorize(group, direction, protocol, start_port=None, end_port=None, icmp_type=None, icmp_code=None, cidrs=()):
    protocol = protocol.lower()
    if protocol not in PROTOCOLS | {"icmp", "all"}:
        raise ParamError(f"Invalid protocol {protocol}")
    if protocol in PROTOCOLS and start_port is None:
        raise ParamError("startport is required for tcp and udp rules")
    end_port = end_port if end_port is not None else start_port
    return [
        SecurityGroupRule.objects.create(
            group=group, direction=direction, protocol=protocol, start_port=start_port, end_port=end_port,
            icmp_type=icmp_type, icmp_code=icmp_code, cidr=cidr,
        )
        for cidr in (cidrs or ["0.0.0.0/0"])
    ]


def default_security_group(account):
    """The account's "default" group (CloudStack makes one per account): no ingress allowed,
    all egress allowed, until rules are authorised."""
    group, _ = SecurityGroup.objects.get_or_create(account=account, name="default",
                                                   defaults={"description": "Default Security Group"})
    return group


def delete_security_group(group):
    if group.name == "default":
        raise ParamError("The default security group cannot be removed")
    if group.vms.filter(removed__isnull=True).exists():
        raise InvalidState("Cannot delete group when it's in use by virtual machines", errorcode=536)
    group.delete()


def address_capacity(zone):
    """CloudStack's capacity rows of a zone's addresses: public IPs (4) and guest IPs (5)."""
    ips = PublicIpAddress.objects.filter(zone=zone).aggregate(total=Count("id"), used=Count("id", filter=Q(state="Allocated")))
    nics = Nic.objects.filter(network__zone=zone).count()
    guest_ips = sum(
        max(ipaddress.ip_network(n.cidr, strict=False).num_addresses - 3, 0)
        for n in GuestNetwork.objects.filter(zone=zone, removed__isnull=True)
    )
    return [
        {"type": 4, "zone": zone, "used": ips["used"], "total": ips["total"]},
        {"type": 5, "zone": zone, "used": nics, "total": guest_ips},
    ]


# --- use cases: what the query API's commands (and REST) call --------------------------------
def delete_network(job, network):
    """deleteNetwork, once it has no VM left."""
    ensure_deletable(network)
    return jobs.run_step(job, "Network", network, network_client.delete_network, network.pk)


def associate_ip_address(job, zone, network=None, address=None):
    """associateIpAddress: a free public IP of ``zone`` (``address``) for the job's account (on ``network``)."""
    limits.check(job.account, ip=1)
    ip = associate_public_ip(zone, job.account, network, address)
    jobs.run_step(job, "IpAddress", ip, network_client.apply_public_ip, ip.pk)
    return ip


def disassociate_ip_address(job, ip):
    return jobs.run_step(job, "IpAddress", ip, network_client.release_public_ip, ip.pk)


def _apply_rule(job, kind, rule, ip):
    """A rule of ``ip`` added or revoked: the Networking component applies the IP's rules."""
    return jobs.run_step(job, kind, rule, network_client.apply_public_ip, ip.pk)


def create_port_forwarding_rule(job, ip, vm, protocol, public_port, private_port, public_end=None, private_end=None,
                                cidrs=("0.0.0.0/0",), open_firewall=True, network=None, guest_ip=None):
    """createPortForwardingRule (with its firewall rule, unless ``open_firewall`` is False)."""
    if network is not None and network.pk != ip.network_id:
        raise ParamError(f"IP {ip.address} is not on network {network.uuid}")
    if guest_ip is not None and not Nic.objects.filter(vm=vm, network_id=ip.network_id, ip_address=guest_ip).exists():
        raise ParamError(f"VM {vm.uuid} has no address {guest_ip} on the network of IP {ip.address}")
    cidr_list = ",".join(cidrs)
    rule = new_port_forwarding(ip, vm, protocol, public_port, private_port, public_end, private_end, cidr_list)
    if open_firewall:
        new_firewall_rule(ip, rule.protocol, rule.public_port, rule.public_end_port, cidr_list=cidr_list)
    _apply_rule(job, "PortForwardingRule", rule, ip)
    return rule


def create_firewall_rule(job, ip, protocol, start_port=None, end_port=None, icmp_type=None, icmp_code=None,
                         cidrs=("0.0.0.0/0",)):
    rule = new_firewall_rule(ip, protocol, start_port, end_port, icmp_type, icmp_code, ",".join(cidrs))
    _apply_rule(job, "FirewallRule", rule, ip)
    return rule


def delete_port_forwarding_rule(job, rule):
    revoke(rule)
    return _apply_rule(job, "PortForwardingRule", rule, rule.ip)


def delete_firewall_rule(job, rule):
    revoke(rule)
    return _apply_rule(job, "FirewallRule", rule, rule.ip)


def create_egress_firewall_rule(job, network, protocol, start_port=None, end_port=None, icmp_type=None, icmp_code=None,
                                cidrs=("0.0.0.0/0",)):
    rule = new_egress_rule(network, protocol, start_port, end_port, icmp_type, icmp_code, ",".join(cidrs))
    jobs.run_step(job, "EgressRule", rule, network_client.apply_network, network.pk)
    return rule


def delete_egress_firewall_rule(job, rule):
    revoke(rule)
    return jobs.run_step(job, "EgressRule", rule, network_client.apply_network, rule.network_id)


def authorize_security_group(job, group, direction, protocol="all", start_port=None, end_port=None, icmp_type=None,
                             icmp_code=None, cidrs=()):
    """authorizeSecurityGroupIngress/Egress: a rule more; the group's shared networks are re-planned."""
    authorize(group, direction, protocol, start_port, end_port, icmp_type, icmp_code, cidrs)
    return jobs.run_step(job, "SecurityGroup", group, network_client.apply_security_group, group.pk)


def revoke_security_group_rule(job, rule):
    """revokeSecurityGroupIngress/Egress."""
    group = rule.group
    rule.delete()
    return jobs.run_step(job, "SecurityGroup", group, network_client.apply_security_group, group.pk)
