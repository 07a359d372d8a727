"""A real hypervisor: this machine's libvirtd with QEMU (TCG, as these machines have no
hardware virtualisation) registered as a KVM host; a tiny guest (Debian's kernel and a
busybox initramfs, built by tests/kvm/setup.sh) is deployed, boots, is stopped gracefully
(ACPI), started again and destroyed, all through the API and the same libvirt driver."""
import re
import subprocess
import sys

import pytest

from tests.integration.test_fabric import wait_for_host
from tests.support import eventually, kvm_host
from workers.storage.drivers.libvirt_pool import LibvirtPoolDriver

pytestmark = pytest.mark.integration
BOOTED = "JAVELIN-GUEST-BOOTED"


@pytest.fixture(scope="session")
def guest_image():
    return kvm_host()


def remove_leftover_guests():
    """This libvirtd is the tests' own (tests/kvm/setup.sh); a guest left by an earlier, failed run
    would clash by name with the fresh platform's first VM."""
    for name in domains():
        if re.fullmatch(r"i-\d+-\d+-VM", name):
            subprocess.run(["virsh", "-c", "qemu:///system", "destroy", name], capture_output=True)
            subprocess.run(["virsh", "-c", "qemu:///system", "undefine", name], capture_output=True, check=True)


def domains():
    out = subprocess.run(["virsh", "-c", "qemu:///system", "list", "--all", "--name"], capture_output=True, text=True, check=True)
    return {line.strip() for line in out.stdout.splitlines() if line.strip()}


def wait_for_console(path, times=1, timeout=90):
    eventually(lambda: path.exists() and path.read_text(errors="replace").count(BOOTED) >= times, timeout, every=0.5,
               what=f"the guest to print {BOOTED} on its console")


def test_a_real_guest_on_qemu(stack, cs, guest_image, tmp_path):
    if stack.kind != "production":
        pytest.skip("one real hypervisor on this machine: exercised once, on the production stack")
    kernel, initrd = guest_image
    remove_leftover_guests()
    stack.deploy_datacenter({
        "zones": [{"name": "KVM-Zone", "pods": [{"name": "kvm-pod", "clusters": [{
            "name": "kvm-cluster", "hypervisor": "KVM", "hosts": [],
            # managed through the host's libvirt as a dir pool (libvirt's storage API)
            "primarystorages": [{"name": "kvm-primary", "capacitygb": 50, "path": str(tmp_path / "primary"),
                                 "libvirturi": "qemu:///system"}]}]}]}],
        "serviceofferings": [{"name": "Tiny KVM", "cpunumber": 1, "cpuspeed": 1000, "memory": 256}],
        "templates": [{"name": "Tiny Linux (direct boot)", "hypervisor": "KVM", "sizegb": 1, "zone": "KVM-Zone",
                       "kernel": kernel, "initrd": initrd, "cmdline": "console=ttyS0 quiet panic=-1"}],
    })
    zone = cs.listZones(name="KVM-Zone")["zone"][0]
    (cluster,) = cs.listClusters(zoneid=zone["id"])["cluster"]
    (host,) = cs.addHost(hypervisor="KVM", zoneid=zone["id"], podid=cluster["podid"], clusterid=cluster["id"],
                         url="qemu:///system")["host"]
    stack.spawn("agent-kvm", f"{sys.executable} manage.py compute_agent --host {host['id']}")
    try:
        host = wait_for_host(cs, host["id"], timeout=60)
        assert host["cpunumber"] >= 1 and host["memorytotal"] > 512 * 1024 * 1024  # read from the real host
        offering_id = next(o["id"] for o in cs.listNetworkOfferings()["networkoffering"] if o["guestiptype"] == "Isolated")
        network = cs.createNetwork(name="kvm-net", displaytext="kvm-net", networkofferingid=offering_id, zoneid=zone["id"])
        template = cs.listTemplates(templatefilter="executable", zoneid=zone["id"], name="Tiny Linux (direct boot)")["template"][0]
        offering = cs.listServiceOfferings(name="Tiny KVM")["serviceoffering"][0]

        vm = cs.deployVirtualMachine(zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"],
                                     networkids=network["network"]["id"], name="real-guest")["virtualmachine"]
        assert vm["state"] == "Running" and vm["hostid"] == host["id"]
        assert vm["instancename"] in domains()
        (root,) = cs.listVolumes(virtualmachineid=vm["id"], type="ROOT")["volume"]
        pool_name = LibvirtPoolDriver(str(tmp_path / "primary"), "qemu:///system").name
        pools = subprocess.run(["virsh", "-c", "qemu:///system", "vol-list", pool_name],
                               capture_output=True, text=True, check=True).stdout
        assert f"{root['id']}.img" in pools  # libvirt made the ROOT volume in its dir pool
        console = stack.state_dir / "guests" / f"{vm['instancename']}.log"
        wait_for_console(console)

        assert cs.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"  # ACPI: the guest powers off
        assert vm["instancename"] not in domains()
        assert cs.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
        wait_for_console(console)  # booted again (the console file starts anew with the domain)

        # powered off behind the platform's back: the agent hears of it and the VM is Stopped
        subprocess.run(["virsh", "-c", "qemu:///system", "destroy", vm["instancename"]], check=True, capture_output=True)
        eventually(lambda: cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Stopped", 15,
                   what="the VM powered off behind the platform's back to be Stopped")
        assert any(vm["id"] in e["description"] for e in cs.listEvents(type="VM.SYNC")["event"])

        cs.destroyVirtualMachine(id=vm["id"], expunge=True)
        assert vm["instancename"] not in domains()
        assert cs.listVirtualMachines(id=vm["id"]) == {}
    finally:
        stack.stop_process("agent-kvm")
        leftover = LibvirtPoolDriver(str(tmp_path / "primary"), "qemu:///system").name  # this run's pool, not libvirtd's others
        for verb in ("pool-destroy", "pool-undefine"):
            subprocess.run(["virsh", "-c", "qemu:///system", verb, leftover], capture_output=True)
