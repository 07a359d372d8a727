"""The query API under load: a signed call against a bare Django view, and a sustained rate.

Starts the whole platform on the production stack (every component its own process; the
API's Django settings add one bare view, ``bench/bare``) and deploys ``--vms`` VMs. Then:

1. **Throughput**: signed ``listZones`` against ``/bench/zones`` (the same JSON made by a plain
   Django view: ORM, the same rendering function, no signature, registry, throttling or
   transaction), same gunicorn, same client: ``--clients`` threads on keep-alive connections,
   each endpoint in turn for ``--seconds``, ``--rounds`` times; the ratio is taken per round.
2. **Sustained load**: ``--rate`` signed ``listVirtualMachines`` a second (all VMs, as the
   root admin) for ``--duration`` seconds, sent on schedule whatever the answers do (open
   loop; 20 s client timeout): errors, timeouts and latency percentiles.

Everything stays on 127.0.0.1; the run is bounded by its arguments.

    python bench/api.py [--vms 300] [--rate 20] [--duration 60]
"""
import argparse
import http.client
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
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.api.signing import sign  # noqa: E402
from bench.deploy import datacenter, deployer, percentile  # noqa: E402
from tests.integration.stack import Stack  # noqa: E402


def signed_path(keys, **params):
    """A signed query string; without an expiry, the same one may be sent again and again."""
    params = {"response": "json", "apikey": keys["apikey"], **params}
    params["signature"] = sign(params, keys["secretkey"])
    return "/client/api?" + urlencode(params)


def hammer(port, path, clients, seconds):
    """Requests a second that ``clients`` threads get answered, each on its own connection."""
    stop = time.monotonic() + seconds
    counts, errors = [0] * clients, [0] * clients

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def throughput(stack, clients, seconds, rounds):
    signed = signed_path(stack.keys, command="listZones")
    bare = "/bench/zones"
    for path in (signed, bare):  # the same answer, and warm
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        conn.request("GET", path)
        body = json.loads(conn.getresponse().read())
        assert body["listzonesresponse"]["zone"], body
    runs = []
    for _ in range(rounds):
        signed_rate, signed_errors = hammer(stack.port, signed, clients, seconds)
        bare_rate, bare_errors = hammer(stack.port, bare, clients, seconds)
        runs.append({"signed_per_s": signed_rate, "bare_per_s": bare_rate, "ratio": bare_rate / signed_rate,
                     "errors": signed_errors + bare_errors})
        print(f"  signed {signed_rate:.0f}/s, bare {bare_rate:.0f}/s: 1/{bare_rate / signed_rate:.2f}", flush=True)
    return runs


def sustained(stack, rate, duration):
    path = signed_path(stack.keys, command="listVirtualMachines", listall="true")
    local = threading.local()

    def one(at):
        time.sleep(max(0.0, at - time.monotonic()))
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=20)
        started = time.monotonic()
        try:
            local.conn.request("GET", path)
            response = local.conn.getresponse()
            body = response.read()
            ok = response.status == 200 and b'"virtualmachine"' in body
            return ("ok" if ok else f"http {response.status}"), time.monotonic() - started
        except TimeoutError:
            local.conn.close()
            del local.conn
            return "timeout", time.monotonic() - started
        except (OSError, http.client.HTTPException) as error:
            local.conn.close()
            del local.conn
            return type(error).__name__, time.monotonic() - started

    begin = time.monotonic() + 0.5
    schedule = [begin + i / rate for i in range(int(rate * duration))]
    with ThreadPoolExecutor(max_workers=int(rate * 20) + 1) as pool:  # enough threads for every call to wait its 20 s
        results = list(pool.map(one, schedule))
    latencies = [seconds for outcome, seconds in results if outcome == "ok"]
    outcomes = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {
        "sent": len(results), "outcomes": outcomes, "errors": len(results) - len(latencies),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else None,
        "max_ms": max(latencies) * 1000 if latencies else None,
    }


def deploy_vms(stack, n):
    api = stack.client(fetch_result=False, timeout=60)
    deploy = deployer(stack, "load")
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = list(pool.map(deploy, range(n)))
    deadline = time.monotonic() + 600
    for job in jobs:
        while api.queryAsyncJobResult(jobid=job)["jobstatus"] == 0:
            if time.monotonic() > deadline:
                raise SystemExit("the deploys did not end in 10 minutes")
            time.sleep(0.2)
    running = api.listVirtualMachines(listall=True, state="Running").get("count", 0)
    if running < n:
        raise SystemExit(f"only {running} of {n} VMs are running")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8, help="client threads of the throughput runs")
    parser.add_argument("--seconds", type=float, default=8, help="length of each throughput run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=20, help="sustained load: calls a second")
    parser.add_argument("--duration", type=float, default=60, help="sustained load: seconds")
    args = parser.parse_args()

    stack = Stack("production", tempfile.mkdtemp(prefix="javelin-bench-api-"),
                  extra_env={"DJANGO_SETTINGS_MODULE": "bench.bare.settings"})
    stack.start()
    try:
        stack.deploy_datacenter(datacenter(args.vms))
        deploy_vms(stack, args.vms)
        print(f"{args.vms} VMs running", flush=True)
        time.sleep(10)  # the deploys' aftermath (events, the first reconcile of 300 guests) settles
        runs = throughput(stack, args.clients, args.seconds, args.rounds)
        load = sustained(stack, args.rate, args.duration)
    finally:
        stack.stop()
    ratio = statistics.median(r["ratio"] for r in runs)
    print(f"\nproduction stack, {os.cpu_count()} cores, every component running, {args.vms} VMs")
    print(f"{'round':>5} {'signed listZones/s':>19} {'bare view/s':>12} {'ratio':>8} {'errors':>7}")
    for i, r in enumerate(runs, 1):
        print(f"{i:>5} {r['signed_per_s']:>19.0f} {r['bare_per_s']:>12.0f} {'1/%.2f' % r['ratio']:>8} {r['errors']:>7}")
    print(f"median ratio 1/{ratio:.2f}")
    print(f"\nsustained: {args.rate:g} signed listVirtualMachines/s (all {args.vms} VMs) for {args.duration:g} s")
    print(f"  sent {load['sent']}, errors {load['errors']} {load['outcomes']}, "
          f"p50 {load['p50_ms']:.0f} ms, p99 {load['p99_ms']:.0f} ms, max {load['max_ms']:.0f} ms")
    out = ROOT / "bench" / "results" / f"api-production-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "throughput": runs, "median_ratio": ratio, "sustained": load}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
