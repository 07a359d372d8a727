"""listVirtualMachines at 10,000 and 100,000 VMs, against the floor of a bare ORM query.

Seeds a fresh database (PostgreSQL by default, or SQLite) with N VMs shaped as deploys leave
them: a NIC on a guest network and a ROOT volume each, owned by 20 accounts in four domains,
one in ten tagged, one in twenty destroyed. Then, in this process, it calls the query API
as the root admin would (a signed GET through Django's whole request path, middleware
included; no HTTP server, so the figures are the API's own cost) and, in the same run, the
two floors for the same rows:

* ORM floor: ``VirtualMachine.objects`` with the same filter, serialised to JSON by Django's
  own serializer (``django.core.serializers.serialize("json", ..., fields=<its columns>)``:
  model instances of the VM rows, references as their ids, no many-to-many fields, which it
  would read with a query per row) -- the ratio the targets are stated against;
* values floor: the same rows read with ``.values()``, ``json.dumps``: a leaner floor;
* raw-SQL floor: the same query's SQL on a cursor, rows as dicts, ``json.dumps``.

The answer carries more than any floor (NICs, names of what each VM references, tags).

Each call is timed ``--runs`` times (median reported) and its SQL queries counted. At the
largest N it prints PostgreSQL's plan of each filter the list accepts (name, keyword,
state, account, zone, host), to show it reads an index.

    python bench/list.py [--vms 10000 100000] [--runs 7] [--stack production|embedded]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432/{}"


def fresh_database(stack):
    state = tempfile.mkdtemp(prefix="javelin-bench-list-")
    os.environ["JAVELIN_STATE_DIR"] = state
    os.environ["DJANGO_SETTINGS_MODULE"] = "cloudstack.settings"
    for key in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        os.environ.pop(key, None)
    name = None
    if stack == "production":
        import psycopg2

        name = f"jvbench_{uuid.uuid4().hex[:10]}"
        conn = psycopg2.connect(PG.format("postgres"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        os.environ["DATABASE_URL"] = PG.format(name)
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return name


def drop_database(name):
    if name is None:
        return
    from django.db import connections

    connections.close_all()
    import psycopg2

    conn = psycopg2.connect(PG.format("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


DATACENTER = {
    "zones": [{
        "name": "Bench-Zone",
        "guestnetworks": [{"name": "bench-guest", "cidr": "10.0.0.0/8"}],
        "pods": [{"name": "bp", "clusters": [{"name": "bc", "hypervisor": "Simulator", "hosts": [
            {"name": f"bench-{i}", "cpunumber": 1024, "cpuspeed": 2000, "memory": 4 * 1024 * 1024} for i in range(8)],
            "primarystorages": [{"name": "bench-primary", "capacitygb": 100000}]}]}],
    }],
    "serviceofferings": [{"name": "Small Instance", "cpunumber": 1, "cpuspeed": 500, "memory": 512}],
    "templates": [{"name": "bench-template", "url": "http://example.com/bench.qcow2", "format": "QCOW2", "zone": "Bench-Zone"}],
}


def seed(total):
    """Top up to ``total`` VMs (made in bulk: the rows a deploy leaves, without its jobs)."""
    from django.db import transaction

    from apps.accounts.models import Account, AccountType
    from apps.accounts.services import create_account, create_domain, ensure_user, register_keys, root_domain
    from apps.catalog.models import ServiceOffering, Template
    from apps.cloud import datacenter
    from apps.compute.models import VirtualMachine
    from apps.fabric.models import Host, StoragePool, Zone
    from apps.network.models import GuestNetwork, Nic
    from apps.storage.models import Volume
    from apps.tags.models import ResourceTag

    admin = ensure_user("admin", "admin", AccountType.ROOT_ADMIN, password="bench-password")
    if not Zone.objects.exists():
        datacenter.deploy(DATACENTER)
        domains = [create_domain(f"bench-d{d}", root_domain()) for d in range(4)]
        for a in range(20):
            create_account(domains[a % 4], f"bench-a{a}", AccountType.USER, f"bench-u{a}", password="bench-password")
    if not admin.api_key:
        register_keys(admin)
    accounts = list(Account.objects.filter(name__startswith="bench-a").prefetch_related("users").order_by("id"))
    zone, hosts = Zone.objects.get(), list(Host.objects.order_by("id"))
    template, offering = Template.objects.get(name="bench-template"), ServiceOffering.objects.get(name="Small Instance")
    network, pool = GuestNetwork.objects.get(), StoragePool.objects.get()
    have = VirtualMachine.objects.count()
    now = datetime.now(timezone.utc)
    batch = 5000
    for start in range(have, total, batch):
        numbers = range(start, min(total, start + batch))
        with transaction.atomic():
            vms = []
            for n in numbers:
                account = accounts[n % len(accounts)]
                destroyed = n % 20 == 19
                vms.append(VirtualMachine(
                    name=f"vm-{n}", display_name=f"vm-{n}", instance_name=f"i-{account.pk}-{n}-VM", account=account,
                    user=account.users.all()[0], zone=zone, template=template, service_offering=offering, network=network,
                    host=None if destroyed else hosts[n % len(hosts)], state="Destroyed" if destroyed else "Running",
                    reserved_cpu_mhz=0 if destroyed else 500, reserved_memory_mb=0 if destroyed else 512,
                    last_seen=now,
                ))
            VirtualMachine.objects.bulk_create(vms)
            vms = list(VirtualMachine.objects.filter(name__in=[f"vm-{n}" for n in numbers]).order_by("id"))
            Nic.objects.bulk_create(
                Nic(vm=vm, network=network, ip_address=f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}",
                    mac_address=f"02:00:{(n >> 24) & 255:02x}:{(n >> 16) & 255:02x}:{(n >> 8) & 255:02x}:{n & 255:02x}")
                for n, vm in zip(numbers, vms))
            Volume.objects.bulk_create(
                Volume(name=f"ROOT-{vm.pk}", type="ROOT", vm=vm, account_id=vm.account_id, zone=zone, pool=pool,
                       template=template, size_bytes=2 * 1024**3, state="Ready", device_id=0)
                for vm in vms)
            ResourceTag.objects.bulk_create(
                ResourceTag(resource_type="UserVm", resource_uuid=vm.uuid, key="tier", value=f"t{n % 3}", account_id=vm.account_id)
                for n, vm in zip(numbers, vms) if n % 10 == 0)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return admin


def signed_client(admin):
    from django.test import Client

    from apps.api.signing import sign

    client = Client(SERVER_NAME="127.0.0.1")

    def call(**params):
        params = {"response": "json", "apikey": admin.api_key, **params}
        params["signature"] = sign(params, admin.secret_key)
        response = client.get("/client/api", {**params}, SERVER_NAME="127.0.0.1")
        if response.status_code != 200:
            raise SystemExit(f"{params['command']}: {response.status_code} {response.content[:500]}")
        return response.content  # read by the caller, outside the time measured

    call.url = lambda **params: "/client/api?" + urlencode(params)
    return call


def timed(fn, runs):
    """(median seconds, queries of one call, result of the last call)."""
    from django.db import connection

    fn()  # warm: caches, prepared code paths
    queries = []  # counted by a wrapper: the request's start clears Django's own query log
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(queries), result


def floors(queryset):
    """The ORM, values and raw-SQL floors of ``queryset``: its rows as JSON."""
    from django.core import serializers
    from django.db import connection

    own = [f.name for f in queryset.model._meta.concrete_fields if not f.primary_key]  # its columns; no M2M (a query per row)

    def orm():
        return serializers.serialize("json", queryset.all(), fields=own)  # .all(): read again, not from its cache

    def values():
        return json.dumps(list(queryset.values()), default=str)

    sql, params = queryset.values().query.sql_with_params()

    def raw():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            names = [c[0] for c in cur.description]
            return json.dumps([dict(zip(names, row)) for row in cur.fetchall()], default=str)

    return orm, values, raw


def cases(total):
    from django.db.models import Q

    from apps.compute.models import VirtualMachine

    vms = VirtualMachine.objects.filter(removed__isnull=True).order_by("id")
    middle = VirtualMachine.objects.get(name=f"vm-{total // 2}")
    word = str(total // 2 + 7)[-4:]
    return [
        ("page of 100", {"listall": "true", "page": "1", "pagesize": "100"}, vms[:100]),
        (f"listall (all {total})", {"listall": "true"}, vms),
        ("by id", {"id": str(middle.uuid)}, vms.filter(uuid=middle.uuid)),
        ("by name", {"listall": "true", "name": middle.name}, vms.filter(name=middle.name)),
        (f"by keyword '{word}'", {"listall": "true", "keyword": word},
         vms.filter(Q(name__icontains=word) | Q(display_name__icontains=word))),
    ]


def explain(total):
    """PostgreSQL's plan for each filter the list accepts: its first line and whether it
    reads an index."""
    from django.db import connection

    from apps.accounts.models import Account
    from apps.compute.models import VirtualMachine
    from apps.fabric.models import Host, Zone

    if connection.vendor != "postgresql":
        return []
    vms = VirtualMachine.objects.filter(removed__isnull=True).order_by("id")
    account, host, zone = Account.objects.get(name="bench-a7"), Host.objects.order_by("id").last(), Zone.objects.get()
    word = str(total // 2 + 7)[-4:]
    filters = {
        "name": vms.filter(name=f"vm-{total // 2}"),
        "keyword": vms.filter(name__icontains=word) | vms.filter(display_name__icontains=word),
        "state": vms.filter(state__iexact="Stopped"),
        "account": vms.filter(account=account)[:100],
        "zone": vms.filter(zone__uuid=zone.uuid)[:100],
        "host": vms.filter(host__uuid=host.uuid)[:100],
    }
    rows = []
    for name, queryset in filters.items():
        plan = queryset.explain()
        scans = [line.strip(" ->") for line in plan.splitlines() if "Scan" in line and "virtualmachine" in line]
        rows.append({"filter": name, "index": not any(s.startswith("Seq Scan") for s in scans), "plan": "; ".join(scans)})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stack", choices=["production", "embedded"], default="production")
    args = parser.parse_args()
    database = fresh_database(args.stack)
    results = []
    try:
        for total in sorted(args.vms):
            started = time.monotonic()
            admin = seed(total)
            print(f"seeded {total} VMs in {time.monotonic() - started:.0f} s", flush=True)
            api = signed_client(admin)
            for name, params, queryset in cases(total):
                api_s, api_queries, body = timed(lambda p=params: api(command="listVirtualMachines", **p), args.runs)
                orm, values, raw = floors(queryset)
                orm_s, _, _ = timed(orm, args.runs)
                values_s, _, _ = timed(values, args.runs)
                raw_s, _, _ = timed(raw, args.runs)
                shown = len(json.loads(body)["listvirtualmachinesresponse"].get("virtualmachine", []))
                results.append({"vms": total, "call": name, "rows": shown, "api_ms": api_s * 1000, "queries": api_queries,
                                "orm_floor_ms": orm_s * 1000, "values_floor_ms": values_s * 1000, "sql_floor_ms": raw_s * 1000,
                                "vs_orm": api_s / orm_s, "vs_values": api_s / values_s})
                print(f"  {name}: {api_s * 1000:.1f} ms", flush=True)
        plans = explain(max(args.vms))
    finally:
        drop_database(database)
    print(f"\n{args.stack} stack, {os.cpu_count()} cores, medians of {args.runs} calls, as root admin")
    print(f"{'VMs':>7} {'call':24} {'rows':>6} {'API ms':>9} {'queries':>8} {'ORM ms':>8} {'values ms':>9} {'SQL ms':>8} "
          f"{'API/ORM':>8} {'API/values':>10}")
    for r in results:
        print(f"{r['vms']:>7} {r['call']:24} {r['rows']:>6} {r['api_ms']:>9.1f} {r['queries']:>8} {r['orm_floor_ms']:>8.1f} "
              f"{r['values_floor_ms']:>9.1f} {r['sql_floor_ms']:>8.1f} {r['vs_orm']:>7.2f}x {r['vs_values']:>9.2f}x")
    if plans:
        print(f"\nplans at {max(args.vms)} VMs")
        for p in plans:
            print(f"  {p['filter']:8} {'index' if p['index'] else 'NO INDEX':9} {p['plan']}")
    out = ROOT / "bench" / "results" / f"list-{args.stack}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "rows": results, "plans": plans}, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
