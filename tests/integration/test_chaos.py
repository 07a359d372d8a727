"""Chaos: a fault in the middle of a burst of deploys, and the platform heals with nobody's help.

The platform runs as ``make run`` runs it, under supervisord. For each fault — kill -9 of each
kind of process, RabbitMQ stopped for 5 s, PostgreSQL restarted, Redis restarted — a burst of
deploys is sent and the fault is injected half way through. Then, with no action of the test's:
the killed process is back, every job ends (success, or failure with its reason) in bounded
time, no VM is left Starting/Stopping/Migrating, the hosts' and pools' capacity of record is
what the Running VMs and the volumes hold, no address and no guest exists twice, and a new
deploy succeeds. The figures of each fault are printed and kept in tests/artifacts/.

The middleware faults hit the machine's shared servers, so the other live stacks of the test
session live through them too; these tests run last (see conftest.py).
"""
import json
import re
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from cs.client import CloudStack

from tests.support import eventually

from .stack import ROOT, Stack

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
BURST = 16
SETTLE_S = 150  # every job must have ended this long after the fault is over
DATACENTER = {"zones": [{
    "name": "Chaos-Zone",
    "guestnetworks": [{"name": "chaos-guest", "cidr": "10.66.0.0/20", "gateway": "10.66.0.1"}],
    "pods": [{"name": "chaos-pod", "clusters": [{
        "name": "chaos-cluster", "hypervisor": "Simulator",
        "hosts": [{"name": f"chaos-{i}", "cpunumber": 64, "cpuspeed": 2000, "memory": 65536} for i in range(1, 4)],
        "primarystorages": [{"name": "chaos-primary", "capacitygb": 4000}]}]}]}]}
TRANSITIONAL = ("Starting", "Stopping", "Migrating")
RESULTS = {}


def _stack(kind, tmp_path_factory):
    return Stack(kind, tmp_path_factory.mktemp(f"javelin-chaos-{kind}"), supervised=True, extra_env={
        "JAVELIN_STEP_DEADLINE": "8", "JAVELIN_REDELIVERY_GRACE": "4", "JAVELIN_WATCH_INTERVAL": "2",
        "JAVELIN_AUDIT_INTERVAL": "3", "JAVELIN_SYNC_INTERVAL": "5", "JAVELIN_HOST_HEARTBEAT": "2",
        "JAVELIN_API_MAX_QUEUE_WAIT": "0.5",  # the overload test's bound: reached by 64 clients on two cores
    })


@pytest.fixture(scope="module", params=["production", "embedded"])
def chaos(request, tmp_path_factory):
    stack = _stack(request.param, tmp_path_factory)
    try:
        stack.start(timeout=120)
        stack.deploy_datacenter(DATACENTER)
        cs = stack.client(fetch_result=False)
        stack.catalog = {
            "zoneid": cs.listZones(name="Chaos-Zone")["zone"][0]["id"],
            "serviceofferingid": cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]["id"],
            "templateid": cs.listTemplates(templatefilter="executable")["template"][0]["id"],
        }
        eventually(lambda: len(cs.listHosts(zoneid=stack.catalog["zoneid"], state="Up").get("host", [])) == 3, timeout=60)
        yield stack
    finally:
        stack.stop()
        _write_results()


# --- the burst --------------------------------------------------------------------------------
def _deploy(stack, name):
    """One deploy, retried as a client would while the API is down or refusing (a restart).

    An answer lost after the deploy was taken (the connection broke on its way back) makes
    the retry's answer "already exists": then the first attempt's job is the one to follow,
    found as a client finds it, by the VM's name."""
    deadline = time.monotonic() + 90
    while True:
        cs = stack.client(fetch_result=False, timeout=30)
        try:
            return cs.deployVirtualMachine(name=name, **stack.catalog)["jobid"]
        except Exception as error:  # noqa: BLE001 - connection refused, 503, a reset: retry until the deadline
            if "already exists" in str(error):
                vm = cs.listVirtualMachines(name=name)["virtualmachine"][0]
                return next(j["jobid"] for j in cs.listAsyncJobs()["asyncjobs"]
                            if j.get("jobinstanceid") == vm["id"] and "DeployVMCmd" in j["cmd"])
            if time.monotonic() > deadline:
                raise AssertionError(f"deploy {name} could not be submitted for 90 s: {error}") from error
            time.sleep(0.5)


