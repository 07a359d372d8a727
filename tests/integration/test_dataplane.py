"""The Linux data plane, for real, as root: bridges, router namespaces and nftables.

Guests are network namespaces of the test's own plugged into a network's bridge, as a VM's
tap would be; the "internet" is a client namespace on the zone's upstream bridge. Every name
starts with ``jt`` so nothing of the platform's (``jv``) or the machine's is touched.
"""
import os
import subprocess
import sys
import time

import pytest

from workers.network.drivers.linux import LinuxDriver, run
from workers.network.plan import Egress, Firewall, Member, NetworkPlan, PortForward, SgRule

pytestmark = pytest.mark.integration

PUBLIC = {"zone_id": 9, "public_gateway": "203.0.113.1", "public_prefix": 24}
NET_A = NetworkPlan(id=901, bridge="jtbr901", cidr="10.91.0.0/24", gateway="10.91.0.1", public_ips=("203.0.113.21",),
                    port_forwards=(PortForward("203.0.113.21", "tcp", (8080, 8080), "10.91.0.10", (80, 80)),
                                   PortForward("203.0.113.21", "tcp", (8081, 8081), "10.91.0.10", (80, 80))),
                    firewall=(Firewall("203.0.113.21", "tcp", (8080, 8080)),), **PUBLIC)
NET_B = NetworkPlan(id=902, bridge="jtbr902", cidr="10.92.0.0/24", gateway="10.92.0.1",
                    public_ips=("203.0.113.22", "203.0.113.23"), static_nat=(("203.0.113.23", "10.92.0.10"),),
                    firewall=(Firewall("203.0.113.23", "tcp", (22, 22)),), **PUBLIC)
SERVE = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8); print("ready", flush=True)
while True:
    c, peer = s.accept(); c.sendall(f"{sys.argv[2]} sees {peer[0]}".encode()); c.close()
"""
ASK = """
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2); print(c.recv(200).decode())
except OSError as e:
    print(f"unreachable: {e}"); sys.exit(1)
