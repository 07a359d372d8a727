from django.conf import settings
from django.core.management.base import BaseCommand

from cloudstack.broker import prune_transient_bindings, reclaim_dead


class Command(BaseCommand):
    help = "Remove bindings and messages left by dead consumers on the fsatomic:// broker (run before start-up)."

    def handle(self, **options):
        if not settings.CELERY_BROKER_URL.startswith("fsatomic"):
            self.stdout.write("broker is not fsatomic://: nothing to do")
            return
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        bindings, messages = prune_transient_bindings(options["control_folder"], options["data_folder_in"])
        returned = reclaim_dead(options["processed_folder"], options["data_folder_in"])
        self.stdout.write(f"pruned {bindings} stale bindings and {messages} orphan messages; "
                          f"gave {returned} messages of dead consumers back to their queues")