def burst(stack, label, fault, recover=None):
    """Send BURST deploys from 8 clients; run ``fault`` when half are in; ``recover`` after 5 s
    (for a server the test stopped). Returns the jobids and when the fault was over."""
    submitted, fault_done = [], threading.Event()
    state = {"over": None}

    def inject():
        eventually(lambda: len(submitted) >= BURST // 2, 120, every=0.05, what="half the burst to be submitted")
        fault()
        if recover is not None:
            time.sleep(5)
            recover()
        state["over"] = time.monotonic()
        fault_done.set()

    injector = threading.Thread(target=inject, daemon=True)
    injector.start()

    def one(i):
        jobid = _deploy(stack, f"{label}-{i}")
        submitted.append(jobid)
        return jobid

    with ThreadPoolExecutor(max_workers=8) as pool:
        jobids = list(pool.map(one, range(BURST)))
    fault_done.wait(120)
    return jobids, state["over"] or time.monotonic()


def _burst_jobs(stack, jobids, what):
    marks = ", ".join(["%s"] * len(jobids))
    return stack.sql(f"SELECT {what} FROM jobs_asyncjob WHERE uuid IN ({marks})",
                     *[j if stack.kind == "production" else j.replace("-", "") for j in jobids])


def settle(stack, jobids, since):
    """Wait until no job at all is pending; (ok, failed, pending of the burst's, seconds from
    the fault's end)."""
    def pending():
        return stack.sql("SELECT count(*) FROM jobs_asyncjob WHERE status = 0")[0][0]

    eventually(lambda: pending() == 0, timeout=SETTLE_S, every=0.5)
    took = time.monotonic() - since
    statuses = [status for (status,) in _burst_jobs(stack, jobids, "status")]
    return statuses.count(1), statuses.count(2), statuses.count(0), took


# --- what must hold after any fault --------------------------------------------------------------
def check_invariants(stack, label):
    assert stack.sql("SELECT count(*) FROM compute_virtualmachine WHERE state IN ('Starting', 'Stopping', 'Migrating') "
                     "AND removed IS NULL")[0][0] == 0, f"{label}: a VM is left in between two states"
    hosts = stack.sql(
        "SELECT h.name, h.cpu_allocated_mhz, h.memory_allocated_mb, "
        "COALESCE(SUM(CASE WHEN v.state = 'Running' THEN o.cpu_number * o.cpu_speed END), 0), "
        "COALESCE(SUM(CASE WHEN v.state = 'Running' THEN o.memory_mb END), 0) "
        "FROM fabric_host h LEFT JOIN compute_virtualmachine v ON v.host_id = h.id AND v.removed IS NULL "
        "LEFT JOIN catalog_serviceoffering o ON o.id = v.service_offering_id GROUP BY h.id, h.name")
    for name, cpu, memory, running_cpu, running_memory in hosts:
        assert (cpu, memory) == (running_cpu, running_memory), f"{label}: host {name} has {cpu} MHz / {memory} MB " \
            f"allocated, its Running VMs use {running_cpu} / {running_memory}"
    pools = stack.sql("SELECT p.name, p.allocated_bytes, COALESCE(SUM(v.size_bytes), 0) FROM fabric_storagepool p "
                      "LEFT JOIN storage_volume v ON v.pool_id = p.id AND v.removed IS NULL GROUP BY p.id, p.name")
    for name, allocated, held in pools:
        assert allocated == held, f"{label}: pool {name} has {allocated} bytes allocated, its volumes hold {held}"
    twice = stack.sql("SELECT network_id, ip_address, count(*) FROM network_nic GROUP BY network_id, ip_address "
                      "HAVING count(*) > 1")
    assert not twice, f"{label}: addresses given twice: {twice}"
    running = {name for (name,) in stack.sql(
        "SELECT instance_name FROM compute_virtualmachine WHERE state = 'Running' AND removed IS NULL")}
    guests = []
    for node in (stack.state_dir / "simulator" / "hosts").glob("*.xml"):
        guests += [d.findtext("name") for d in ElementTree.parse(node).getroot().findall("domain")]
    assert len(guests) == len(set(guests)), f"{label}: a guest runs on two hosts"
    assert running <= set(guests), f"{label}: Running VMs no host runs: {sorted(running - set(guests))}"


def after_fault(stack, label, jobids, over, restarted_s=None):
    ok, failed, pending, took = settle(stack, jobids, over)
    check_invariants(stack, label)
    cs = stack.client(fetch_result=False)
    hosts_up = eventually(lambda: len(cs.listHosts(zoneid=stack.catalog["zoneid"], state="Up").get("host", [])) == 3,
                          timeout=60)  # as an operator would wait for them after an outage
    assert hosts_up, f"{label}: the hosts are not Up again a minute after the fault"
    try:
        vm = stack.client(fetch_result=True).deployVirtualMachine(name=_slug(label) + "-after", **stack.catalog)["virtualmachine"]
    except Exception as error:
        raise AssertionError(f"{label}: a deploy after the fault failed: {error}\n{_complaints(stack)}") from error
    assert vm["state"] == "Running", f"{label}: a deploy after the fault did not succeed"
    reasons = set()
    for (result,) in _burst_jobs(stack, jobids, "result"):
        if result is None:
            continue
        result = json.loads(result) if isinstance(result, str) else result
        if "errorcode" not in result:
            continue  # a success
        assert result.get("errortext"), f"{label}: a job failed without saying why"
        reasons.add(result["errortext"][:160])
    RESULTS.setdefault(stack.kind, {})[label] = {"ok": ok, "failed": failed, "pending": pending,
                                                  "recovered_s": round(took, 1),
                                                  "restarted_s": round(restarted_s, 1) if restarted_s else None}
    print(f"chaos {stack.kind} {label}: jobs ok {ok} / failed {failed} / pending {pending}; all ended "
          f"{took:.1f} s after the fault" + (f"; process back in {restarted_s:.1f} s" if restarted_s else "")
          + "".join(f"\n  failed: {reason}" for reason in sorted(reasons)))
    assert pending == 0 and ok + failed == len(jobids)


def _complaints(stack, last=12):
    """The last warnings and errors each process of ``stack`` logged: what a failure shows."""
    lines = []
    for log in sorted((stack.state_dir / "logs").glob("*.log")):
        said = [line for line in log.read_text(errors="replace").splitlines()
                if re.search(r"WARNING|ERROR|CRITICAL|Traceback|Error:", line)]
        lines += [f"{log.stem}: {line[:300]}" for line in said[-last:]]
    return "\n".join(lines)


def _slug(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _write_results():
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "chaos.json").write_text(json.dumps(RESULTS, indent=1, sort_keys=True))


# --- the faults -----------------------------------------------------------------------------------
KILLS = {"production": ["api", "orchestration", "network", "storage", "compute", "monitor", "beat"],
         "embedded": ["orchestration", "network", "compute"]}


@pytest.mark.smoke
@pytest.mark.parametrize("component", sorted({c for names in KILLS.values() for c in names}))
def test_kill_minus_nine_in_a_burst(chaos, component):
    if component not in KILLS[chaos.kind]:
        pytest.skip(f"kill -9 of {component} runs on the production stack (the embedded one shares its code)")
    killed = {}

    def fault():
        killed["mark"] = chaos.log(component).stat().st_size
        killed["pid"] = chaos.kill(component)
        killed["at"] = time.monotonic()

    jobids, over = burst(chaos, f"kill-{component}", fault)
    chaos.wait_restarted(component, killed["pid"], since=killed["mark"])
    after_fault(chaos, f"kill -9 {component}", jobids, over, restarted_s=time.monotonic() - killed["at"])


def _run(*command):
    subprocess.run(list(command), check=True, capture_output=True, timeout=120)


def _up(port):
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _postgres_cluster():
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    return version, "main"


REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def _middleware():
    version, cluster = _postgres_cluster()
    return {
        "RabbitMQ stop_app 5 s": (lambda: _run("rabbitmqctl", "stop_app"), lambda: _run("rabbitmqctl", "start_app"),
                                  lambda: _run("rabbitmqctl", "start_app") if not _up(5672) else None),
        "PostgreSQL restart": (lambda: _run("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "stop", "-m", "fast"),
                               lambda: _run("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"),
                               lambda: _run("pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start")
                               if not _up(5432) else None),
        "Redis restart": (lambda: subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, timeout=30),
                          lambda: _run(*REDIS_START), lambda: _run(*REDIS_START) if not _up(6379) else None),
    }


def test_an_agent_busy_when_rabbitmq_restarts_takes_work_again(chaos):
    """The CI failure of the burst above, made certain: a compute agent (threads pool) has
    tasks in flight when RabbitMQ goes away; once it is back, the agent takes new work within
    seconds (it once took none for three minutes: Celery's prefetch restoration raced the
    consumer on the channel)."""
    if chaos.kind != "production":
        pytest.skip("the embedded stack has no server to restart")
    stop, start, ensure_up = _middleware()["RabbitMQ stop_app 5 s"]
    busy, _ = chaos.manage("drill", "compute", "--count", "2", "--hold", "6").split()
    time.sleep(2)  # both are running on the agent's pool threads
    try:
        stop()
        time.sleep(3)
        start()
    finally:
        ensure_up()
    eventually(lambda: _up(5672), 30, what="RabbitMQ to listen again")
    time.sleep(8)  # the workers reconnect; the busy tasks end (their acks are lost with the old channel)
    marker, _ = chaos.manage("drill", "compute", "--count", "1", "--hold", "0").split()
    log = chaos.state_dir / "drills" / f"{marker}.log"
    taken = eventually(lambda: log.exists() and log.read_text().strip(), 30, every=0.2)
    assert taken, f"the compute agent took no new task 30 s after RabbitMQ came back\n{_complaints(chaos)}"


@pytest.mark.parametrize("fault", ["RabbitMQ stop_app 5 s", "PostgreSQL restart", "Redis restart"])
def test_a_middleware_restart_in_a_burst(chaos, fault):
    if chaos.kind != "production":
        pytest.skip("the embedded stack has no server to restart")
    stop, start, ensure_up = _middleware()[fault]
    try:
        jobids, over = burst(chaos, _slug(fault), stop, recover=start)
    finally:
        ensure_up()  # a test that stops a server starts it again, whatever happened
    after_fault(chaos, fault, jobids, over)


# --- back-pressure --------------------------------------------------------------------------------
def test_overload_gets_503_at_once_and_the_api_recovers_when_it_ends(chaos):
    if chaos.kind != "production":
        pytest.skip("one load test is enough: the API process is the same on both stacks")
    url = chaos.endpoint
    statuses, slow = [], []
    stop_at = time.monotonic() + 8

    def hammer(_):
        session = requests.Session()
        while time.monotonic() < stop_at:
            params = {"command": "listVirtualMachines", "listall": "true", "response": "json"}
            began = time.monotonic()
            try:
                response = session.get(url, params=_signed(chaos, params), timeout=10)
                statuses.append(response.status_code)
            except requests.RequestException:
                statuses.append("timeout")
            slow.append(time.monotonic() - began)

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(hammer, range(64)))
    refused = statuses.count(503)
    print(f"overload: {len(statuses)} calls, {statuses.count(200)} answered, {refused} refused with 503, "
          f"{statuses.count('timeout')} timed out")
    assert "timeout" not in statuses, "a request timed out instead of being refused"
    assert refused > 0, "64 clients at once never met the API's bound"
    assert set(statuses) <= {200, 503}
    # responsive again as soon as the load is gone: within 10 s, 20 calls with a p99 under 1 s
    deadline = time.monotonic() + 10
    while True:
        times = []
        for _ in range(20):
            began = time.monotonic()
            response = requests.get(url, params=_signed(chaos, {"command": "listZones", "response": "json"}), timeout=10)
            times.append(time.monotonic() - began)
            assert response.status_code == 200
        times.sort()
        if times[18] < 1.0 or time.monotonic() > deadline:
            break
    assert times[18] < 1.0, f"p99 of listZones after the load: {times[18]:.2f} s"
    RESULTS.setdefault(chaos.kind, {})["overload"] = {"calls": len(statuses), "refused_503": refused, "timeouts": 0,
                                                      "p99_after_s": round(times[18], 3)}


