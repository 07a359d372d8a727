import pytest

from apps.core.errors import InsufficientCapacity
from apps.fabric import placement
from apps.fabric.models import Host
from tests.conftest import deploy_vm


@pytest.fixture
def new_vm(cloud, admin):
    counter = iter(range(1000))

    def make():
        vm, _ = deploy_vm(admin, cloud, f"p{next(counter)}")
        return vm

    return make


def allocated():
    return {h.name: (h.cpu_allocated_mhz, h.memory_allocated_mb) for h in Host.objects.order_by("name")}


def test_reserve_records_on_host_and_vm(new_vm):
    vm = new_vm()
    host = placement.reserve_for_vm(vm)
    assert (vm.host_id, vm.reserved_cpu_mhz, vm.reserved_memory_mb) == (host.pk, 500, 512)
    assert allocated()[host.name] == (500, 512)


def test_fills_hosts_then_refuses(new_vm):
    # 2 hosts x 4096 MB = 8 VMs of 512 MB; the 9th has no room anywhere.
    for _ in range(16):
        placement.reserve_for_vm(new_vm())
    assert allocated() == {"h1": (4000, 4096), "h2": (4000, 4096)}
    with pytest.raises(InsufficientCapacity) as err:
        placement.reserve_for_vm(new_vm())
    assert err.value.errorcode == 533


def test_spreads_to_the_roomiest_host(new_vm):
    first = placement.reserve_for_vm(new_vm())
    second = placement.reserve_for_vm(new_vm())
    assert first != second


def test_release_is_exact_and_happens_once(new_vm):
    vm = new_vm()
    placement.reserve_for_vm(vm)
    placement.release_for_vm(vm)
    placement.release_for_vm(vm)
    assert allocated() == {"h1": (0, 0), "h2": (0, 0)}
    assert (vm.reserved_cpu_mhz, vm.reserved_memory_mb) == (0, 0)


def test_prefers_the_given_host_when_it_has_room(new_vm):
    h2 = Host.objects.get(name="h2")
    placement.reserve_for_vm(new_vm())  # h1 or h2
    assert placement.reserve_for_vm(new_vm(), prefer=h2) == h2


def test_disabled_and_down_hosts_are_skipped(new_vm):
    Host.objects.filter(name="h1").update(resource_state="Disabled")
    Host.objects.filter(name="h2").update(state="Down")
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(new_vm())


def test_cpu_is_a_limit_too(new_vm):
    Host.objects.update(cpu_number=1)  # 1000 MHz each: two 500 MHz VMs per host
    for _ in range(4):
        placement.reserve_for_vm(new_vm())
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(new_vm())


def test_overprovisioning_factor(new_vm, settings):
    settings.MEMORY_OVERPROVISIONING = 2.0
    settings.CPU_OVERPROVISIONING = 2.0
    for _ in range(32):
        placement.reserve_for_vm(new_vm())
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(new_vm())


def test_try_reserve_rechecks_room_at_update_time(new_vm):
    host = Host.objects.get(name="h1")
    Host.objects.filter(pk=host.pk).update(memory_allocated_mb=4096)  # filled since it was read
    assert placement.try_reserve(host, 500, 512) is False
    assert allocated()["h1"] == (0, 4096)
