"""How long a failed host's HA VMs take to run elsewhere.

Starts the platform on the production stack with one compute agent per simulated host
(three hosts in one cluster), deploys HA VMs on one host, kills that host's agent with
SIGKILL and times, from the kill: the host seen Alert, seen Down, and every HA VM Running on
another host. Then it restarts the agent (the host comes back Up and its stale copies are
fenced) and does the same to the next host, ``--rounds`` times. The issue's target is
"within two heartbeat intervals plus a deploy".

    python bench/ha.py [--rounds 6] [--vms 3] [--beat 1.0] [--stack production|embedded]
"""
import argparse
import json
import signal
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.stack import Stack  # noqa: E402

HOSTS = ("bha-1", "bha-2", "bha-3")


def datacenter():
    return {
        "zones": [{"name": "BHA-Zone", "guestnetworks": [{"name": "bha-guest", "cidr": "10.78.0.0/24"}],
                   "pods": [{"name": "bha-pod", "clusters": [{
                       "name": "bha-cluster", "hypervisor": "Simulator",
                       "hosts": [{"name": h, "cpunumber": 16, "cpuspeed": 2000, "memory": 16384} for h in HOSTS],
                       "primarystorages": [{"name": "bha-primary", "capacitygb": 500}]}]}]}],
        "serviceofferings": [{"name": "BHA Small", "cpunumber": 1, "cpuspeed": 500, "memory": 512, "offerha": True}],
        "templates": [{"name": "BHA Tiny", "sizegb": 1}],
    }


def agent(stack, name, since=0):
    stack.spawn(f"agent-{name}", f"python manage.py compute_agent --host {name}")
    stack.wait_ready(f"agent-{name}", since=since)


def until(check, timeout=120, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(every)
    raise RuntimeError("timed out")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--vms", type=int, default=3)
    parser.add_argument("--beat", type=float, default=1.0)
    parser.add_argument("--stack", choices=["production", "embedded"], default="production")
    args = parser.parse_args()
    stack = Stack(args.stack, tempfile.mkdtemp(prefix="javelin-bench-ha-"),
                  components=["api", "orchestration", "network", "storage", "monitor", "beat"],
                  extra_env={"JAVELIN_HOST_HEARTBEAT": str(args.beat), "JAVELIN_AUTOSCALE": ""})
    rows = []
    try:
        stack.start()
        stack.deploy_datacenter(datacenter())
        for name in HOSTS:
            agent(stack, name)
        cs = stack.client(fetch_result=True)
        zone = next(z["id"] for z in cs.listZones()["zone"] if z["name"] == "BHA-Zone")
        hosts = {h["name"]: h["id"] for h in cs.listHosts(zoneid=zone)["host"]}
        offering = next(o["id"] for o in cs.listServiceOfferings()["serviceoffering"] if o["name"] == "BHA Small")
        template = next(t["id"] for t in cs.listTemplates(templatefilter="executable", zoneid=zone)["template"]
                        if t["name"] == "BHA Tiny")
        until(lambda: all(h.get("lastpinged") for h in cs.listHosts(zoneid=zone)["host"]), 30)
        for round_no in range(args.rounds):
            victim = HOSTS[round_no % len(HOSTS)]
            for name, host_id in hosts.items():
                if name != victim:
                    cs.updateHost(id=host_id, allocationstate="Disable")
            vms = [cs.deployVirtualMachine(zoneid=zone, templateid=template, serviceofferingid=offering)["virtualmachine"]
                   for _ in range(args.vms)]
            for name, host_id in hosts.items():
                cs.updateHost(id=host_id, allocationstate="Enable" if name != victim else "Disable")
            time.sleep(2 * args.beat)  # the victim writes its guests down
            killed = time.monotonic()
            stack.stop_process(f"agent-{victim}", sig=signal.SIGKILL)
            alert = until(lambda: cs.listHosts(id=hosts[victim])["host"][0]["state"] in ("Alert", "Down"))
            down = until(lambda: cs.listHosts(id=hosts[victim])["host"][0]["state"] == "Down")

            def moved():
                states = [cs.listVirtualMachines(id=vm["id"])["virtualmachine"][0] for vm in vms]
                return all(v["state"] == "Running" and v.get("hostname") != victim for v in states)

            running = until(moved)
            rows.append({"round": round_no, "host": victim, "alert_s": alert - killed, "down_s": down - killed,
                         "ha_running_s": running - killed})
            print(f"round {round_no}: {victim} alert {alert - killed:.2f}s, down {down - killed:.2f}s, "
                  f"HA VMs running {running - killed:.2f}s", flush=True)
            agent(stack, victim, since=stack.log(f"agent-{victim}").stat().st_size)
            cs.updateHost(id=hosts[victim], allocationstate="Enable")
            until(lambda: cs.listHosts(id=hosts[victim])["host"][0]["state"] == "Up")
            for vm in vms:
                cs.destroyVirtualMachine(id=vm["id"], expunge="true")
    finally:
        stack.stop()
    summary = {key: statistics.median(r[key] for r in rows) for key in ("alert_s", "down_s", "ha_running_s")}
    print()
    print(f"{'what (from the kill)':<32}{'p50 s':>8}{'max s':>8}")
    for key, label in (("alert_s", "host seen Alert"), ("down_s", "host seen Down"), ("ha_running_s", "all HA VMs Running")):
        print(f"{label:<32}{summary[key]:>8.2f}{max(r[key] for r in rows):>8.2f}")
    print(f"heartbeat {args.beat}s: two intervals = {2 * args.beat:.1f}s; {args.vms} HA VMs per host; {len(rows)} rounds")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"ha-{args.stack}-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rounds": rows, "median": summary}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
