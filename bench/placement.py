"""Placement decision time with 10,000 hosts in the database.

Makes a fresh PostgreSQL database (or uses --database-url), loads one zone with N simulated
hosts (rows only: placement reads the data service, not the hypervisors) and M VMs, then
places the M VMs from P processes at once, as P orchestration workers would, timing each
reserve_for_vm (choose + reserve). Checks after: no host over its capacity, every VM placed
exactly once.

    python bench/placement.py [--hosts 10000] [--vms 1000] [--processes 4]
"""
import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudstack.settings")
    import django

    django.setup()


def load(hosts, vms):
    from apps.accounts.models import AccountType
    from apps.accounts.services import ensure_user
    from apps.catalog.models import OsType, ServiceOffering, Template
    from apps.compute.models import VirtualMachine
    from apps.fabric import services
    from apps.fabric.models import Host
    from apps.network.services import create_network

    user = ensure_user("bench", "bench", AccountType.ROOT_ADMIN)
    zone = services.create_zone("Bench-Zone")
    pod = services.create_pod(zone, "pod")
    cluster = services.add_cluster(pod, "cluster", "Simulator")
    Host.objects.bulk_create(
        [Host(zone=zone, pod=pod, cluster=cluster, name=f"h{i}", hypervisor="Simulator", url=f"test:///bench/h{i}.xml",
              cpu_number=16, cpu_speed=2000, memory_mb=32768) for i in range(hosts)],
        batch_size=2000,
    )
    offering = ServiceOffering.objects.create(name="bench", cpu_number=1, cpu_speed=500, memory_mb=512)
    template = Template.objects.create(name="bench", size_bytes=1, os_type=OsType.objects.first())
    network = create_network(zone, "bench-net", "10.0.0.0/8")
    VirtualMachine.objects.bulk_create(
        [VirtualMachine(name=f"vm{i}", display_name=f"vm{i}", instance_name=f"i-{i}", account=user.account, user=user,
                        zone=zone, template=template, service_offering=offering, network=network, state="Starting")
         for i in range(vms)],
        batch_size=2000,
    )


def place(args):
    url, ids = args
    setup_django(url)
    from apps.compute import placement
    from apps.compute.models import VirtualMachine

    timings = []
    for vm in VirtualMachine.objects.filter(pk__in=ids).select_related("zone", "service_offering"):
        started = time.perf_counter()
        placement.reserve_for_vm(vm)
        timings.append(time.perf_counter() - started)
    return timings


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--vms", type=int, default=1_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--database-url", help="an empty database to use (default: a fresh one on 127.0.0.1)")
    args = parser.parse_args()

    import psycopg2

    name = f"jvbench_{uuid.uuid4().hex[:8]}"
    url = args.database_url or f"postgres://postgres@127.0.0.1:5432/{name}"
    if not args.database_url:
        admin = psycopg2.connect("postgres://postgres@127.0.0.1:5432/postgres")
        admin.autocommit = True
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        load(args.hosts, args.vms)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does on a live system after a bulk load
        loaded = time.perf_counter() - started
        from django.db import connections

        from apps.compute.models import VirtualMachine
        from apps.fabric.models import Host

        ids = list(VirtualMachine.objects.values_list("pk", flat=True))
        connections.close_all()
        chunks = [(url, ids[i:: args.processes]) for i in range(args.processes)]
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
            timings = [t for part in pool.map(place, chunks) for t in part]
        wall = time.perf_counter() - started

        over = Host.objects.raw(
            "SELECT id FROM fabric_host WHERE memory_allocated_mb > memory_mb OR cpu_allocated_mhz > cpu_number * cpu_speed"
        )
        placed = VirtualMachine.objects.filter(host__isnull=False).count()
        assert not list(over), "a host is over its capacity"
        assert placed == args.vms, f"{placed} of {args.vms} VMs placed"
        rows = {
            "hosts": args.hosts, "vms": args.vms, "processes": args.processes, "load_s": loaded,
            "p50_ms": statistics.median(timings) * 1000, "p99_ms": percentile(timings, 99) * 1000,
            "max_ms": max(timings) * 1000, "placements_per_s": args.vms / wall,
        }
        print(f"\nplacement on PostgreSQL: {args.hosts} hosts, {args.vms} VMs placed by {args.processes} processes at once")
        print(f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'placements/s':>13}")
        print(f"{rows['p50_ms']:>8.1f} {rows['p99_ms']:>8.1f} {rows['max_ms']:>8.1f} {rows['placements_per_s']:>13.1f}")
        print(f"checked: every VM placed once, no host over capacity ({placed} placed)")
        out = ROOT / "bench" / "results" / f"placement-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(rows, indent=2))
        print(f"written {out.relative_to(ROOT)}")
    finally:
        if not args.database_url:
            from django.db import connections

            connections.close_all()
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
