"""An operator builds a data center through the API (../shared/cloudstack-api.md §6, scenario 13)
and a VM runs in it."""
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from cs import CloudStackApiException

from tests.support import eventually

pytestmark = pytest.mark.integration


def wait_for_host(cs, host_id, state="Up", timeout=30):
    def in_state():
        (host,) = cs.listHosts(id=host_id)["host"]
        return host if host["state"] == state else None

    return eventually(in_state, timeout, what=f"host {host_id} to be {state}")


@pytest.mark.smoke
def test_build_a_zone_and_deploy_into_it(stack, cs):
    zone = cs.createZone(name="Admin-Zone", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2")["zone"]
    pod = cs.createPod(name="admin-pod", zoneid=zone["id"], gateway="172.20.0.1", netmask="255.255.255.0")["pod"]
    (cluster,) = cs.addCluster(clustername="admin-cluster", clustertype="CloudManaged", hypervisor="Simulator",
                               podid=pod["id"], zoneid=zone["id"])["cluster"]
    (host,) = cs.addHost(hypervisor="Simulator", podid=pod["id"], zoneid=zone["id"], clusterid=cluster["id"],
                         url="simulator://admin-host-1?cpunumber=12&cpuspeed=2400&memory=24576")["host"]
    assert host["state"] == "Connecting"
    host = wait_for_host(cs, host["id"])  # the compute agent opened it and read its capacity
    assert (host["cpunumber"], host["cpuspeed"], host["memorytotal"]) == (12, 2400, 24576 * 1024 * 1024)
    pool = cs.createStoragePool(name="admin-primary", url=f"file://{stack.pool_dir}/admin-primary", zoneid=zone["id"],
                                podid=pod["id"], clusterid=cluster["id"], capacitybytes=200 * 1024**3)["storagepool"]
    assert pool["disksizetotal"] == 200 * 1024**3
    offering = cs.createServiceOffering(name="Admin Small", displaytext="1x1000", cpunumber=1, cpuspeed=1000, memory=1024)
    assert offering["serviceoffering"]["memory"] == 1024
    assert cs.createDiskOffering(name="Admin 10G", disksize=10)["diskoffering"]["disksize"] == 10
    assert [p["id"] for p in cs.listPods(zoneid=zone["id"])["pod"]] == [pod["id"]]
    assert [c["id"] for c in cs.listClusters(zoneid=zone["id"])["cluster"]] == [cluster["id"]]
    assert [p["id"] for p in cs.listStoragePools(zoneid=zone["id"])["storagepool"]] == [pool["id"]]

    # a VM needs a guest network: an isolated one for the admin account
    offering_id = next(o["id"] for o in cs.listNetworkOfferings()["networkoffering"] if o["guestiptype"] == "Isolated")
    network = cs.createNetwork(name="admin-net", displaytext="admin-net", networkofferingid=offering_id, zoneid=zone["id"])["network"]
    template = cs.listTemplates(templatefilter="executable")["template"][0]
    vm = cs.deployVirtualMachine(zoneid=zone["id"], serviceofferingid=offering["serviceoffering"]["id"],
                                 templateid=template["id"], networkids=network["id"], name="in-admin-zone")["virtualmachine"]
    assert vm["state"] == "Running" and vm["hostname"] == "admin-host-1"

    capacity = {c["name"]: c for c in cs.listCapacity(zoneid=zone["id"])["capacity"]}
    assert capacity["MEMORY"]["capacityused"] == 1024 * 1024**2
    assert capacity["CPU"]["capacitytotal"] == 12 * 2400 and capacity["CPU"]["capacityused"] == 1000
    assert capacity["STORAGE_ALLOCATED"]["capacityused"] == template["size"]
    by_cluster = {c["name"]: c for c in cs.listCapacity(clusterid=cluster["id"])["capacity"]}
    assert by_cluster["MEMORY"]["clusterid"] == cluster["id"] and by_cluster["MEMORY"]["capacityused"] == 1024 * 1024**2
    by_pod = {c["name"]: c for c in cs.listCapacity(podid=pod["id"], type=1)["capacity"]}
    assert list(by_pod) == ["CPU"] and by_pod["CPU"]["capacitytotal"] == 12 * 2400

    assert cs.updateHost(id=host["id"], allocationstate="Disable")["host"]["resourcestate"] == "Disabled"
    with pytest.raises(CloudStackApiException) as no_room:
        cs.deployVirtualMachine(zoneid=zone["id"], serviceofferingid=offering["serviceoffering"]["id"],
                                templateid=template["id"], networkids=network["id"], name="nowhere")
    assert no_room.value.error["errorcode"] == 533
    with pytest.raises(CloudStackApiException) as in_use:
        cs.deleteHost(id=host["id"])
    assert in_use.value.error["errorcode"] == 536


def test_a_host_that_cannot_be_reached_never_comes_up(stack, cs):
    zone = cs.createZone(name="Dark-Zone", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2")["zone"]
    pod = cs.createPod(name="dark-pod", zoneid=zone["id"])["pod"]
    (cluster,) = cs.addCluster(clustername="dark-cluster", clustertype="CloudManaged", hypervisor="KVM",
                               podid=pod["id"], zoneid=zone["id"])["cluster"]
    (host,) = cs.addHost(hypervisor="KVM", podid=pod["id"], zoneid=zone["id"], clusterid=cluster["id"],
                         url="qemu+unix:///system?socket=/nonexistent/libvirt-sock")["host"]
    assert host["name"] == "localhost"
    assert cs.listHosts(id=host["id"])["host"][0]["state"] == "Connecting"  # no agent serves it yet
    stack.spawn("agent-dark", f"{sys.executable} manage.py compute_agent --host {host['id']}")  # as the operator would
    try:
        assert wait_for_host(cs, host["id"], state="Alert")["state"] == "Alert"  # its agent cannot reach libvirt
    finally:
        stack.stop_process("agent-dark")


def test_fabric_commands_are_for_root_admins(stack):
    user = stack.client(keys=stack.user_keys("fabric-user"))
    with pytest.raises(CloudStackApiException) as denied:
        user.createZone(name="Nope", networktype="Advanced", dns1="8.8.8.8", internaldns1="10.0.0.2")
    assert denied.value.error["errorcode"] == 401


def test_migrate_and_scale(stack, cs, catalog):
    vm = cs.deployVirtualMachine(name="mover", **catalog)["virtualmachine"]
    hosts = {h["name"]: h for h in cs.listHosts(zoneid=catalog["zoneid"])["host"]}
    source = vm["hostname"]
    (target,) = [name for name in hosts if name != source]
    before = {n: h["memoryallocated"] for n, h in hosts.items()}

    moved = cs.migrateVirtualMachine(virtualmachineid=vm["id"])["virtualmachine"]
    assert (moved["state"], moved["hostname"]) == ("Running", target)
    after = {h["name"]: h["memoryallocated"] for h in cs.listHosts(zoneid=catalog["zoneid"])["host"]}
    mib512 = 512 * 1024 * 1024
    assert (after[source], after[target]) == (before[source] - mib512, before[target] + mib512)

    back = cs.migrateVirtualMachine(virtualmachineid=vm["id"], hostid=hosts[source]["id"])["virtualmachine"]
    assert back["hostname"] == source
    with pytest.raises(CloudStackApiException) as same:
        cs.migrateVirtualMachine(virtualmachineid=vm["id"], hostid=hosts[source]["id"])
    assert same.value.error["errorcode"] == 431
    assert cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Running"  # rolled back to Running

    medium = cs.listServiceOfferings(name="Medium Instance")["serviceoffering"][0]
    with pytest.raises(CloudStackApiException) as running:
        cs.scaleVirtualMachine(id=vm["id"], serviceofferingid=medium["id"])
    assert "stop it" in running.value.error["errortext"]
    cs.stopVirtualMachine(id=vm["id"])
    cs.scaleVirtualMachine(id=vm["id"], serviceofferingid=medium["id"])
    started = cs.startVirtualMachine(id=vm["id"])["virtualmachine"]
    assert (started["serviceofferingname"], started["memory"]) == ("Medium Instance", 1024)


@pytest.mark.smoke
def test_maintenance_moves_the_vms_off_the_host(stack, cs, catalog):
    first = cs.deployVirtualMachine(name="maint-1", **catalog)["virtualmachine"]
    cs.deployVirtualMachine(name="maint-2", **catalog)
    host = first["hostname"]
    hosts = {h["name"]: h for h in cs.listHosts(zoneid=catalog["zoneid"])["host"]}
    (other,) = [name for name in hosts if name != host]

    done = cs.prepareHostForMaintenance(id=hosts[host]["id"])["host"]
    assert done["resourcestate"] == "Maintenance"
    running = cs.listVirtualMachines(zoneid=catalog["zoneid"], state="Running", listall="true")["virtualmachine"]
    assert running and {vm["hostname"] for vm in running} == {other}
    assert cs.listHosts(id=hosts[host]["id"])["host"][0]["memoryallocated"] == 0
    with pytest.raises(CloudStackApiException):
        cs.updateHost(id=hosts[host]["id"], allocationstate="Enable")  # maintenance is cancelled, not overridden
    assert cs.cancelHostMaintenance(id=hosts[host]["id"])["host"]["resourcestate"] == "Enabled"


def test_a_vm_gone_from_its_host_is_marked_stopped(stack, cs, catalog):
    vm = cs.deployVirtualMachine(name="vanishing", **catalog)["virtualmachine"]
    host_id = vm["hostid"]
    # The host loses the guest while its agent is away (a crash and reboot of the host): the
    # simulated host's running guests are in its node file, so take the guest out of it.
    node = Path(cs.listHosts(id=host_id)["host"][0]["ipaddress"].removeprefix("test://"))
    # the agent writes its guests down with each heartbeat
    eventually(lambda: vm["instancename"] in node.read_text(), 30, what="the guest in its host's node file")
    stack.stop_process("compute")
    root = ElementTree.fromstring(node.read_text())
    for domain in root.findall("domain"):
        if domain.findtext("name") == vm["instancename"]:
            root.remove(domain)
    node.write_text(ElementTree.tostring(root, encoding="unicode"))
    mark = stack.log("compute").stat().st_size
    stack.start_process("compute")
    stack.wait_ready("compute", since=mark)
    hosts = [h["id"] for h in cs.listHosts(zoneid=catalog["zoneid"])["host"]]
    state = eventually(lambda: cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] != "Running"
                       and cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"], 30, every=0.5,
                       what="the VM to leave Running")
    assert state == "Stopped"
    events = cs.listEvents(type="VM.SYNC")["event"]
    assert any(vm["id"] in e["description"] and e["level"] == "WARN" for e in events)
    assert all(v["hostid"] != host_id for v in cs.listVirtualMachines(id=vm["id"])["virtualmachine"] if "hostid" in v)
    # the agent was away for a few beats: its hosts may be Alert until it beats again
    eventually(lambda: all(cs.listHosts(id=h)["host"][0]["state"] == "Up" for h in hosts), 30, every=0.3,
               what="the hosts to be Up again")
    assert cs.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
