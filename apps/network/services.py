"""IPAM: give a VM a NIC with an IP and a MAC of its network, and take them back.

Uniqueness is the database's job (unique IP per network, unique MAC): allocation picks
the lowest free address, and when a concurrent allocation took it first the insert fails
and the next candidate is tried.
"""
import ipaddress
import secrets

from django.db import IntegrityError, transaction

from apps.core.errors import InsufficientCapacity

from .models import GuestNetwork, Nic

MAX_ATTEMPTS = 64


def default_network_for(zone, account):
    """The network a VM joins when the caller names none: the account's own isolated
    network in the zone if it has one, else the zone's shared network."""
    own = GuestNetwork.objects.filter(zone=zone, account=account).order_by("id").first()
    return own or GuestNetwork.objects.filter(zone=zone, account__isnull=True).order_by("id").first()


def usable_addresses(network):
    net = ipaddress.ip_network(network.cidr, strict=False)
    gateway = ipaddress.ip_address(network.gateway)
    return (ip for ip in net.hosts() if ip != gateway)


def random_mac():
    # 02: locally administered, unicast. Same first octets as CloudStack's guest NICs use.
    return "02:00:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(4))


def allocate_nic(vm):
    """The VM's NIC on its network: the existing one (idempotent) or a new one."""
    existing = Nic.objects.filter(vm=vm, network=vm.network).first()
    if existing:
        return existing
    for _ in range(MAX_ATTEMPTS):
        taken = set(Nic.objects.filter(network=vm.network).values_list("ip_address", flat=True))
        ip = next((str(a) for a in usable_addresses(vm.network) if str(a) not in taken), None)
        if ip is None:
            raise InsufficientCapacity(f"Network {vm.network.name} ({vm.network.cidr}) has no free IP address")
        try:
            with transaction.atomic():
                return Nic.objects.create(vm=vm, network=vm.network, ip_address=ip, mac_address=random_mac())
        except IntegrityError:
            existing = Nic.objects.filter(vm=vm, network=vm.network).first()
            if existing:  # a redelivered copy of this very task got there first
                return existing
    raise InsufficientCapacity(f"Could not allocate an address on network {vm.network.name}: too much contention")


def release_nics(vm):
    """Free every address the VM holds. Returns how many NICs were released."""
    deleted, _ = Nic.objects.filter(vm=vm).delete()
    return deleted


def create_network(zone, name, cidr, gateway=None, account=None, display_text=""):
    net = ipaddress.ip_network(cidr, strict=False)
    gateway = gateway or str(next(net.hosts()))
    kind = "Isolated" if account is not None else "Shared"
    return GuestNetwork.objects.create(
        zone=zone, name=name, display_text=display_text or name, cidr=str(net), gateway=gateway, account=account, type=kind
    )
