"""50 deploys at once on hosts with room for 30: exactly 30 run, 20 fail for capacity."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.integration

SMALL_MB = 512


def test_concurrent_deploys_never_overcommit(stack):
    # 3 hosts x 5120 MB: room for 10 VMs of 512 MB each, 30 in all (CPU is plentiful).
    stack.deploy_datacenter(
        {
            "zones": [
                {
                    "name": "Tight-Zone",
                    "guestnetworks": [{"name": "tight-guest", "cidr": "10.77.0.0/24"}],
                    "pods": [{"name": "tp", "clusters": [{"name": "tc", "hypervisor": "Simulator", "hosts": [
                        {"name": f"tight-{i}", "cpunumber": 32, "cpuspeed": 2000, "memory": 10 * SMALL_MB}
                        for i in (1, 2, 3)],
                        "primarystorages": [{"name": "tight-primary", "capacitygb": 500}]}]}],
                }
            ]
        }
    )
    api = stack.client(fetch_result=False, timeout=60)
    zone = api.listZones(name="Tight-Zone")["zone"][0]
    offering = api.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    template = api.listTemplates(templatefilter="executable")["template"][0]

    def deploy(i):
        return stack.client(fetch_result=False, timeout=60).deployVirtualMachine(
            name=f"rush-{i}", zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"]
        )["jobid"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        jobids = list(pool.map(deploy, range(50)))

    deadline = time.monotonic() + 240
    results = {}
    while len(results) < len(jobids) and time.monotonic() < deadline:
        for jobid in jobids:
            if jobid not in results:
                job = api.queryAsyncJobResult(jobid=jobid)
                if job["jobstatus"] != 0:
                    results[jobid] = job
        time.sleep(0.5)
    assert len(results) == 50, "jobs still pending after 240 s"

    succeeded = [j for j in results.values() if j["jobstatus"] == 1]
    failed = [j for j in results.values() if j["jobstatus"] == 2]
    assert (len(succeeded), len(failed)) == (30, 20)
    assert {j["jobresult"]["errorcode"] for j in failed} == {533}
    assert all("no host in zone Tight-Zone" in j["jobresult"]["errortext"] for j in failed)

    vms = api.listVirtualMachines(zoneid=zone["id"], listall="true")["virtualmachine"]
    running = [vm for vm in vms if vm["state"] == "Running"]
    assert len(running) == 30 and {vm["state"] for vm in vms} == {"Running", "Error"}
    ips = [nic["ipaddress"] for vm in running for nic in vm["nic"]]
    assert len(ips) == 30 and len(set(ips)) == 30
    assert all(vm["nic"] == [] for vm in vms if vm["state"] == "Error")

    hosts = api.listHosts(zoneid=zone["id"])["host"]
    for host in hosts:
        assert host["memoryallocated"] <= host["memorytotal"]
    assert sum(h["memoryallocated"] for h in hosts) == 30 * SMALL_MB * 1024 * 1024
    per_host = {h["name"]: sum(1 for vm in running if vm["hostname"] == h["name"]) for h in hosts}
    assert per_host == {"tight-1": 10, "tight-2": 10, "tight-3": 10}
