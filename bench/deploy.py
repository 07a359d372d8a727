"""Deploy throughput and latency, against a bare Celery canvas with the same hops.

Starts the whole platform (every component its own process, from the Procfile) on the
production stack (PostgreSQL + RabbitMQ + Redis on 127.0.0.1) or the embedded one, deploys
N VMs through the CloudStack API at once, and times each job from its creation to its
completion (the jobs' own timestamps). In the same run, on the same broker and workers, it
times N bare canvases of no-op ``ping`` tasks with the hops of a deploy:

    orchestration → (network ‖ storage) → orchestration → compute → orchestration

Both are measured one at a time (latency of one request on an idle platform) and as a burst
of N sent at once (throughput; latency there is mostly time spent queued). The ratios are
the cost of what a deploy does beyond moving messages.

It also counts the SQL statements of every process (``cloudstack/querycount.py``) while the
deploys run, less what the idle platform sends in the same time (heartbeats, the monitor),
per deploy and per component, and reads each step's time from the jobs' recorded steps.

    python bench/deploy.py [--vms 200] [--stack production|embedded]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cloudstack import querycount  # noqa: E402
from tests.integration.stack import Stack  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summarize(name, latencies, wall):
    return {
        "name": name,
        "n": len(latencies),
        "per_second": len(latencies) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "wall_s": wall,
    }


def datacenter(vms):
    hosts = max(2, vms // 100 + 1)
    return {
        "zones": [
            {
                "name": "Bench-Zone",
                "guestnetworks": [{"name": "bench-guest", "cidr": "10.200.0.0/16"}],
                "pods": [{"name": "bp", "clusters": [{"name": "bc", "hypervisor": "Simulator", "hosts": [
                    {"name": f"bench-{i}", "cpunumber": 64, "cpuspeed": 2000, "memory": 100 * 512} for i in range(hosts)],
                    "primarystorages": [{"name": "bench-primary", "capacitygb": 4 * vms}]}]}],
            }
        ]
    }


def counted(stack):
    return querycount.totals(stack.state_dir / "querycount")


def idle_rate(stack, seconds=5.0):
    """Statements a second that the platform sends when it does nothing asked (per component)."""
    before, started = counted(stack), time.monotonic()
    time.sleep(seconds)
    after, elapsed = counted(stack), time.monotonic() - started
    return {k: (v["queries"] - before.get(k, {"queries": 0})["queries"]) / elapsed for k, v in after.items()}


def queries_per_deploy(before, after, elapsed, idle, n):
    """{component: statements per deploy} in a window, less the idle platform's."""
    per = {}
    for component, totals in after.items():
        sent = totals["queries"] - before.get(component, {"queries": 0})["queries"]
        per[component] = max(0.0, sent - idle.get(component, 0.0) * elapsed) / n
    seconds = sum(t["seconds"] - before.get(c, {"seconds": 0.0})["seconds"] for c, t in after.items())
    return {"by_component": per, "total": sum(per.values()), "sql_ms_per_deploy": seconds * 1000 / n}


def _shell(stack, code, payload):
    """What ``code`` prints last, run by ``manage.py shell`` on the stack with ``payload`` as
    JSON on its standard input."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack.env(), input=json.dumps(payload),
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def step_times(stack, jobids):
    """{step: median milliseconds} over the jobs' recorded steps."""
    return _shell(stack, (
        "import json,sys,statistics;from apps.jobs.models import JobStep;"
        "ids=json.load(sys.stdin);t={};"
        "[t.setdefault(s.name,[]).append((s.finished-s.started).total_seconds()*1000) for s in "
        "JobStep.objects.filter(job__uuid__in=ids,started__isnull=False,finished__isnull=False)];"
        "print(json.dumps({k:statistics.median(v) for k,v in t.items()}))"
    ), jobids)


def job_times(stack, jobids):
    """(created, completed, status) of each job, read from the data service with microseconds."""
    return _shell(stack, (
        "import json,sys;from apps.jobs.models import AsyncJob;"
        "ids=json.load(sys.stdin);"
        "print(json.dumps([(j.created.timestamp(), j.completed.timestamp() if j.completed else None, j.status) "
        "for j in AsyncJob.objects.filter(uuid__in=ids)]))"
    ), jobids)


def deployer(stack, prefix):
    """``deploy(i)``: deploy VM ``<prefix>-<i>`` in the bench data center from any thread (each
    thread its own client); returns the job's id."""
    api = stack.client(fetch_result=False, timeout=60)
    zone = api.listZones(name="Bench-Zone")["zone"][0]
    offering = api.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    template = api.listTemplates(templatefilter="executable")["template"][0]
    local = threading.local()

    def deploy(i):
        if not hasattr(local, "client"):
            local.client = stack.client(fetch_result=False, timeout=60)
        return local.client.deployVirtualMachine(
            name=f"{prefix}-{i}", zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"]
        )["jobid"]

    return deploy