def _signed(stack, params):
    params = dict(params, apiKey=stack.keys["apikey"])
    CloudStack(endpoint=stack.endpoint, key=stack.keys["apikey"], secret=stack.keys["secretkey"])._sign(params)
    return params


# --- the watchdog -----------------------------------------------------------------------------------
def _job(stack, jobid):
    return stack.client(fetch_result=False).queryAsyncJobResult(jobid=jobid)


def test_a_job_whose_message_was_lost_is_handed_on_again(chaos):
    """The orchestration worker stops consuming, the deploy's message is purged from its queue
    (lost, as a broker without persistence would lose it), the worker consumes again: nothing
    will ever deliver that message, yet the watchdog hands the job on and it succeeds."""
    if chaos.kind != "production":
        pytest.skip("RabbitMQ's queue is purged here; the embedded broker's loss is covered by its claims")
    control = [sys.executable, "-m", "celery", "-A", "cloudstack", "control", "-d", "orchestration@" + socket.gethostname()]
    subprocess.run([*control, "cancel_consumer", "orchestration"], cwd=ROOT, env=chaos.env(), check=True,
                   capture_output=True, timeout=60)
    try:
        jobid = chaos.client(fetch_result=False).deployVirtualMachine(name="lost-message", **chaos.catalog)["jobid"]
        eventually(lambda: _queue_depth(chaos, "orchestration") >= 1, timeout=20)
        _run("rabbitmqctl", "purge_queue", "-p", chaos.name, "orchestration")
    finally:
        subprocess.run([*control, "add_consumer", "orchestration"], cwd=ROOT, env=chaos.env(), check=True,
                       capture_output=True, timeout=60)
    job = eventually(lambda: (lambda j: j if j["jobstatus"] != 0 else None)(_job(chaos, jobid)), timeout=60)
    assert job and job["jobstatus"] == 1, job
    assert job["jobresult"]["virtualmachine"]["state"] == "Running"
    redrives = chaos.sql("SELECT redrives FROM jobs_asyncjob WHERE uuid = %s", jobid)[0][0]
    assert redrives == 1  # it was the watchdog that handed it on
    check_invariants(chaos, "lost message")


