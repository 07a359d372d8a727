"""Fabric Monitoring end to end: a host whose compute agent dies is found Down by a peer,
its HA VMs run again on the other hosts (one copy each), and when the agent comes back the
old copies are fenced. A host whose agent only beats slowly is never taken for dead.

Each simulated host here has an agent process of its own (``compute_agent --host``), so
that killing one agent kills one host; the simulator writes its running guests to the
host's node file, so a host that comes back still runs the copies it had.
"""
import json
import signal
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.support import eventually

from .stack import Stack

pytestmark = pytest.mark.integration

HOSTS = ("ha-h1", "ha-h2", "ha-h3", "ha-slow")
DATACENTER = {
    "zones": [{
        "name": "HA-Zone",
        "guestnetworks": [{"name": "ha-guest", "cidr": "10.77.0.0/24", "gateway": "10.77.0.1"}],
        "pods": [{"name": "ha-pod", "clusters": [{
            "name": "ha-cluster", "hypervisor": "Simulator",
            "hosts": [{"name": name, "cpunumber": 8, "cpuspeed": 2000, "memory": 8192} for name in HOSTS],
            "primarystorages": [{"name": "ha-primary", "capacitygb": 500}],
        }]}],
    }],
    "serviceofferings": [
        {"name": "HA Small", "cpunumber": 1, "cpuspeed": 500, "memory": 512, "offerha": True},
        {"name": "Plain Small", "cpunumber": 1, "cpuspeed": 500, "memory": 512},
    ],
    "templates": [{"name": "HA Tiny", "sizegb": 1}],
}
BEAT = 1.0


@pytest.fixture(scope="module", params=["embedded", "production"])
def ha_stack(request, tmp_path_factory):
    components = ["api", "orchestration", "network", "storage", "monitor", "beat"]  # compute: one agent per host, below
    platform = Stack(request.param, tmp_path_factory.mktemp(f"javelin-ha-{request.param}"), components=components,
                     extra_env={"JAVELIN_HOST_HEARTBEAT": str(BEAT)})
    try:
        platform.start()
        platform.deploy_datacenter(DATACENTER)
        for name in HOSTS:
            start_agent(platform, name)
        yield platform
    finally:
        platform.stop()


def start_agent(stack, name, since=0, beat=None, key=None):
    command = f"python manage.py compute_agent --host {name}" + (f" --node compute-{name}-successor@%h" if key else "")
    if beat is not None:
        command = f"env JAVELIN_HOST_HEARTBEAT={beat} {command}"
    key = key or f"agent-{name}"
    stack.spawn(key, command)
    stack.wait_ready(key, since=since)


def wait_for(what, check, timeout=60):
    return eventually(check, timeout, what=what)


def guests_on(stack, cs, host_name):
    """The guests the simulated host runs, from its node file (what its agent last wrote)."""
    host = cs.listHosts(name=host_name)["host"][0]
    node = Path(host["ipaddress"].removeprefix("test://"))
    return sorted(d.findtext("name") for d in ElementTree.fromstring(node.read_text()).findall("domain"))


