"""Networking component logic: the data service's state, applied by the data plane driver.

Every change re-plans the whole network it touches (:func:`workers.network.plan.plan_for`)
and hands the plan to the driver; the data service is changed after the data plane, so a
failure leaves the records saying what is really configured.
"""
from contextlib import contextmanager

from django.db import transaction

from apps.network import services
from apps.network.models import GuestNetwork

from .drivers import driver
from .plan import plan_for


@contextmanager
def _applying(network):
    """Hold the network's row lock while its plan is made and applied: two workers applying
    one network at once apply in turn, so an older plan can never land after a newer one."""
    with transaction.atomic():
        list(GuestNetwork.objects.select_for_update().filter(pk=network.pk).values_list("pk", flat=True))
        yield


def implement(network):
    with _applying(network):
        driver().implement(plan_for(network))


def allocate_nic(vm):
    """The VM's NIC on its network, and the network's data plane (its bridge exists before
    the guest's NIC is plugged into it)."""
    nic = services.allocate_nic(vm)
    implement(vm.network)
    return nic


def add_nic(vm, network, ip=None):
    """A NIC of ``vm`` on another network (with address ``ip`` if asked for); the network's
    data plane is made if need be."""
    nic = services.allocate_nic(vm, network, ip)
    implement(network)
    return nic


def remove_nic(nic):
    """The network planned without the NIC, then its address freed."""
    with _applying(nic.network):
        driver().implement(plan_for(nic.network, without_nics=[nic]))
    services.release_nic(nic)


def apply_public_ip(ip):
    """Apply everything ``ip`` should have (rules being revoked left out), then settle them."""
    if ip.network_id is not None:
        implement(ip.network)
    services.settle_rules(ip)


def apply_network(network):
    """Apply the network as the data service has it, then settle its egress rules."""
    implement(network)
    services.settle_egress(network)


def release_public_ip(ip):
    if ip.network_id is not None:
        with _applying(ip.network):
            driver().implement(plan_for(ip.network, without_ips=[ip]))
    services.public_ip_released(ip)


def apply_security_group(group):
    """A group's rules changed: re-plan the shared networks its VMs are on (their members'
    filters are in the plans)."""
    for network in GuestNetwork.objects.filter(account__isnull=True, removed__isnull=True, nics__vm__security_groups=group).distinct():
        implement(network)


def release_nics(vm):
    """The VM's networks no longer plan for it, then its addresses are free again."""
    nics = list(vm.nics.select_related("network"))
    for network in {nic.network for nic in nics if nic.network.removed is None}:
        with _applying(network):
            driver().implement(plan_for(network, without_nics=nics))
    return services.release_nics(vm)


def delete_network(network):
    services.ensure_deletable(network)
    with _applying(network):
        driver().destroy(plan_for(network))
    services.network_removed(network)
