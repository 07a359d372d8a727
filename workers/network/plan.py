"""The desired state of one guest network's data plane, read from the data service.

A data plane driver is handed a whole :class:`NetworkPlan` each time and makes the network
exactly so: applying the same plan twice changes nothing, so a redelivered task is harmless.
"""
import ipaddress
from dataclasses import dataclass

from apps.network.models import EgressRule, FirewallRule, GuestNetwork, Nic, PortForwardingRule, PublicIpAddress, RuleState


@dataclass(frozen=True)
class PortForward:
    public_ip: str
    protocol: str  # tcp | udp
    public_ports: tuple  # (first, last)
    private_ip: str
    private_ports: tuple
    cidrs: tuple = ("0.0.0.0/0",)


@dataclass(frozen=True)
class Firewall:
    public_ip: str
    protocol: str  # tcp | udp | icmp | all
    ports: tuple = (None, None)
    cidrs: tuple = ("0.0.0.0/0",)


@dataclass(frozen=True)
class Egress:
    protocol: str
    ports: tuple = (None, None)
    cidrs: tuple = ("0.0.0.0/0",)


@dataclass(frozen=True)
class SgRule:
    protocol: str  # tcp | udp | icmp | all
    ports: tuple = (None, None)
    cidrs: tuple = ("0.0.0.0/0",)


@dataclass(frozen=True)
class Member:
    """A VM's NIC on a shared network and what its security groups let in and out: nothing
    in but what an ingress rule allows; everything out unless egress rules say what may."""

    mac: str
    ip: str
    ingress: tuple = ()
    egress: tuple = ()


@dataclass(frozen=True)
class NetworkPlan:
    id: int
    zone_id: int
    bridge: str
    cidr: str
    gateway: str
    public_gateway: str | None = None  # the zone's public gateway, if the network has public IPs
    public_prefix: int | None = None
    public_ips: tuple = ()  # the first is the source NAT address
    static_nat: tuple = ()  # (public ip, private ip)
    port_forwards: tuple = ()
    firewall: tuple = ()
    egress_default_allow: bool = True  # then the egress rules deny; else they are what is allowed
    egress: tuple = ()
    members: tuple = ()  # shared networks: the VMs' NICs with their security group rules

    @property
    def prefix(self):
        return ipaddress.ip_network(self.cidr, strict=False).prefixlen


def _cidrs(text):
    return tuple(c.strip() for c in (text or "0.0.0.0/0").split(",") if c.strip())


def plan_for(network, without_ips=(), without_nics=()):
    """The plan of ``network`` as the data service has it (public IPs in ``without_ips`` and
    NICs in ``without_nics``, being released, left out; rules being revoked left out)."""
    network = GuestNetwork.objects.select_related("network_offering").get(pk=network.pk)
    live = {"state__in": [RuleState.ADD, RuleState.ACTIVE]}
    ips = list(PublicIpAddress.objects.filter(network=network, state="Allocated").exclude(pk__in=[i.pk for i in without_ips])
               .select_related("static_nat_vm").order_by("allocated", "id"))
    addresses = [ip.address for ip in ips]
    forwards = []
    for rule in PortForwardingRule.objects.filter(ip__in=ips, **live).select_related("ip").prefetch_related("vm__nics"):
        nic = next((n for n in rule.vm.nics.all() if n.network_id == network.pk), None)
        if nic is not None:
            forwards.append(PortForward(rule.ip.address, rule.protocol, (rule.public_port, rule.public_end_port),
                                        nic.ip_address, (rule.private_port, rule.private_end_port), _cidrs(rule.cidr_list)))
    firewall = [Firewall(r.ip.address, r.protocol, (r.start_port, r.end_port), _cidrs(r.cidr_list))
                for r in FirewallRule.objects.filter(ip__in=ips, **live).select_related("ip")]
    static_nat = []
    for ip in ips:
        if ip.static_nat_vm_id is not None:
            nic = ip.static_nat_vm.nics.filter(network=network).first()
            if nic is not None:
                static_nat.append((ip.address, nic.ip_address))
    egress = [Egress(r.protocol, (r.start_port, r.end_port), _cidrs(r.cidr_list))
              for r in EgressRule.objects.filter(network=network, **live).order_by("id")]
    offering = network.network_offering
    members = _members(network, without_nics) if network.account_id is None else ()
    first = ips[0] if ips else None
    return NetworkPlan(
        id=network.pk, zone_id=network.zone_id, bridge=network.bridge, cidr=network.cidr, gateway=network.gateway,
        public_gateway=first.gateway if first else None,
        public_prefix=ipaddress.ip_network(f"0.0.0.0/{first.netmask}").prefixlen if first else None,
        public_ips=tuple(addresses), static_nat=tuple(static_nat), port_forwards=tuple(forwards), firewall=tuple(firewall),
        egress_default_allow=offering.egress_default_allow if offering else True, egress=tuple(egress),
        members=members,
    )


def _members(network, without_nics=()):
    members = []
    nics = Nic.objects.filter(network=network, vm__removed__isnull=True).exclude(pk__in=[n.pk for n in without_nics])
    for nic in nics.select_related("vm").prefetch_related("vm__security_groups__rules").order_by("id"):
        rules = [r for group in nic.vm.security_groups.all() for r in group.rules.all()]

        def pick(direction, rules=rules):
            return tuple(SgRule(r.protocol, (r.start_port, r.end_port), _cidrs(r.cidr)) for r in rules if r.direction == direction)
        members.append(Member(nic.mac_address, nic.ip_address, pick("ingress"), pick("egress")))
    return tuple(members)