def test_a_job_that_cannot_finish_is_given_up_and_gives_everything_back(chaos):
    """The Networking component is stopped for good: a deploy placed on a host waits for its
    NIC, is handed on once, still waits, and is given up: its VM ends in Error with its
    capacity given back and the job fails saying which step stopped. When networking comes
    back, the compensation it missed (releasing the NIC) is done."""
    if chaos.kind != "production":
        pytest.skip("one stack is enough for the watchdog's give-up")
    chaos.supervisorctl("stop", "network")
    try:
        jobid = chaos.client(fetch_result=False).deployVirtualMachine(name="never-finishes", **chaos.catalog)["jobid"]
        job = eventually(lambda: (lambda j: j if j["jobstatus"] != 0 else None)(_job(chaos, jobid)), timeout=90)
    finally:
        chaos.supervisorctl("start", "network")
    assert job and job["jobstatus"] == 2, job
    assert "did not finish" in job["jobresult"]["errortext"] and "handed on again" in job["jobresult"]["errortext"]
    vm_state = chaos.sql("SELECT state, reserved_memory_mb FROM compute_virtualmachine WHERE name = 'never-finishes'")[0]
    assert vm_state == ("Error", 0)
    eventually(lambda: not chaos.sql("SELECT 1 FROM network_nic n JOIN compute_virtualmachine v ON v.id = n.vm_id "
                                     "WHERE v.name = 'never-finishes'"), timeout=60)  # the NIC's release came through
    check_invariants(chaos, "given up")


