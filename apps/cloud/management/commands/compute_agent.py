from django.core.management.base import BaseCommand, CommandError

from apps.fabric.models import Host
from workers.compute import agent


class Command(BaseCommand):
    help = "Run a compute agent: the Compute component for simulated hosts (--simulators) or for one host (--host)."

    def add_arguments(self, parser):
        parser.add_argument("--simulators", action="store_true", help="serve every simulated host, new ones included")
        parser.add_argument("--host", action="append", default=[], help="serve this host (name or id); repeatable")
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--node", default="", help="the worker's node name (default: compute-<hosts>@<machine>); "
                                                      "a replacement agent started beside the running one needs its own")

    def handle(self, simulators=False, host=(), concurrency=8, node="", **options):
        if simulators == bool(host):
            raise CommandError("give either --simulators or --host")
        hosts = []
        for wanted in host:
            found = Host.objects.filter(name=wanted).first()
            if found is None and len(wanted) == 36:
                found = Host.objects.filter(uuid=wanted).first()
            if found is None:
                raise CommandError(f"no host named {wanted}")
            hosts.append(found)
        agent.run(simulators=simulators, hosts=hosts, concurrency=concurrency, node=node)
