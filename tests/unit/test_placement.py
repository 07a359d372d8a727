import pytest

from apps.compute import placement
from apps.core.errors import InsufficientCapacity
from apps.fabric import capacity
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
    assert capacity.try_reserve(host, 500, 512) is False
    assert allocated()["h1"] == (0, 4096)


def test_host_tags_of_the_offering_are_required(new_vm, cloud):
    cloud["offering"].host_tags = "ssd, gpu"
    cloud["offering"].save()
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(new_vm())
    Host.objects.filter(name="h2").update(host_tags="gpu,ssd,fast")
    Host.objects.filter(name="h1").update(host_tags="ssd")
    assert placement.reserve_for_vm(new_vm()).name == "h2"


def test_anti_affinity_keeps_group_members_apart(new_vm, admin):
    from apps.compute.services import create_affinity_group

    group = create_affinity_group(admin.account, "web")
    first, second, third = new_vm(), new_vm(), new_vm()
    for vm in (first, second, third):
        vm.affinity_groups.add(group)
    hosts = {placement.reserve_for_vm(first).name, placement.reserve_for_vm(second).name}
    assert hosts == {"h1", "h2"}
    with pytest.raises(InsufficientCapacity):
        placement.reserve_for_vm(third)  # two hosts, both taken by the group
    outsider = new_vm()
    assert placement.reserve_for_vm(outsider) is not None  # others are not constrained


def test_search_goes_past_the_first_candidates_read(new_vm, monkeypatch):
    monkeypatch.setattr(placement, "CANDIDATES", 1)
    Host.objects.filter(name="h1").update(memory_allocated_mb=4096)  # full, but the others do not know yet
    original = capacity.candidate_hosts

    def stale_read(*args, **kwargs):  # as if h1 were read before it filled up
        batch = original(*args, **kwargs)
        if not kwargs.get("avoid"):
            return [Host.objects.get(name="h1")]
        return batch

    monkeypatch.setattr(placement, "candidate_hosts", stale_read)
    assert placement.reserve_for_vm(new_vm()).name == "h2"


def test_migration_target_excludes_the_current_host_and_stays_in_cluster(new_vm):
    vm = new_vm()
    current = placement.reserve_for_vm(vm)
    other = capacity.candidate_hosts(vm.zone, 500, 512, avoid={current.pk}, cluster=current.cluster)
    assert [h.name for h in other] == [({"h1", "h2"} - {current.name}).pop()]
