"""Write apps/core/data/cloudstack_params.json: the parameters CloudStack documents for each
of its commands (name: type), read from a listing of its API (../shared/cloudstack-apis.json, facts from
CloudStack's annotations). The command registry refuses, with a 431 naming it, a documented
parameter that a command of ours does not declare, rather than dropping it."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from apps.core.registry import DOCUMENTED_PARAMS_FILE


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