def bench_deploys(stack, vms, submitters, prefix, name, idle):
    api = stack.client(fetch_result=False, timeout=60)
    deploy = deployer(stack, prefix)

    before, started = counted(stack), time.monotonic()
    if submitters == 1:  # one at a time: each deploy waits for the one before to finish
        jobids = []
        for i in range(vms):
            jobids.append(deploy(i))
            while api.queryAsyncJobResult(jobid=jobids[-1])["jobstatus"] == 0:
                time.sleep(0.02)
    else:
        with ThreadPoolExecutor(max_workers=submitters) as pool:
            jobids = list(pool.map(deploy, range(vms)))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        rows = job_times(stack, jobids)
        if all(status != 0 for _, _, status in rows):
            break
        time.sleep(1)
    failed = sum(1 for _, _, status in rows if status != 1)
    if failed:
        raise SystemExit(f"{failed} of {vms} deploys failed")
    time.sleep(1)  # the processes' counters are written twice a second
    queries = queries_per_deploy(before, counted(stack), time.monotonic() - started, idle, vms)
    latencies = [done - created for created, done, _ in rows]
    wall = max(done for _, done, _ in rows) - min(created for created, _, _ in rows)
    return {**summarize(name, latencies, wall), "queries": queries, "steps_ms": step_times(stack, jobids)}


def setup_celery_client(stack):
    os.environ.update({k: v for k, v in stack.env().items() if k.startswith(("CELERY_", "DATABASE_", "JAVELIN_"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack.settings")
    import django

    django.setup()


def bench_bare_canvas(n, burst, name):
    """N canvases: all sent at once (``burst``) or one after the other; each timed from its
    sending to the ``date_done`` its last task recorded in the result backend."""
    from celery import chain, chord

    from clients import signature

    def canvas():
        return chain(
            signature("orchestration", "ping"),
            chord([signature("network", "ping"), signature("storage", "ping")], signature("orchestration", "ping")),
            signature("compute", "ping"),
            signature("orchestration", "ping"),
        )

    canvas().apply_async().get(timeout=60)  # warm the connections
    sent = []
    for _ in range(n):
        started = time.time()
        result = canvas().apply_async()
        if not burst:
            result.get(timeout=300)
        sent.append((started, result))
    rows = []
    for started, result in sent:
        result.get(timeout=300)
        rows.append((started, result.date_done.timestamp()))
    latencies = [done - started for started, done in rows]
    wall = max(done for _, done in rows) - min(started for started, _ in rows)
    return summarize(name, latencies, wall)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--stack", choices=["production", "embedded"], default="production")
    parser.add_argument("--submitters", type=int, default=16, help="client threads submitting the burst")
    parser.add_argument("--single", type=int, default=20, help="deploys timed one at a time")
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="javelin-bench-"))
    stack = Stack(args.stack, state, extra_env={"JAVELIN_QUERY_COUNT_DIR": str(state / "querycount")})
    stack.start()
    try:
        stack.deploy_datacenter(datacenter(args.vms))
        setup_celery_client(stack)
        idle = idle_rate(stack)
        rows = [
            bench_deploys(stack, args.single, 1, "one", "deploy, one at a time", idle),
            bench_bare_canvas(args.single, False, "bare canvas, one at a time"),
            bench_deploys(stack, args.vms, args.submitters, "burst", f"deploy, {args.vms} at once", idle),
            bench_bare_canvas(args.vms, True, f"bare canvas, {args.vms} at once"),
        ]
    finally:
        stack.stop()
    single, single_bare, flow, bare = rows
    print(f"\n{args.stack} stack, {os.cpu_count()} cores, burst sent by {args.submitters} client threads")
    print(f"{'what':48} {'n':>5} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} {'wall s':>8}")
    for r in rows:
        print(f"{r['name']:48} {r['n']:>5} {r['per_second']:>8.1f} {r['p50_ms']:>9.0f} {r['p99_ms']:>9.0f} {r['wall_s']:>8.1f}")
    ratio = {
        "latency_one_at_a_time": single["p50_ms"] / single_bare["p50_ms"],
        "throughput_burst": bare["per_second"] / flow["per_second"],
    }
    print(
        f"overhead of a deploy over bare hops: p50 latency x{ratio['latency_one_at_a_time']:.1f} (one at a time), "
        f"throughput x{ratio['throughput_burst']:.1f} (burst)"
    )
    for r in (single, flow):
        q = r["queries"]
        parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(q["by_component"].items()) if v >= 0.05)
        print(f"SQL per deploy ({r['name']}): {q['total']:.1f} statements, {q['sql_ms_per_deploy']:.1f} ms ({parts})")
        print("  step medians ms: " + ", ".join(f"{k} {v:.1f}" for k, v in r["steps_ms"].items()))

    out = ROOT / "bench" / "results" / f"deploy-{args.stack}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "rows": rows, "ratio": ratio}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