def _queue_depth(stack, queue):
    out = subprocess.run(["rabbitmqctl", "list_queues", "-p", stack.name, "name", "messages", "--no-table-headers", "-q"],
                         capture_output=True, text=True, timeout=60).stdout
    for line in out.splitlines():
        name, _, count = line.partition("\t")
        if name == queue:
            return int(count)
    return 0


# --- concurrent workers ------------------------------------------------------------------------
def test_a_burst_with_the_autoscaler_at_its_maximum(tmp_path_factory):
    """Every component at its most workers (the autoscaler's minimum set to its maximum): 40
    deploys and their destroys, and no two workers trample each other's files or records."""
    stack = Stack("production", tmp_path_factory.mktemp("javelin-autoscaled"), extra_env={
        "JAVELIN_AUTOSCALE": "orchestration=4:4,network=3:3,storage=3:3", "JAVELIN_AUTOSCALE_INTERVAL": "1"})
    try:
        stack.start(timeout=120)
        stack.deploy_datacenter(DATACENTER)
        cs = stack.client(fetch_result=False)
        stack.catalog = {
            "zoneid": cs.listZones(name="Chaos-Zone")["zone"][0]["id"],
            "serviceofferingid": cs.listServiceOfferings(name="Small Instance")["serviceoffering"][0]["id"],
            "templateid": cs.listTemplates(templatefilter="executable")["template"][0]["id"],
        }
        workers = lambda name: len([c for c in cs.listComponents().get("component", []) if c["name"] == name])  # noqa: E731
        assert eventually(lambda: workers("network") == 3 and workers("storage") == 3 and workers("orchestration") == 4,
                          timeout=90), "the autoscaler did not start its extra workers"
        with ThreadPoolExecutor(max_workers=16) as pool:
            jobids = list(pool.map(lambda i: _deploy(stack, f"many-{i}"), range(40)))
        assert eventually(lambda: not stack.sql("SELECT 1 FROM jobs_asyncjob WHERE status = 0"), timeout=180)
        statuses = [s for (s,) in _burst_jobs(stack, jobids, "status")]
        assert statuses.count(1) == 40, f"deploys: {statuses.count(1)} ok, {statuses.count(2)} failed"
        check_invariants(stack, "autoscaled burst")
        vms = [v["id"] for v in cs.listVirtualMachines(listall="true", zoneid=stack.catalog["zoneid"])["virtualmachine"]]
        with ThreadPoolExecutor(max_workers=16) as pool:
            destroys = list(pool.map(lambda vm: cs.destroyVirtualMachine(id=vm, expunge="true")["jobid"], vms))
        assert eventually(lambda: not stack.sql("SELECT 1 FROM jobs_asyncjob WHERE status = 0"), timeout=180)
        ended = _burst_jobs(stack, destroys, "status, result")
        assert [s for s, _ in ended].count(1) == len(vms), [r for s, r in ended if s != 1]
        check_invariants(stack, "autoscaled destroys")
        plans = [json.loads(p.read_text()) for p in (stack.state_dir / "network").glob("network-*.json")]
        assert plans and not list((stack.state_dir / "network").glob(".*.tmp"))  # whole plans, no temp left
        assert not [n for plan in plans for n in plan.get("nics", [])], "a destroyed VM is still in a network plan"
    finally:
        stack.stop()
