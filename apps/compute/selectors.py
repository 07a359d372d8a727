from apps.accounts.selectors import restrict

from .choices import VmState
from .models import AffinityGroup, VirtualMachine


def vms_visible_to(caller):
    """The VMs ``caller`` may see; users never see destroyed ones (CloudStack's default)."""
    queryset = (
        VirtualMachine.objects.filter(removed__isnull=True)
        .select_related("zone", "template__os_type", "service_offering", "host", "account__domain", "user")
        .prefetch_related("nics__network", "affinity_groups", "security_groups")
        .order_by("id")
    )
    queryset = restrict(queryset, caller)
    if not caller.is_admin:
        queryset = queryset.exclude(state__in=[VmState.DESTROYED, VmState.EXPUNGING])
    return queryset


def vm_for_task(vm_id):
    """A VM with everything the components need to act on it, removed ones included."""
    return VirtualMachine.objects.select_related(
        "zone", "template__os_type", "service_offering", "host", "host__cluster", "network", "account__domain", "user"
    ).get(pk=vm_id)


def affinity_groups_visible_to(caller):
    return restrict(AffinityGroup.objects.select_related("account__domain").prefetch_related("vms").order_by("id"), caller)


# States in which a VM's guest belongs on its host (a Migrating VM's may be on either end).
ON_ITS_HOST = (VmState.RUNNING, VmState.STARTING, VmState.STOPPING)


def stale_guests(host, names):
    """Of the guests ``names`` running on ``host``, those whose VM the platform has stopped,
    destroyed or placed on another host: copies that must not run. Guests no VM claims are
    not ours to touch and are not returned."""
    vms = VirtualMachine.objects.filter(instance_name__in=list(names)).values_list("instance_name", "host_id", "state", "removed")
    return sorted(
        name for name, host_id, state, removed in vms
        if state != VmState.MIGRATING and not (removed is None and host_id == host.pk and state in ON_ITS_HOST)
    )
