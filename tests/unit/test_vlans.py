"""Isolated networks get a VLAN of their zone's range, never one a live network has."""
import pytest

from apps.core.errors import InsufficientCapacity
from apps.fabric.models import Zone
from apps.network import services


@pytest.fixture
def zone(cloud):
    zone = Zone.objects.get(name="Unit-Zone")
    Zone.objects.filter(pk=zone.pk).update(vlan_range="700-702")
    zone.refresh_from_db()
    return zone


def test_vlans_are_unique_run_out_and_come_back(zone, alice):
    nets = [services.create_network(zone, f"n{i}", account=alice.account) for i in range(3)]
    assert [n.vlan for n in nets] == [700, 701, 702]
    with pytest.raises(InsufficientCapacity) as full:
        services.create_network(zone, "n4", account=alice.account)
    assert full.value.errorcode == 533 and "No free VLAN" in full.value.errortext
    services.network_removed(nets[1])
    assert services.create_network(zone, "n5", account=alice.account).vlan == 701
    shared = services.create_network(zone, "zone-wide", cidr="10.200.0.0/24")
    assert shared.vlan is None  # a shared network is untagged here


def test_a_vlan_taken_by_a_racing_creator_is_not_given_twice(zone, alice, monkeypatch):
    first = services.create_network(zone, "a", account=alice.account)
    calls = []
    real = services.free_vlan

    def stale(z):  # the first answer is what a racing creator saw before "a" committed
        calls.append(1)
        return first.vlan if len(calls) == 1 else real(z)

    monkeypatch.setattr(services, "free_vlan", stale)
    second = services.create_network(zone, "b", account=alice.account)
    assert second.vlan == 701 and len(calls) == 2
