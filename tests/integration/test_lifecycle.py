"""End to end, on both stacks: the `cs` client (unmodified) drives a VM through its whole
life across the API, orchestration, network, storage and compute processes."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cs import CloudStackApiException

pytestmark = pytest.mark.integration


def host_allocations(cs, zoneid=None):
    hosts = cs.listHosts(**({"zoneid": zoneid} if zoneid else {})).get("host", [])
    return {h["name"]: (h["cpuallocatedvalue"], h["memoryallocated"]) for h in hosts}


@pytest.mark.smoke
def test_vm_lifecycle_with_the_cs_library(cs, catalog):
    before = host_allocations(cs)
    vm = cs.deployVirtualMachine(name="life-1", **catalog)["virtualmachine"]
    assert vm["state"] == "Running"
    (nic,) = vm["nic"]
    assert nic["ipaddress"].startswith("10.1.") and nic["macaddress"].startswith("02:00:")

    (listed,) = cs.listVirtualMachines(id=vm["id"])["virtualmachine"]
    assert listed["state"] == "Running" and listed["hostid"]
    (root,) = cs.listVolumes(virtualmachineid=vm["id"])["volume"]
    assert root["type"] == "ROOT" and root["state"] == "Ready"
    assert host_allocations(cs)[listed["hostname"]][1] - before[listed["hostname"]][1] == 512 * 1024 * 1024

    assert cs.stopVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Stopped"
    assert host_allocations(cs) == before  # a stopped VM holds no host capacity
    assert cs.startVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"
    assert cs.rebootVirtualMachine(id=vm["id"])["virtualmachine"]["state"] == "Running"

    destroyed = cs.destroyVirtualMachine(id=vm["id"])["virtualmachine"]
    assert destroyed["state"] == "Destroyed"
    assert host_allocations(cs) == before
    assert cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0]["state"] == "Destroyed"  # admin sees it

    cs.destroyVirtualMachine(id=vm["id"], expunge=True)
    assert cs.listVirtualMachines(id=vm["id"]) == {}
    assert cs.listVolumes(virtualmachineid=vm["id"]) == {}


def test_jobs_are_polled_to_completion(stack, catalog):
    client = stack.client(fetch_result=False)
    reply = client.deployVirtualMachine(name="polled-1", startvm="false", **catalog)
    assert set(reply) == {"id", "jobid"}
    result = stack.client(fetch_result=True)._jobresult(reply["jobid"])
    assert result["virtualmachine"]["state"] == "Stopped"  # startvm=false, as libcloud deploys
    job = client.queryAsyncJobResult(jobid=reply["jobid"])
    assert (job["jobstatus"], job["jobresultcode"], job["jobinstanceid"]) == (1, 0, reply["id"])
    assert job["cmd"].endswith("DeployVMCmdByAdmin")
    listed = client.listAsyncJobs()["asyncjobs"]
    assert reply["jobid"] in {j["jobid"] for j in listed}


def test_cs_command_line(stack, catalog):
    env = dict(os.environ, CLOUDSTACK_ENDPOINT=stack.endpoint, CLOUDSTACK_KEY=stack.keys["apikey"],
               CLOUDSTACK_SECRET=stack.keys["secretkey"])
    cli = str(Path(sys.executable).parent / "cs")
    args = [f"{k}={v}" for k, v in catalog.items()]
    out = subprocess.run([cli, "deployVirtualMachine", "name=cli-1", *args], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    vm = json.loads(out.stdout)["virtualmachine"]
    assert vm["state"] == "Running"
    out = subprocess.run([cli, "--async", "stopVirtualMachine", f"id={vm['id']}"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert list(json.loads(out.stdout)) == ["jobid"]  # --async: the job, not its result


@pytest.mark.smoke
def test_a_failed_step_rolls_back_everything(stack, cs):
    stack.deploy_datacenter(
        {
            "zones": [
                {
                    "name": "Broken-Zone",
                    "guestnetworks": [{"name": "broken-guest", "cidr": "10.66.0.0/24"}],
                    "pods": [{"name": "bp", "clusters": [{"name": "bc", "hypervisor": "Simulator", "hosts": [
                        {"name": "broken-host", "cpunumber": 8, "cpuspeed": 2000, "memory": 8192,
                         "url": "test:///nonexistent/broken-host.xml"}],
                        "primarystorages": [{"name": "broken-primary", "capacitygb": 100}]}]}],
                }
            ]
        }
    )
    zone = cs.listZones(name="Broken-Zone")["zone"][0]
    offering = cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    template = cs.listTemplates(templatefilter="executable")["template"][0]
    with pytest.raises(CloudStackApiException) as failure:
        cs.deployVirtualMachine(name="doomed", zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"])
    error = failure.value.error
    assert error["errorcode"] == 534
    assert "Unable to connect to the hypervisor at test:///nonexistent/broken-host.xml" in error["errortext"]

    (vm,) = cs.listVirtualMachines(zoneid=zone["id"])["virtualmachine"]
    assert vm["state"] == "Error" and vm["nic"] == []
    assert cs.listVolumes(zoneid=zone["id"]) == {}
    assert host_allocations(cs, zone["id"]) == {"broken-host": (0, 0)}


@pytest.mark.smoke
def test_jobs_on_one_vm_run_in_submission_order(stack, catalog):
    blocking = stack.client(fetch_result=True)
    vm = blocking.deployVirtualMachine(name="serial-1", **catalog)["virtualmachine"]
    api = stack.client(fetch_result=False)
    stop1 = api.stopVirtualMachine(id=vm["id"])["jobid"]
    stop2 = api.stopVirtualMachine(id=vm["id"])["jobid"]
    start = api.startVirtualMachine(id=vm["id"])["jobid"]
    reboot = api.rebootVirtualMachine(id=vm["id"])["jobid"]
    # The later jobs wait for the earlier ones: while the first stop runs, the rest are pending.
    assert api.queryAsyncJobResult(jobid=reboot)["jobstatus"] == 0
    results = [blocking._jobresult(j) for j in (stop1, stop2, start, reboot)]
    assert [r["virtualmachine"]["state"] for r in results] == ["Stopped", "Stopped", "Running", "Running"]
    completed = [api.queryAsyncJobResult(jobid=j)["completed"] for j in (stop1, stop2, start, reboot)]
    assert completed == sorted(completed)
    with pytest.raises(CloudStackApiException) as again:
        blocking.startVirtualMachine(id=vm["id"])
    assert again.value.error["errorcode"] == 431 and "already running" in again.value.error["errortext"]


def test_pagination_and_empty_lists_as_cs_sees_them(stack, catalog):
    user = stack.client(keys=stack.user_keys("pager"), fetch_result=True)
    for i in range(7):
        user.deployVirtualMachine(name=f"page-{i}", startvm="false", **catalog)
    assert len(user.listVirtualMachines(fetch_list=True)) == 7
    page = user.listVirtualMachines(page=2, pagesize=5)
    assert (page["count"], len(page["virtualmachine"])) == (7, 2)
    with pytest.raises(CloudStackApiException) as error:
        user.listVirtualMachines(pagesize=5)
    assert error.value.error["errorcode"] == 431
    assert user.listVirtualMachines(name="no-such-vm") == {}


def test_a_user_cannot_reach_another_users_vm(stack, catalog):
    owner = stack.client(keys=stack.user_keys("owner-a"), fetch_result=True)
    other = stack.client(keys=stack.user_keys("other-b"), fetch_result=True)
    vm = owner.deployVirtualMachine(name="private-1", startvm="false", **catalog)["virtualmachine"]
    assert other.listVirtualMachines(listall="true") == {}
    for call in (other.startVirtualMachine, other.destroyVirtualMachine):
        with pytest.raises(CloudStackApiException) as error:
            call(id=vm["id"])
        assert error.value.error["errorcode"] == 431
        assert "entity does not exist" in error.value.error["errortext"]  # same answer as for a missing id


@pytest.mark.smoke
def test_a_setting_changed_through_the_api_holds_in_every_component_without_a_restart(cs, catalog):
    """Memory over-provisioning of the zone's clusters set so low that nothing fits: the next
    deploy is refused where its host is chosen; set back, deploys fit again. No process restarts."""
    clusters = [c["id"] for c in cs.listClusters(zoneid=catalog["zoneid"])["cluster"]]
    wait = 2.5  # CONFIG_REFRESH_S (2 s): how long another process may keep the old value
    try:
        for cluster in clusters:
            shown = cs.updateConfiguration(name="mem.overprovisioning.factor", value="0.001", clusterid=cluster)
            assert shown["configuration"]["value"] == "0.001"
        time.sleep(wait)
        with pytest.raises(CloudStackApiException) as refused:
            cs.deployVirtualMachine(name="no-room", **catalog)
        assert refused.value.error["errorcode"] == 533, refused.value.error
    finally:
        for cluster in clusters:
            cs.resetConfiguration(name="mem.overprovisioning.factor", clusterid=cluster)
        time.sleep(wait)
    vm = cs.deployVirtualMachine(name="room-again", **catalog)["virtualmachine"]
    assert vm["state"] == "Running"
    cs.destroyVirtualMachine(id=vm["id"], expunge=True)