"""


@pytest.fixture(scope="module")
def plane():
    if os.geteuid() != 0:
        pytest.fail("the data plane tests run as root (network namespaces, bridges, nftables)")
    driver = LinuxDriver(prefix="jt")
    servers = []
    yield driver, servers
    for proc in servers:
        proc.kill()
    for plan in (NET_A, NET_B, SHARED):
        driver.destroy(plan)
    driver.destroy_zone(PUBLIC["zone_id"])
    for ns in ("jtga", "jtgb", "jtc"):
        run("ip", "netns", "del", ns, check=False)


def plug(name, bridge, address, gateway=None, ns_of_bridge=None, mac=None):
    """A namespace ``name`` with one interface on ``bridge`` (in namespace ``ns_of_bridge``,
    else the host's): a guest, with the VM's MAC if given, or the client on the upstream."""
    run("ip", "netns", "add", name)
    run("ip", "link", "set", "lo", "up", ns=name)
    run("ip", "link", "add", f"{name}-h", "type", "veth", "peer", "name", "eth0", "netns", name)
    if ns_of_bridge:
        run("ip", "link", "set", f"{name}-h", "netns", ns_of_bridge)
    run("ip", "link", "set", f"{name}-h", "master", bridge, "up", ns=ns_of_bridge)
    if mac:
        run("ip", "link", "set", "eth0", "address", mac, ns=name)
    run("ip", "addr", "add", address, "dev", "eth0", ns=name)
    run("ip", "link", "set", "eth0", "up", ns=name)
    if gateway:
        run("ip", "route", "add", "default", "via", gateway, ns=name)


def serve(servers, ns, port, label):
    proc = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", SERVE, str(port), label],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    servers.append(proc)


def ask(ns, host, port):
    result = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", ASK, host, str(port)],
                            capture_output=True, text=True, timeout=10)
    return result.stdout.strip()


def ping(ns, host):
    return run("ping", "-c", "1", "-W", "1", host, ns=ns, check=False).returncode == 0


def snapshot(driver):
    links = run("ip", "-o", "link", "show").stdout
    routers = {p.id: run("nft", "list", "ruleset", ns=driver.router(p)).stdout for p in (NET_A, NET_B)}
    return sorted(line.split(":")[1] for line in links.splitlines() if ": jt" in line), routers


def test_isolated_networks_port_forwarding_static_nat_and_clean_removal(plane):
    driver, servers = plane
    root_ruleset = run("nft", "list", "ruleset").stdout
    for plan in (NET_A, NET_B):
        driver.implement(plan)
    plug("jtga", driver.bridge(NET_A), "10.91.0.10/24", "10.91.0.1")
    plug("jtgb", driver.bridge(NET_B), "10.92.0.10/24", "10.92.0.1")
    plug("jtc", "pub", "203.0.113.200/24", "203.0.113.1", ns_of_bridge=driver.upstream(NET_A))
    serve(servers, "jtga", 80, "guest-a")
    serve(servers, "jtgb", 22, "guest-b")
    serve(servers, "jtgb", 23, "guest-b")
    serve(servers, "jtc", 9000, "internet")

    # each guest reaches its own gateway, never the other network
    assert ping("jtga", "10.91.0.1") and ping("jtgb", "10.92.0.1")
    assert not ping("jtga", "10.92.0.10") and not ping("jtgb", "10.91.0.10")
    assert ask("jtga", "10.92.0.10", 22).startswith("unreachable")

    # port forwarding: the public address answers for the guest, only on the forwarded port
    assert ask("jtc", "203.0.113.21", 8080) == "guest-a sees 203.0.113.200"
    assert ask("jtc", "203.0.113.21", 80).startswith("unreachable")
    assert ask("jtc", "203.0.113.21", 8081).startswith("unreachable")  # forwarded, but no firewall rule opens it
    # static NAT with a firewall rule: port 22 is open, 23 is not
    assert ask("jtc", "203.0.113.23", 22) == "guest-b sees 203.0.113.200"
    assert ask("jtc", "203.0.113.23", 23).startswith("unreachable")
    # egress: guests go out as their network's source NAT address (or their static NAT one)
    assert ask("jtga", "203.0.113.200", 9000) == "internet sees 203.0.113.21"
    assert ask("jtgb", "203.0.113.200", 9000) == "internet sees 203.0.113.23"

    # egress rules: with the default "allow" a rule denies; with "deny" a rule allows
    driver.implement(NetworkPlan(**{**NET_A.__dict__, "egress": (Egress("tcp", (9000, 9000)),)}))
    assert ask("jtga", "203.0.113.200", 9000).startswith("unreachable")
    driver.implement(NetworkPlan(**{**NET_A.__dict__, "egress_default_allow": False}))
    assert ask("jtga", "203.0.113.200", 9000).startswith("unreachable")
    driver.implement(NetworkPlan(**{**NET_A.__dict__, "egress_default_allow": False,
                                    "egress": (Egress("tcp", (9000, 9000), ("203.0.113.0/24",)),)}))
    assert ask("jtga", "203.0.113.200", 9000) == "internet sees 203.0.113.21"
    driver.implement(NET_A)

    # applying the same plans again changes nothing
    before = snapshot(driver)
    for plan in (NET_A, NET_B):
        driver.implement(plan)
    assert snapshot(driver) == before

    # a plan without the port forward closes it
    driver.implement(NetworkPlan(**{**NET_A.__dict__, "port_forwards": ()}))
    assert ask("jtc", "203.0.113.21", 8080).startswith("unreachable")

    # removing the networks leaves nothing of them behind
    for plan in (NET_A, NET_B):
        driver.destroy(plan)
    driver.destroy_zone(PUBLIC["zone_id"])
    links = run("ip", "-o", "link", "show").stdout
    assert not [line for line in links.splitlines() if ": jtbr" in line or ": jtg9" in line or ": jtp9" in line]
    namespaces = run("ip", "netns", "list").stdout
    assert not any(name.startswith(("jtr", "jtz")) for name in namespaces.split())
    assert run("nft", "list", "ruleset").stdout == root_ruleset  # the machine's own rules untouched
    time.sleep(0)


SHARED = NetworkPlan(id=903, zone_id=9, bridge="jtbr903", cidr="10.93.0.0/24", gateway="10.93.0.1", members=(
    Member("02:00:0a:5d:00:0a", "10.93.0.10"),  # default group: nothing in
    Member("02:00:0a:5d:00:0b", "10.93.0.11", ingress=(SgRule("tcp", (22, 22)), SgRule("icmp"))),
    Member("02:00:0a:5d:00:0c", "10.93.0.12", ingress=(SgRule("tcp", (22, 22)),), egress=(SgRule("tcp", (80, 80)),)),
))


def test_security_groups_filter_the_vms_of_a_shared_network(plane):
    driver, servers = plane
    try:
        driver.implement(SHARED)
        for name, member in zip(("jtsa", "jtsb", "jtsc"), SHARED.members):
            plug(name, SHARED.bridge, f"{member.ip}/24", SHARED.gateway, mac=member.mac)
            for port in (22, 23, 80):
                serve(servers, name, port, name)
        # b lets in tcp 22 and ping; a lets in nothing; c lets in 22 but only sends to port 80
        assert ask("jtsa", "10.93.0.11", 22) == "jtsb sees 10.93.0.10"
        assert ask("jtsa", "10.93.0.11", 23).startswith("unreachable")
        assert ping("jtsa", "10.93.0.11") and not ping("jtsb", "10.93.0.10")
        assert ask("jtsb", "10.93.0.10", 22).startswith("unreachable")
        assert ask("jtsa", "10.93.0.12", 22) == "jtsc sees 10.93.0.10"
        assert ask("jtsc", "10.93.0.11", 22).startswith("unreachable")  # c's egress allows only port 80
        assert ask("jtsb", "10.93.0.12", 80).startswith("unreachable")  # and c lets in 22 only
        again = run("nft", "list", "table", "bridge", driver.sg_table(SHARED)).stdout
        driver.implement(SHARED)
        assert run("nft", "list", "table", "bridge", driver.sg_table(SHARED)).stdout == again
    finally:
        for name in ("jtsa", "jtsb", "jtsc"):
            run("ip", "netns", "del", name, check=False)
        driver.destroy(SHARED)
    assert run("nft", "list", "table", "bridge", driver.sg_table(SHARED), check=False).returncode != 0
    assert "jtbr903" not in run("ip", "-o", "link", "show").stdout
