"""The Networking component on the Linux data plane, driven through the API: an isolated
network gets a bridge and a router namespace, a public IP with a port forwarding rule makes a
guest's listener reachable from outside, and deleting it all leaves nothing behind.

The simulated VM has no real NIC, so the test plugs a namespace with the VM's address and MAC
into the network's bridge where the guest's tap would be."""
import os

import pytest

from tests.support import eventually
from workers.network.drivers.linux import run

from .stack import Stack
from .test_dataplane import ask, plug, serve

pytestmark = pytest.mark.integration
PREFIX = "jq"


@pytest.fixture(scope="module")
def linux_stack(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the Linux data plane needs root")
    platform = Stack("production", tmp_path_factory.mktemp("javelin-linux-net"),
                     components=["api", "orchestration", "network", "storage", "compute"],
                     extra_env={"JAVELIN_NETWORK_DRIVER": "linux", "JAVELIN_DATAPLANE_PREFIX": PREFIX})
    servers = []
    try:
        platform.start()
        yield platform, servers
    finally:
        for proc in servers:
            proc.kill()
        platform.stop()
        for ns in run("ip", "netns", "list").stdout.split():
            if ns.startswith(PREFIX):
                run("ip", "netns", "del", ns, check=False)
        for line in run("ip", "-o", "link", "show").stdout.splitlines():
            name = line.split(":")[1].strip().split("@")[0]
            if name.startswith(PREFIX):
                run("ip", "link", "del", name, check=False)


def ours(kind):
    if kind == "netns":
        return sorted(n for n in run("ip", "netns", "list").stdout.split() if n.startswith(PREFIX))
    return sorted(line.split(":")[1].strip().split("@")[0] for line in run("ip", "-o", "link", "show").stdout.splitlines()
                  if line.split(":")[1].strip().startswith(PREFIX))


def test_port_forwarding_through_the_api_reaches_the_guest_and_deleting_leaves_nothing(linux_stack):
    stack, servers = linux_stack
    cs = stack.client(fetch_result=True)
    zone = next(z for z in cs.listZones()["zone"] if z["name"] == "Sim-Zone-1")
    offering = next(o["id"] for o in cs.listNetworkOfferings()["networkoffering"] if o["guestiptype"] == "Isolated")
    network = cs.createNetwork(name="linux-net", displaytext="linux-net", networkofferingid=offering, zoneid=zone["id"])["network"]
    template = cs.listTemplates(templatefilter="executable", zoneid=zone["id"])["template"][0]["id"]
    small = next(o["id"] for o in cs.listServiceOfferings()["serviceoffering"] if o["name"] == "Small Instance")
    vm = cs.deployVirtualMachine(zoneid=zone["id"], templateid=template, serviceofferingid=small,
                                 networkids=network["id"])["virtualmachine"]
    (nic,) = vm["nic"]
    (bridge,) = [name for name in ours("link") if name.startswith(f"{PREFIX}br")]  # made before the guest started
    (router,) = [ns for ns in ours("netns") if ns.startswith(f"{PREFIX}r")]

    ip = cs.associateIpAddress(networkid=network["id"])["ipaddress"]
    rule = cs.createPortForwardingRule(ipaddressid=ip["id"], virtualmachineid=vm["id"], protocol="tcp", publicport=8080,
                                       privateport=80)["portforwardingrule"]
    (upstream,) = [ns for ns in ours("netns") if ns.startswith(f"{PREFIX}z")]

    # the guest (in place of the VM's NIC) and a client on the upstream network
    guest, client = f"{PREFIX}tg", f"{PREFIX}tc"
    plug(guest, bridge, f"{nic['ipaddress']}/24", nic["gateway"], mac=nic["macaddress"])
    plug(client, "pub", "203.0.113.5/24", ns_of_bridge=upstream)
    serve(servers, guest, 80, "the-vm")

    assert ask(client, ip["ipaddress"], 8080) == "the-vm sees 203.0.113.5"
    assert ask(client, ip["ipaddress"], 8081).startswith("unreachable")
    ruleset = run("nft", "list", "table", "ip", "javelin", ns=router).stdout
    assert f"dnat to {nic['ipaddress']}" in ruleset

    cs.deletePortForwardingRule(id=rule["id"])
    assert ask(client, ip["ipaddress"], 8080).startswith("unreachable")
    assert f"dnat to {nic['ipaddress']}" not in run("nft", "list", "table", "ip", "javelin", ns=router).stdout

    # static NAT: a second address maps one to one to the guest, opened by a firewall rule;
    # the guest then goes out as that address
    nat_ip = cs.associateIpAddress(networkid=network["id"])["ipaddress"]
    assert cs.enableStaticNat(ipaddressid=nat_ip["id"], virtualmachineid=vm["id"])["success"] in (True, "true")
    cs.createFirewallRule(ipaddressid=nat_ip["id"], protocol="tcp", startport=22, endport=22)
    (listed,) = cs.listPublicIpAddresses(id=nat_ip["id"])["publicipaddress"]
    assert listed["isstaticnat"] is True and listed["virtualmachineid"] == vm["id"] and listed["issourcenat"] is False
    assert cs.listPublicIpAddresses(id=ip["id"])["publicipaddress"][0]["issourcenat"] is True
    serve(servers, guest, 22, "the-vm")
    serve(servers, client, 9000, "internet")
    assert eventually(lambda: ask(client, nat_ip["ipaddress"], 22) == "the-vm sees 203.0.113.5")  # applied right after the call
    assert ask(client, nat_ip["ipaddress"], 23).startswith("unreachable")
    assert ask(guest, "203.0.113.5", 9000) == f"internet sees {nat_ip['ipaddress']}"
    # egress: the default offering allows it, so an egress rule denies
    egress = cs.createEgressFirewallRule(networkid=network["id"], protocol="tcp", startport=9000, endport=9000,
                                         cidrlist="203.0.113.0/24")["firewallrule"]
    assert egress["state"] == "Active" and cs.listEgressFirewallRules(networkid=network["id"])["firewallrule"]
    assert ask(guest, "203.0.113.5", 9000).startswith("unreachable")
    cs.deleteEgressFirewallRule(id=egress["id"])
    assert ask(guest, "203.0.113.5", 9000) == f"internet sees {nat_ip['ipaddress']}"
    cs.disableStaticNat(ipaddressid=nat_ip["id"])
    assert ask(client, nat_ip["ipaddress"], 22).startswith("unreachable")
    assert ask(guest, "203.0.113.5", 9000) == f"internet sees {ip['ipaddress']}"  # back to source NAT
    cs.disassociateIpAddress(id=nat_ip["id"])

    for proc in servers:
        proc.kill()
    for ns in (guest, client):
        run("ip", "netns", "del", ns)
    cs.destroyVirtualMachine(id=vm["id"], expunge=True)
    cs.disassociateIpAddress(id=ip["id"])
    assert "public" not in run("ip", "-o", "link", "show", ns=router).stdout  # no public IP left: no public side
    cs.deleteNetwork(id=network["id"])
    assert [ns for ns in ours("netns") if ns.startswith(f"{PREFIX}r")] == []
    assert [name for name in ours("link") if name.startswith((f"{PREFIX}br", f"{PREFIX}g"))] == []


def test_security_groups_through_the_api_filter_vms_on_the_shared_network(linux_stack):
    stack, servers = linux_stack
    cs = stack.client(fetch_result=True)
    zone = next(z for z in cs.listZones()["zone"] if z["name"] == "Sim-Zone-1")
    template = cs.listTemplates(templatefilter="executable", zoneid=zone["id"])["template"][0]["id"]
    small = next(o["id"] for o in cs.listServiceOfferings()["serviceoffering"] if o["name"] == "Small Instance")
    web_group = cs.createSecurityGroup(name="web")["securitygroup"]
    cs.authorizeSecurityGroupIngress(securitygroupid=web_group["id"], protocol="tcp", startport=22, endport=22,
                                     cidrlist="0.0.0.0/0")
    bridges_before = set(ours("link"))
    web = cs.deployVirtualMachine(zoneid=zone["id"], templateid=template, serviceofferingid=small,
                                  securitygroupids=web_group["id"])["virtualmachine"]
    client = cs.deployVirtualMachine(zoneid=zone["id"], templateid=template, serviceofferingid=small)["virtualmachine"]
    assert [g["name"] for g in web["securitygroup"]] == ["web"] and [g["name"] for g in client["securitygroup"]] == ["default"]
    (bridge,) = [name for name in set(ours("link")) - bridges_before if name.startswith(f"{PREFIX}br")]

    guests = {}
    for key, vm in (("web", web), ("client", client)):
        (nic,) = vm["nic"]
        ns = f"{PREFIX}s{key[0]}"
        plug(ns, bridge, f"{nic['ipaddress']}/16", mac=nic["macaddress"])
        serve(servers, ns, 22, key)
        guests[key] = (ns, nic["ipaddress"])
    try:
        (web_ns, web_ip), (client_ns, client_ip) = guests["web"], guests["client"]
        assert ask(client_ns, web_ip, 22) == f"web sees {client_ip}"  # web's group lets 22 in
        assert ask(web_ns, client_ip, 22).startswith("unreachable")  # the default group lets nothing in
        default = next(g for g in cs.listSecurityGroups()["securitygroup"] if g["name"] == "default")
        cs.authorizeSecurityGroupIngress(securitygroupid=default["id"], protocol="tcp", startport=22, endport=22,
                                         cidrlist=f"{web_ip}/32")
        assert ask(web_ns, client_ip, 22) == f"client sees {web_ip}"
        (rule,) = cs.listSecurityGroups(id=default["id"])["securitygroup"][0]["ingressrule"]
        cs.revokeSecurityGroupIngress(id=rule["ruleid"])
        assert ask(web_ns, client_ip, 22).startswith("unreachable")
    finally:
        for ns, _ in guests.values():
            run("ip", "netns", "del", ns, check=False)
    for vm in (web, client):
        cs.destroyVirtualMachine(id=vm["id"], expunge=True)
    table = f"{PREFIX}sg"
    assert not [line for line in run("nft", "list", "tables").stdout.splitlines() if table in line]  # no member left