def test_ha_vms_of_a_dead_host_run_elsewhere_once_and_the_old_copies_are_fenced(ha_stack):
    stack, cs = ha_stack, ha_stack.client(fetch_result=True)
    hosts = {h["name"]: h for h in cs.listHosts(zoneid=_zone(cs))["host"]}
    wait_for("every host to beat", lambda: all(h.get("lastpinged") for h in cs.listHosts(zoneid=_zone(cs))["host"]))
    ha_vms, plain = _deploy_on(cs, hosts, "ha-h1", ha=3, plain=1)
    slow_vm, _ = _deploy_on(cs, hosts, "ha-slow", ha=1, plain=0)
    for name in ("ha-h1", "ha-slow"):
        cs.updateHost(id=hosts[name]["id"], allocationstate="Disable")  # HA must use h2 and h3
    # ha-slow's agent comes back beating far slower than monitoring expects (its guest kept)
    wait_for("ha-slow's agent to write its guest down", lambda: slow_vm[0]["instancename"] in guests_on(stack, cs, "ha-slow"))
    # the slow agent takes over before the first one stops: a host whose agent is gone for the
    # seconds a restart takes is rightly found Down by its peer (it answers no investigation)
    start_agent(stack, "ha-slow", beat=30, key="agent-ha-slow-beating-slowly")
    stack.stop_process("agent-ha-slow")
    names = {vm["id"]: vm["instancename"] for vm in ha_vms}
    on_h1 = {*names.values(), plain[0]["instancename"]}
    wait_for("h1's agent to write its guests down", lambda: on_h1 == set(guests_on(stack, cs, "ha-h1")))

    killed = time.monotonic()
    stack.stop_process("agent-ha-h1", sig=signal.SIGKILL)

    def restarted():
        vms = [cs.listVirtualMachines(id=vm_id)["virtualmachine"][0] for vm_id in names]
        return vms if all(v["state"] == "Running" and v.get("hostname") in ("ha-h2", "ha-h3") for v in vms) else None

    moved = wait_for("the HA VMs to run on h2/h3", restarted, timeout=90)
    took = time.monotonic() - killed
    assert cs.listHosts(id=hosts["ha-h1"]["id"])["host"][0]["state"] == "Down"
    # exactly one running copy of each: on h2/h3 as the agents report it, and the dead host's
    # old copies are still on it (its hypervisor outlived its agent)
    seen = {}

    def reported():
        seen.update({name: guests_on(stack, cs, name) for name in ("ha-h2", "ha-h3")})
        return sorted(seen["ha-h2"] + seen["ha-h3"]) == sorted(names.values()) or None

    try:
        wait_for("h2/h3 to report the guests", reported)
    except AssertionError as error:
        raise AssertionError(f"{error}: h2/h3 run {seen}, the HA VMs are {sorted(names.values())}, the database says "
                             f"{[(v['instancename'], v['state'], v.get('hostname')) for v in moved]}") from None
    assert set(guests_on(stack, cs, "ha-h1")) == on_h1
    assert {v["id"] for v in moved} == set(names)
    (lonely,) = cs.listVirtualMachines(id=plain[0]["id"])["virtualmachine"]
    assert lonely["state"] == "Stopped"  # not HA: stopped, with an alert
    alerts = cs.listAlerts()["alert"]
    assert any(a["type"] == 8 and plain[0]["id"] in a["description"] for a in alerts)
    assert any(a["type"] == 7 and "ha-h1 is Down" in a["description"] for a in alerts)
    host_events = [e["type"] for e in cs.listEvents(listall="true", type="HOST.DOWN")["event"]]
    assert host_events == ["HOST.DOWN"]
    ha_jobs = [e for e in cs.listEvents(listall="true", type="VM.START")["event"] if "high availability" in e["description"]]
    assert len([e for e in ha_jobs if e["state"] == "Completed"]) == len(names)

    # the agent comes back: h1 is Up, and its stale copies are destroyed, not run twice
    start_agent(stack, "ha-h1", since=stack.log("agent-ha-h1").stat().st_size)
    wait_for("h1 to be Up", lambda: cs.listHosts(id=hosts["ha-h1"]["id"])["host"][0]["state"] == "Up")
    wait_for("h1's stale copies to be fenced", lambda: guests_on(stack, cs, "ha-h1") == [] or None)
    assert sorted(guests_on(stack, cs, "ha-h2") + guests_on(stack, cs, "ha-h3")) == sorted(names.values())
    fenced = [e for e in cs.listEvents(listall="true", type="VM.SYNC")["event"] if e["description"].startswith("Fenced")]
    assert sorted(e["resourceid"] for e in fenced) == sorted([*names, plain[0]["id"]])
    assert all(v["state"] == "Running" for v in (cs.listVirtualMachines(id=i)["virtualmachine"][0] for i in names))

    # the slow host was investigated (its agent answers) and never taken for dead
    (vm,) = cs.listVirtualMachines(id=slow_vm[0]["id"])["virtualmachine"]
    assert vm["state"] == "Running" and vm["hostname"] == "ha-slow"
    slow = [e for e in cs.listEvents(listall="true", keyword="ha-slow")["event"] if e["type"].startswith("HOST.")]
    assert {e["type"] for e in slow} >= {"HOST.ALERT", "HOST.UP"} and "HOST.DOWN" not in {e["type"] for e in slow}
    assert any("heartbeats were late" in e["description"] for e in slow)
    (stack.state_dir / "ha-measured.json").write_text(json.dumps({"kill_to_ha_running_s": took, "beat_s": BEAT}))
    print(f"\n{stack.kind}: agent killed -> HA VMs Running elsewhere in {took:.1f}s (heartbeat {BEAT}s)")


def _zone(cs):
    return next(z["id"] for z in cs.listZones()["zone"] if z["name"] == "HA-Zone")


def _deploy_on(cs, hosts, target, ha, plain):
    """Deploy ``ha`` HA VMs and ``plain`` others, all on host ``target`` (the others disabled)."""
    others = [h for name, h in hosts.items() if name != target]
    for h in others:
        cs.updateHost(id=h["id"], allocationstate="Disable")
    offerings = {o["name"]: o["id"] for o in cs.listServiceOfferings()["serviceoffering"]}
    template = next(t["id"] for t in cs.listTemplates(templatefilter="executable", zoneid=_zone(cs))["template"]
                    if t["name"] == "HA Tiny")
    try:
        def deploy(offering, count):
            return [cs.deployVirtualMachine(zoneid=_zone(cs), templateid=template, serviceofferingid=offerings[offering])
                    ["virtualmachine"] for _ in range(count)]
        made = deploy("HA Small", ha), deploy("Plain Small", plain)
    finally:
        for h in others:
            cs.updateHost(id=h["id"], allocationstate="Enable")
    assert all(vm["hostname"] == target for group in made for vm in group)
    return made
