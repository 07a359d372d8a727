"""The network planner (workers/network/plan.py): the desired state of one guest network read
from the data service, as a data plane driver is handed it."""
import pytest

from apps.network import services
from apps.network.models import Nic, RuleState
from tests.conftest import deploy_vm
from workers.network.plan import Egress, Firewall, Member, PortForward, SgRule, plan_for


@pytest.fixture
def isolated(cloud, alice):
    services.add_public_range(cloud["zone"], "203.0.113.10", "203.0.113.20", "203.0.113.1", "255.255.255.0")
    network = services.create_network(cloud["zone"], "alice-net", account=alice.account)
    vm, _ = deploy_vm(alice, cloud, "web", start=False)
    type(vm).objects.filter(pk=vm.pk).update(network=network)
    vm.refresh_from_db()
    nic = services.allocate_nic(vm, network)
    return network, vm, nic


def test_an_isolated_networks_plan_has_its_ips_nat_forwards_firewall_and_egress(cloud, alice, isolated):
    network, vm, nic = isolated
    source_nat = services.associate_public_ip(cloud["zone"], alice.account, network)
    web = services.associate_public_ip(cloud["zone"], alice.account, network)
    nat = services.associate_public_ip(cloud["zone"], alice.account, network)
    forward = services.new_port_forwarding(web, vm, "TCP", 80, 8080, cidr_list="198.51.100.0/24")
    services.new_firewall_rule(web, "tcp", 80, None, cidr_list="198.51.100.0/24,192.0.2.0/24")
    services.new_egress_rule(network, "udp", 53, 53, cidr_list="9.9.9.9/32")
    services.enable_static_nat(nat, vm)

    plan = plan_for(network)
    assert (plan.cidr, plan.gateway, plan.bridge) == (network.cidr, network.gateway, network.bridge)
    assert plan.public_ips == (source_nat.address, web.address, nat.address)  # the first is the source NAT address
    assert (plan.public_gateway, plan.public_prefix) == ("203.0.113.1", 24)
    assert plan.port_forwards == (PortForward(web.address, "tcp", (80, 80), nic.ip_address, (8080, 8080),
                                              ("198.51.100.0/24",)),)
    assert plan.firewall == (Firewall(web.address, "tcp", (80, 80), ("198.51.100.0/24", "192.0.2.0/24")),)
    assert plan.static_nat == ((nat.address, nic.ip_address),)
    assert plan.egress == (Egress("udp", (53, 53), ("9.9.9.9/32",)),) and plan.members == ()

    services.revoke(forward)  # being revoked: planned without it, before the data service forgets it
    assert plan_for(network).port_forwards == ()
    assert forward.__class__.objects.get(pk=forward.pk).state == RuleState.REVOKE
    assert plan_for(network, without_ips=[web]).public_ips == (source_nat.address, nat.address)


def test_a_shared_networks_plan_lists_its_members_with_their_groups_rules(cloud, alice):
    vm, _ = deploy_vm(alice, cloud, "member", start=False)  # on the zone's shared network, in the default group
    nic = services.allocate_nic(vm)
    group = services.default_security_group(alice.account)
    services.authorize(group, "ingress", "tcp", 22, 22, cidrs=["192.0.2.0/24"])
    services.authorize(group, "egress", "all")

    plan = plan_for(vm.network)
    assert plan.public_ips == () and plan.port_forwards == ()
    assert plan.members == (Member(nic.mac_address, nic.ip_address, (SgRule("tcp", (22, 22), ("192.0.2.0/24",)),),
                                   (SgRule("all", (None, None), ("0.0.0.0/0",)),)),)
    assert plan_for(vm.network, without_nics=[nic]).members == ()
    assert Nic.objects.filter(pk=nic.pk).exists()  # left out of the plan only
