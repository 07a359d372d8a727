from collections import defaultdict

from apps.accounts.selectors import restrict
from apps.core.db import UuidText, written_join_order
from apps.network.models import Nic

from .choices import VmState
from .models import AffinityGroup, VirtualMachine


def vms_visible_to(caller):
    """The VMs ``caller`` may see; users never see destroyed ones (CloudStack's default)."""
    queryset = (
        VirtualMachine.objects.filter(removed__isnull=True)
        .select_related("zone", "template__os_type", "service_offering", "host", "account__domain", "user")
        .order_by("id")
    )
    queryset = restrict(queryset, caller)
    if not caller.is_admin:
        queryset = queryset.exclude(state__in=[VmState.DESTROYED, VmState.EXPUNGING])
    return queryset


EVERYTHING = ("zone", "template__os_type", "service_offering", "host__cluster", "network", "account__domain", "user")
# What each component reads of the VM it acts on: a join of every table a VM references costs
# PostgreSQL milliseconds to plan, one of three a tenth of that (anything else is still
# there, a query away).
FOR_NETWORK = ("network", "zone")
FOR_STORAGE = ("zone", "template", "account", "host__cluster")
FOR_COMPUTE = ("host", "template__os_type", "service_offering")


def vm_for_task(vm_id, related=EVERYTHING):
    """A VM with what a component needs to act on it (``related``), removed ones included."""
    return VirtualMachine.objects.select_related(*related).get(pk=vm_id)


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


# What a VM answer shows, read as values: the page's ids first (the filters' query), then the
# VMs with what they reference in one join taken in its written order, then their NICs and
# groups, each kind in one query; UUIDs read as text. A list of 10,000 VMs builds no model
# instance, no queryset per row and no uuid.UUID.
VM_COLUMNS = (
    "id", "name", "display_name", "instance_name", "state", "created", "last_seen", "keypair", "group", "host_id",
    "zone__name", "template__name", "template__display_text", "template__hypervisor", "template__password_enabled",
    "template__os_type__description", "service_offering__name", "service_offering__cpu_number",
    "service_offering__cpu_speed", "service_offering__memory_mb", "service_offering__offer_ha", "host__name",
    "account__name", "account__domain__name", "user__username",
)
VM_UUIDS = {"uuid_": "uuid", "zone_uuid": "zone__uuid", "template_uuid": "template__uuid",
            "os_type_uuid": "template__os_type__uuid", "offering_uuid": "service_offering__uuid", "host_uuid": "host__uuid",
            "domain_uuid": "account__domain__uuid", "user_uuid": "user__uuid"}
NIC_COLUMNS = ("ip_address", "mac_address", "is_default", "device_id", "network__name", "network__cidr", "network__gateway",
               "network__type")
NIC_UUIDS = {"uuid_": "uuid", "network_uuid": "network__uuid"}


def _texts(uuids):
    return {alias: UuidText(path) for alias, path in uuids.items()}


def _grouped(queryset, key, ids, columns, uuids):
    found = defaultdict(list)
    # "vm__id" is the column vm_id itself (no join); a foreign key takes no lookup of its own
    for row in queryset.filter(**{f"{key[:-3]}__id__anyof": ids}).values(key, *columns, **_texts(uuids)):
        found[row[key]].append(row)
    return found


def vm_rows(queryset):
    """The VMs of ``queryset`` (sliced or not), in its order, as rows for
    :func:`apps.compute.responses.vm_response`: their ids, then one query for the VMs and what
    they reference, one for their NICs, one for each kind of group."""
    ids = list(queryset.prefetch_related(None).values_list("id", flat=True))
    with written_join_order():
        found = {row["id"]: row for row in VirtualMachine.objects.filter(pk__anyof=ids).values(*VM_COLUMNS, **_texts(VM_UUIDS))}
    rows = [found[pk] for pk in ids if pk in found]
    nics = _grouped(Nic.objects.order_by("device_id", "id"), "vm_id", ids, NIC_COLUMNS, NIC_UUIDS)
    through = VirtualMachine.security_groups.through.objects.order_by("id")
    security = _grouped(through, "virtualmachine_id", ids, ("securitygroup__name", "securitygroup__description"),
                        {"uuid_": "securitygroup__uuid"})
    through = VirtualMachine.affinity_groups.through.objects.order_by("id")
    affinity = _grouped(through, "virtualmachine_id", ids, ("affinitygroup__name", "affinitygroup__type"),
                        {"uuid_": "affinitygroup__uuid"})
    for row in rows:
        row["nics"] = nics.get(row["id"], ())
        row["security_groups"] = security.get(row["id"], ())
        row["affinity_groups"] = affinity.get(row["id"], ())
    return rows


def vm_row(vm):
    """One VM (an instance or a primary key) as a row, as a list would show it."""
    return vm_rows(VirtualMachine.objects.filter(pk=getattr(vm, "pk", vm)))[0]


