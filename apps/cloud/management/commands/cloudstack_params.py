"""Write apps/core/data/cloudstack_params.json: the parameters CloudStack documents for each
of its commands (name: type), read from a listing of its API (../shared/cloudstack-apis.json, facts from
CloudStack's annotations). The command registry refuses, with a 431 naming it, a documented
parameter that a command of ours does not declare, rather than dropping it.

And apps/core/data/cloudstack_apis.json: for each command this cloud offers, what CloudStack's
listApis says of it beyond our own declarations (the version it came in, its parameters'
versions and lengths, its response's fields and their types): facts only, no descriptions."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.core.registry import API_FACTS_FILE, DOCUMENTED_PARAMS_FILE, REGISTRY


class Command(BaseCommand):
    help = "Regenerate the list of CloudStack's documented parameters per command"

    def add_arguments(self, parser):
        parser.add_argument("listing", nargs="?", default=str(Path(__file__).resolve().parents[5]
                                                               / "shared" / "cloudstack-apis.json"))

    def handle(self, listing, **options):
        commands = json.loads(Path(listing).read_text())["commands"]
        commands = commands.values() if isinstance(commands, dict) else commands
        documented = {c["name"]: dict(sorted((p["name"].lower(), p["type"]) for p in c["params"])) for c in commands}
        lines = [f"{json.dumps(name)}: {json.dumps(params)}" for name, params in sorted(documented.items())]
        DOCUMENTED_PARAMS_FILE.write_text("{\n" + ",\n".join(lines) + "\n}\n")  # a command a line: readable diffs
        self.stdout.write(f"{len(documented)} commands, {sum(map(len, documented.values()))} parameters -> "
                          f"{DOCUMENTED_PARAMS_FILE}")
        facts = {}
        for c in sorted(commands, key=lambda c: c["name"]):
            if c["name"] not in REGISTRY:
                continue
            facts[c["name"]] = {
                "since": c.get("since") or "",
                "params": {p["name"].lower(): {"since": p.get("since") or "", "length": p.get("length") or 255}
                           for p in c["params"]},
                "response": [[r["name"], r["type"].lower(), r.get("since") or ""] for r in c["response"]],
            }
        lines = [f"{json.dumps(name)}: {json.dumps(entry)}" for name, entry in facts.items()]
        API_FACTS_FILE.write_text("{\n" + ",\n".join(lines) + "\n}\n")
        self.stdout.write(f"{len(facts)} commands offered here -> {API_FACTS_FILE}")
