"""Deploy throughput and latency, against a bare Celery canvas with the same hops.

Starts the whole platform (every component its own process, from the Procfile) on the
production stack (PostgreSQL + RabbitMQ + Redis on 127.0.0.1) or the embedded one, deploys
N VMs through the CloudStack API at once, and times each job from its creation to its
completion (the jobs' own timestamps). In the same run, on the same broker and workers, it
times N bare canvases of no-op ``ping`` tasks with the hops of a deploy:

    orchestration → (network ‖ storage) → orchestration → compute → orchestration

The ratio of the two is the cost of what the flow does beyond moving messages.

    python bench/deploy.py [--vms 200] [--stack production|embedded]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def job_times(stack, jobids):
    """(created, completed, status) of each job, read from the data service with microseconds."""
    code = (
        "import json,sys;from apps.jobs.models import AsyncJob;"
        "ids=json.load(sys.stdin);"
        "print(json.dumps([(j.created.timestamp(), j.completed.timestamp() if j.completed else None, j.status) "
        "for j in AsyncJob.objects.filter(uuid__in=ids)]))"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack.env(), input=json.dumps(jobids),
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_deploys(stack, vms, submitters):
    api = stack.client(fetch_result=False, timeout=60)
    zone = api.listZones(name="Bench-Zone")["zone"][0]
    offering = api.listServiceOfferings(name="Small Instance")["serviceoffering"][0]
    template = api.listTemplates(templatefilter="executable")["template"][0]
    local = threading.local()

    def deploy(i):
        if not hasattr(local, "client"):
            local.client = stack.client(fetch_result=False, timeout=60)
        return local.client.deployVirtualMachine(
            name=f"bench-{i}", zoneid=zone["id"], serviceofferingid=offering["id"], templateid=template["id"]
        )["jobid"]

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
    latencies = [done - created for created, done, _ in rows]
    wall = max(done for _, done, _ in rows) - min(created for created, _, _ in rows)
    return summarize("deployVirtualMachine (API → 5 hops → Running)", latencies, wall)


def bench_bare_canvas(stack, n, submitters):
    os.environ.update({k: v for k, v in stack.env().items() if k.startswith(("CELERY_", "DATABASE_", "JAVELIN_"))})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack.settings")
    import django

    django.setup()
    from celery import chain, chord

    from workers.rpc import signature

    def canvas():
        return chain(
            signature("orchestration", "ping"),
            chord([signature("network", "ping"), signature("storage", "ping")], signature("orchestration", "ping")),
            signature("compute", "ping"),
            signature("orchestration", "ping"),
        )

    def run(_):
        started = time.time()
        canvas().apply_async().get(timeout=300)
        return started, time.time()

    run(0)  # warm the connections
    with ThreadPoolExecutor(max_workers=submitters) as pool:
        rows = list(pool.map(run, range(n)))
    latencies = [done - started for started, done in rows]
    wall = max(done for _, done in rows) - min(started for started, _ in rows)
    return summarize("bare Celery canvas, same hops, no-op tasks", latencies, wall)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--stack", choices=["production", "embedded"], default="production")
    parser.add_argument("--submitters", type=int, default=16, help="client threads submitting at once")
    args = parser.parse_args()

    stack = Stack(args.stack, tempfile.mkdtemp(prefix="javelin-bench-"))
    stack.start()
    try:
        stack.deploy_datacenter(datacenter(args.vms))
        flow = bench_deploys(stack, args.vms, args.submitters)
        bare = bench_bare_canvas(stack, args.vms, args.submitters)
    finally:
        stack.stop()

    rows = [flow, bare]
    print(f"\n{args.vms} at once, {args.submitters} submitters, {args.stack} stack, {os.cpu_count()} cores")
    print(f"{'what':48} {'n':>5} {'per s':>8} {'p50 ms':>9} {'p99 ms':>9} {'wall s':>8}")
    for r in rows:
        print(f"{r['name']:48} {r['n']:>5} {r['per_second']:>8.1f} {r['p50_ms']:>9.0f} {r['p99_ms']:>9.0f} {r['wall_s']:>8.1f}")
    ratio = {"throughput": bare["per_second"] / flow["per_second"], "p50_latency": flow["p50_ms"] / bare["p50_ms"]}
    print(f"orchestration overhead: bare/flow throughput x{ratio['throughput']:.2f}, flow/bare p50 latency x{ratio['p50_latency']:.2f}")

    out = ROOT / "bench" / "results" / f"deploy-{args.stack}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "rows": rows, "ratio": ratio}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
