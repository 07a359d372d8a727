"""50 deploys at once on hosts with room for 30: exactly 30 run, 20 fail for capacity; an
account limit of 5 instances holds under 30 deploys at once."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cs.client import CloudStackApiException

from tests.support import eventually

pytestmark = pytest.mark.integration

SMALL_MB = 512


def zone_with_room_for(stack, name, cidr, vms_per_host, hosts=3):
    """A zone of ``hosts`` simulated hosts with memory for ``vms_per_host`` Small VMs each
    (CPU is plentiful); hosts are named <name>-1, <name>-2 ..."""
    stack.deploy_datacenter({"zones": [{
        "name": f"{name.capitalize()}-Zone",
        "guestnetworks": [{"name": f"{name}-guest", "cidr": cidr}],
        "pods": [{"name": f"{name}-pod", "clusters": [{"name": f"{name}-cluster", "hypervisor": "Simulator", "hosts": [
            {"name": f"{name}-{i}", "cpunumber": 64, "cpuspeed": 2000, "memory": vms_per_host * SMALL_MB}
            for i in range(1, hosts + 1)],
            "primarystorages": [{"name": f"{name}-primary", "capacitygb": 1000}]}]}],
    }]})


def deploy_at_once(stack, zone_name, count, prefix, threads):
    """Send ``count`` deploys of Small VMs into ``zone_name`` from ``threads`` clients; their jobids."""
    api = stack.client(fetch_result=False, timeout=60)
    zone = api.listZones(name=zone_name)["zone"][0]
    offering = api.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    template = api.listTemplates(templatefilter="executable")["template"][0]

    def deploy(i):  # the stack's client waits out a 503 (back-pressure) as Retry-After asks
        return stack.client(fetch_result=False, timeout=60).deployVirtualMachine(
            name=f"{prefix}-{i}", zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"]
        )["jobid"]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return api, zone, list(pool.map(deploy, range(count)))


@pytest.mark.smoke
def test_concurrent_deploys_never_overcommit(stack):
    zone_with_room_for(stack, "tight", "10.77.0.0/24", vms_per_host=10)
    api, zone, jobids = deploy_at_once(stack, "Tight-Zone", 50, "rush", threads=50)

    results = wait_for_jobs(api, jobids, 240)

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


def test_200_deploys_across_4_orchestration_processes(stack):
    """The issue-4 scenario on PostgreSQL: four orchestration processes place 200 deploys at
    once on room for 150; exactly 150 run, and all capacity comes back after expunge."""
    if stack.kind != "production":
        pytest.skip("placement under many orchestration processes is a PostgreSQL scenario")
    for copy in (2, 3, 4):
        stack.start_process("orchestration", copy=copy)
    for copy in (2, 3, 4):
        stack.wait_ready(f"orchestration{copy}")
    zone_with_room_for(stack, "crowd", "10.88.0.0/22", vms_per_host=50)
    api, zone, jobids = deploy_at_once(stack, "Crowd-Zone", 200, "crowd", threads=16)
    results = wait_for_jobs(api, jobids, 300)
    ok = [j for j in results.values() if j["jobstatus"] == 1]
    assert (len(ok), len(results) - len(ok)) == (150, 50)
    assert {j["jobresult"]["errorcode"] for j in results.values() if j["jobstatus"] == 2} == {533}
    hosts = api.listHosts(zoneid=zone["id"])["host"]
    assert all(h["memoryallocated"] == h["memorytotal"] for h in hosts)  # full, and not one MB over

    def expunge(job):
        return stack.client(fetch_result=False, timeout=60).destroyVirtualMachine(
            id=job["jobinstanceid"], expunge="true")["jobid"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        gone = wait_for_jobs(api, list(pool.map(expunge, ok)), 300)
    assert all(j["jobstatus"] == 1 for j in gone.values())
    hosts = api.listHosts(zoneid=zone["id"])["host"]
    assert [(h["memoryallocated"], h["cpuallocatedvalue"]) for h in hosts] == [(0, 0)] * 3


def wait_for_jobs(api, jobids, timeout):
    """{jobid: job} once every job of ``jobids`` has ended."""
    results = {}

    def all_ended():
        for jobid in set(jobids) - set(results):
            job = api.queryAsyncJobResult(jobid=jobid)
            if job["jobstatus"] != 0:
                results[jobid] = job
        return len(results) == len(jobids)

    eventually(all_ended, timeout, every=0.5, what=f"{len(jobids)} jobs to end")
    return results


def test_an_account_limit_holds_under_concurrent_deploys(stack, cs, catalog):
    """A user account may hold 5 instances: of 30 deploys sent at once by 10 clients, exactly 5
    are taken and 25 are refused with CloudStack's 535; the account holds 5."""
    name = f"limited{time.time_ns() % 10_000_000}"
    cs.createAccount(username=name, password="Limited-pass-1", email=f"{name}@example.org", firstname="L",
                     lastname="L", accounttype=0)
    account = cs.listAccounts(name=name, listall=True)["account"][0]
    cs.updateResourceLimit(resourcetype=0, max=5, account=name, domainid=account["domainid"])
    keys = stack.user_keys(name)

    def deploy(i):
        try:
            stack.client(keys=keys, fetch_result=False, timeout=60).deployVirtualMachine(name=f"lim-{i}", **catalog)
            return "taken"
        except CloudStackApiException as error:
            return error.error.get("errorcode") if isinstance(error.error, dict) else str(error)

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(deploy, range(30)))
    assert outcomes.count("taken") == 5 and outcomes.count(535) == 25, outcomes
    held = cs.listAccounts(name=name, listall=True)["account"][0]
    assert (held["vmtotal"], held["vmlimit"], held["vmavailable"]) == (5, "5", "0")
