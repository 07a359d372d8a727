"""Compute component logic: turn a VM record into a guest on its host, and back."""
from pathlib import Path

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.db import close_old_connections

from apps.compute import services as compute_services
from apps.compute.models import VirtualMachine
from apps.compute.selectors import stale_guests
from apps.compute.states import VmState
from apps.core import config
from apps.core.errors import InvalidState, ResourceUnavailable
from apps.events.services import record_event
from apps.fabric import services as fabric
from apps.fabric.models import HostState
from apps.storage import services as storage
from apps.storage.services import volumes_of
from clients import compute as compute_client

from .drivers import DomainSpec, driver_for
from .drivers.base import Disk, Interface


def spec_for(vm):
    offering, template = vm.service_offering, vm.template
    console = Path(settings.STATE_DIR) / "guests" / f"{vm.instance_name}.log"
    console.parent.mkdir(parents=True, exist_ok=True)
    return DomainSpec(
        name=vm.instance_name,
        uuid=str(vm.uuid),
        vcpus=offering.cpu_number,
        memory_mb=offering.memory_mb,
        disks=tuple(Disk(v.path, format=v.format.lower(), device_id=v.device_id or 0) for v in sorted(volumes_of(vm), key=lambda v: v.device_id or 0) if v.path),
        interfaces=tuple(Interface(n.mac_address, n.network.bridge) for n in vm.nics.select_related("network")),
        kernel=template.kernel,
        initrd=template.initrd,
        cmdline=template.cmdline,
        console_log=str(console),
    )


def _driver(vm):
    if vm.host_id is None:
        raise InvalidState(f"VM {vm.uuid} has no host to act on")
    return driver_for(vm.host)


def start(vm):
    _driver(vm).start(spec_for(vm))


def stop(vm, forced=False):
    _driver(vm).stop(vm.instance_name, forced=forced)


def reboot(vm):
    _driver(vm).reboot(vm.instance_name)


def destroy(vm):
    """Remove the guest from its host, if it has one (a VM never placed has nothing there)."""
    if vm.host_id is not None:
        driver_for(vm.host).destroy(vm.instance_name)


def attach_volume(volume, vm, device_id=None):
    """Record the attachment (as device ``device_id``, or the lowest free one), then plug the
    disk into the guest if it has one; undo the record if the hypervisor refuses."""
    volume = storage.attach(volume, vm, device_id)
    if vm.host_id is not None:
        try:
            driver_for(vm.host).attach_disk(vm.instance_name, Disk(volume.path, format=volume.format.lower(), device_id=volume.device_id), volume.device_id)
        except Exception:
            storage.detach(volume)
            raise
    return volume


def detach_volume(volume):
    vm = volume.vm
    if vm is None:
        return volume  # redelivered: already detached
    if vm.host_id is not None:
        driver_for(vm.host).detach_disk(vm.instance_name, Disk(volume.path, format=volume.format.lower(), device_id=volume.device_id), volume.device_id)
    return storage.detach(volume)


def plug_nic(vm, nic):
    if vm.host_id is not None:
        driver_for(vm.host).attach_interface(vm.instance_name, Interface(nic.mac_address, nic.network.bridge))


def unplug_nic(vm, nic):
    if vm.host_id is not None:
        driver_for(vm.host).detach_interface(vm.instance_name, Interface(nic.mac_address, nic.network.bridge))


def connect_host(host):
    """Open the host's hypervisor and read its capacity; the host is Up from then on."""

    try:
        stats = driver_for(host).host_stats()
    except ResourceUnavailable:
        fabric.host_unreachable(host)
        raise
    fabric.host_connected(host, stats["cpus"], stats["cpu_mhz"], stats["memory_mb"])
    return stats


def migrate(vm, target_host):
    driver_for(vm.host).migrate(spec_for(vm), driver_for(target_host))


def sync_host(host):
    """Compare what the host runs with what the data service says it runs.

    A VM the data service has Running on this host but the hypervisor does not run was
    stopped behind our back: see :func:`apps.compute.services.power_off_reported`. Guests the hypervisor runs that
    no VM claims are reported. Returns (vm uuids marked stopped, unknown guest names).
    """

    # The data service is read before the hypervisor: a VM that starts in between is not
    # expected yet, so it cannot be taken for missing.
    expected = list(
        VirtualMachine.objects.filter(host=host, state=VmState.RUNNING, removed__isnull=True).select_related("account", "user")
    )
    driver = driver_for(host)
    running = set(driver.host_stats()["running"])
    stopped = []
    for vm in expected:
        if vm.instance_name not in running and compute_services.power_off_reported(host, vm):
            driver.forget_if_off(vm.instance_name)
            stopped.append(str(vm.uuid))
    known = set(VirtualMachine.objects.filter(host=host, removed__isnull=True).values_list("instance_name", flat=True))
    return stopped, sorted(running - known)


def guest_stopped(uri, name):
    """A lifecycle event: guest ``name`` on the hypervisor at ``uri`` stopped."""
    close_old_connections()
    vm = VirtualMachine.objects.filter(instance_name=name, host__url=uri, removed__isnull=True).select_related(
        "host", "account", "user").first()
    if vm is not None and compute_services.power_off_reported(vm.host, vm, how="libvirt reported it stopped"):
        compute_client.forget_guest(vm.last_host_id, name)  # on a worker thread, not libvirt's event thread


def forget_guest(host, name):
    driver_for(host).forget_if_off(name)


def investigate(target, timeout=None):
    """Is host ``target`` alive? Run by the agent of a peer in its cluster.

    ``Up`` if its agent answers a ping on its queue (its heartbeats are only late),
    ``Disconnected`` if its hypervisor answers on its libvirt URI but its agent does not
    (its guests may well run: nothing is restarted), ``Down`` if neither answers. A simulated
    host's hypervisor lives inside its agent's process, so for it the agent is the check.
    """
    timeout = timeout or max(1.0, config.value("ping.interval"))
    try:
        compute_client.ping(target.pk, timeout)
        return HostState.UP
    except CeleryTimeout:
        pass
    return HostState.DISCONNECTED if driver_for(target).reachable() else HostState.DOWN


def fence(host, names):
    """Destroy the guests ``names`` on ``host`` that must not run there (checked again here,
    at the last moment: a VM started on this host since is kept). Returns the fenced names."""

    driver = driver_for(host)
    fenced = []
    for name in stale_guests(host, names):
        if driver.state(name) == "missing":
            continue
        driver.destroy(name)
        fenced.append(name)
        vm = VirtualMachine.objects.select_related("account", "host").get(instance_name=name)
        where = f"it runs on host {vm.host.name}" if vm.host_id else f"it is {vm.state}"
        record_event("VM.SYNC", f"Fenced VM {vm.uuid} ({name}) on host {host.name}: {where}, so this copy was destroyed",
               account=vm.account, user_id=vm.user_id, level="WARN", resource_type="VirtualMachine", resource_uuid=vm.uuid)
    if fenced:
        driver.persist()
    return fenced
