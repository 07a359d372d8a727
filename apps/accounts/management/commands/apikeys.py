import json

from django.core.management.base import BaseCommand

from apps.accounts.models import AccountType
from apps.accounts.services import ensure_user, register_keys


class Command(BaseCommand):
    help = 'Print (creating user and keys if needed) a user\'s API keys as JSON: {"apikey": ..., "secretkey": ...}'

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="admin")
        parser.add_argument("--account", help="account of a new user (default: the username)")
        parser.add_argument("--type", choices=["user", "domainadmin", "rootadmin"], default=None,
                            help="account type of a new account (default: rootadmin for 'admin', else user)")
        parser.add_argument("--regenerate", action="store_true", help="issue a new key pair")

    def handle(self, username, account=None, type=None, regenerate=False, **options):
        kinds = {"user": AccountType.USER, "domainadmin": AccountType.DOMAIN_ADMIN, "rootadmin": AccountType.ROOT_ADMIN}
        kind = kinds[type] if type else (AccountType.ROOT_ADMIN if username == "admin" else AccountType.USER)
        user = ensure_user(username, account or username, kind)
        if regenerate:
            register_keys(user)
        self.stdout.write(json.dumps({"apikey": user.api_key, "secretkey": user.secret_key}))
