"""The command registry: every query-API command declares itself here once.

A declaration gives the command's parameters (name, type, required), who may call it and
whether it is asynchronous. Parameter validation, ``listApis`` and the docs all read it,
so what the API says about itself cannot drift from what it does.
"""
import functools
import importlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.apps import apps as django_apps

from apps.core.errors import CloudError, ParamError

USER, DOMAIN_ADMIN, ROOT_ADMIN = "user", "domainadmin", "rootadmin"
# Commands CloudStack answers without a session or a signature (its API authenticators and
# the few the login page calls): the handler gets the caller if there is one, else None.
PUBLIC = "public"
TYPES = {"uuid", "string", "boolean", "integer", "long", "list", "map", "date"}
_MAP_KEY = re.compile(r"^([a-z0-9_]+)\[(\d+)\]\.([a-z0-9_]+)$")
DEFAULT_LENGTH = 255  # CloudStack's @Parameter length unless a command says otherwise
RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}  # Java's int and long
MAX_LIST_ITEMS = 1000
MAX_MAP_ENTRIES = 256
# the parameters CloudStack documents for each of its commands (manage.py cloudstack_params)
DOCUMENTED_PARAMS_FILE = Path(__file__).resolve().parent / "data" / "cloudstack_params.json"
API_FACTS_FILE = Path(__file__).resolve().parent / "data" / "cloudstack_apis.json"


TYPE_NAMES = {"UUID": "uuid", "BOOLEAN": "boolean", "INTEGER": "integer", "SHORT": "integer", "LONG": "long",
              "LIST": "list", "MAP": "map", "DATE": "date"}  # DOUBLE, OBJECT, STRING: checked as text


@functools.cache
def documented_types():
    """Command name -> {parameter: CloudStack's type} as CloudStack 4.22 documents them."""
    return json.loads(DOCUMENTED_PARAMS_FILE.read_text())


@functools.cache
def api_facts():
    """Command name -> what CloudStack's listApis says of it (manage.py cloudstack_params)."""
    return json.loads(API_FACTS_FILE.read_text()) if API_FACTS_FILE.exists() else {}


@functools.cache
def documented_params():
    """Command name -> the parameters CloudStack 4.22 documents for it."""
    return {name: frozenset(params) for name, params in documented_types().items()}


def every_documented(name, *declared):
    """``declared``, and every other parameter CloudStack documents for command ``name`` with
    its type: for a list of what this cloud has none of, where any filter honestly answers
    nothing (an id still names nothing: a 431)."""
    given = {param.name for param in declared}
    return (*declared, *(Param(param, TYPE_NAMES.get(kind, "string")) for param, kind in documented_types().get(name, {}).items()
                         if param not in given))


def _base_name(key):
    """``details[0].key`` -> ``details``: the parameter a map entry belongs to."""
    return key.split("[", 1)[0]


def column_length(model, field):
    """The length of a model's text column: what a parameter stored there may hold."""
    return model._meta.get_field(field).max_length


@dataclass(frozen=True)
class Param:
    """A declared parameter. ``length`` bounds a string (CloudStack's 255 by default; give the
    column's length with :func:`column_length` where it is shorter); ``check`` is a function
    that returns the parsed value or raises ``ValueError`` (an IP address, a CIDR, a key)."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""
    item: str = "string"  # the type of each element of a "list"
    length: int = DEFAULT_LENGTH
    check: object = None

    def __post_init__(self):
        assert self.type in TYPES, self.type
        assert self.name == self.name.lower(), "parameter names are matched lower-cased"


@dataclass(frozen=True)
class JobKind:
    """The job a use case records: the command it was asked as (``startVirtualMachine``), its
    CloudStack command class (what ``queryAsyncJobResult`` shows as ``cmd``) and event type.
    A service that starts a job on its own (an HA restart) names the kind the command has."""

    command: str
    cmd_class: str
    event_type: str = ""
    event_description: str = ""

    def for_caller(self, caller):
        """Admins see CloudStack's ``...ByAdmin`` variant of user commands."""
        if caller.is_root_admin and ".user." in self.cmd_class:
            return JobKind(self.command, self.cmd_class.replace(".user.", ".admin.") + "ByAdmin", self.event_type,
                           self.event_description)
        return self


@dataclass
class Command:
    name: str
    handler: object
    params: tuple = ()
    is_async: bool = False
    access: str = USER
    description: str = ""
    cmd_class: str = ""
    response: tuple = field(default_factory=tuple)
    event: tuple = ()  # (CloudStack event type, what it does: "VM.START", "starting Vm")
    answer_key: str = ""  # the answer's key where CloudStack's is not "<name>response"

    @property
    def job_kind(self):
        """What an async call of this command records as its job (CloudStack's command class,
        the event type)."""
        event_type, event_description = self.event or ("", "")
        return JobKind(self.name, self.cmd_class, event_type, event_description)

    def allows(self, caller):
        if self.access == PUBLIC:
            return True
        if self.access == ROOT_ADMIN:
            return caller.is_root_admin
        if self.access == DOMAIN_ADMIN:
            return caller.is_admin
        return True

    @property
    def reads_only(self):
        """A list (or a job's status): it reads, so it runs outside a transaction (no COMMIT
        round trip for every signed list call)."""
        return not self.is_async and not self.event and (self.name.startswith("list") or self.name == "queryAsyncJobResult")

    @property
    def response_key(self):
        return self.answer_key or f"{self.name.lower()}response"

    def parse(self, raw):
        """Typed values for the declared parameters; raw keys are already lower-cased.

        Parameters CloudStack does not know are ignored, as CloudStack ignores them; one it
        documents for this command that is not declared here is refused with a 431 naming it
        (never dropped: the caller would get an answer to another question). Every value is
        checked here, before any handler runs: lengths, number ranges, ids, and each
        parameter's own ``check`` (so no malformed value ever reaches a query).
        """
        self.refuse_undeclared(raw)
        values = {}
        for param in self.params:
            if param.type == "map":
                entries = _parse_map(raw, param.name, self.name)
                if len(entries) > MAX_MAP_ENTRIES:
                    raise self.invalid(param.name, f"({len(entries)} entries)")
                for entry in entries:
                    for value in entry.values():
                        self._check_length(param, value)
                if entries:
                    values[param.name] = entries
                elif param.required:
                    raise self.missing(param.name)
                continue
            value = raw.get(param.name)
            if value is None or value == "":
                if param.required:
                    raise self.missing(param.name)
                continue
            if param.type != "list":
                self._check_length(param, value)
            values[param.name] = self._convert(param, value)
        return values

    def refuse_undeclared(self, raw):
        declared = {param.name for param in self.params}
        given = {_base_name(key) for key, value in raw.items() if value not in (None, "")}
        refused = sorted((given & documented_params().get(self.name, frozenset())) - declared)
        if refused:
            raise ParamError(f"Unable to execute API command {self.name.lower()} due to unsupported parameter"
                             f"{'s' if len(refused) > 1 else ''} {', '.join(refused)}: this cloud does not implement "
                             f"{'them' if len(refused) > 1 else 'it'}; leave {'them' if len(refused) > 1 else 'it'} out")

    def unsupported(self, name, why="this cloud does not implement it"):
        """The 431 for a parameter (or a value of one) that CloudStack documents and this cloud
        does not offer: named, never dropped."""
        return ParamError(f"Unable to execute API command {self.name.lower()} due to unsupported parameter {name}: "
                          f"{why}; leave it out")

    def _check_length(self, param, value):
        if len(value) > param.length:
            raise ParamError(f"Value greater than max allowed length {param.length} for param: {param.name}")

    def missing(self, name):
        return ParamError(f"Unable to execute API command {self.name.lower()} due to missing parameter {name}")

    def invalid(self, name, value):
        return ParamError(f"Unable to execute API command {self.name.lower()} due to invalid value {value} for parameter {name}")

    def not_found(self, name, value):
        """CloudStack's exact text for an id that names nothing (clients match on it)."""
        return ParamError(
            f"Unable to execute API command {self.name.lower()} due to invalid value. Invalid parameter {name} "
            f"value={value} due to incorrect long value format, or entity does not exist or due to incorrect "
            f"parameter annotation for the field in api cmd class."
        )

    def _convert(self, param, value):
        try:
            if param.type == "uuid":
                if len(value) > 64:
                    raise ValueError(value)
                return str(uuid.UUID(value))
            if param.type == "boolean":
                return value.strip().lower() == "true"
            if param.type in ("integer", "long"):
                number = int(value)
                low, high = RANGES[param.type]
                if not low <= number <= high:
                    raise ValueError(value)
                return number
            if param.type == "date":
                return _parse_date(value)
            if param.type == "list":
                items = [item.strip() for item in value.split(",") if item.strip()]
                if len(items) > MAX_LIST_ITEMS:
                    raise ValueError(value)
                for item in items:
                    self._check_length(param, item)
                items = [str(uuid.UUID(i)) for i in items] if param.item == "uuid" else items
                return [param.check(i) for i in items] if param.check else items
            if param.check:
                return param.check(value)
        except ValueError:
            shown = value if len(value) <= 100 else value[:100] + "..."
            if param.type == "uuid" or param.item == "uuid":
                raise self.not_found(param.name, shown) from None
            raise self.invalid(param.name, shown) from None
        return value


def _parse_date(value):
    """CloudStack accepts ``yyyy-MM-dd`` and ``yyyy-MM-dd HH:mm:ss`` for date parameters."""
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _parse_map(raw, name, command):
    """``tags[0].key=a&tags[0].value=b`` → ``[{"key": "a", "value": "b"}]``."""
    rows = {}
    for key, value in raw.items():
        match = _MAP_KEY.match(key)
        if match and match.group(1) == name:
            rows.setdefault(int(match.group(2)), {})[match.group(3)] = value
        elif key.startswith(f"{name}[") and not match:
            raise CloudError(f"Unable to execute API command {command.lower()}: malformed parameter {key}", 430)
    return [rows[i] for i in sorted(rows)]


REGISTRY: dict[str, Command] = {}


def command(name, params=(), is_async=False, access=USER, description="", cmd_class="", response=(), event=(), job=None,
            answer_key=""):
    """Declare a query-API command; the decorated function is its handler. ``job``: the
    :class:`JobKind` of an async command whose use case also starts jobs on its own (its
    command class and event come from there)."""
    if job is not None:
        cmd_class, event = job.cmd_class, (job.event_type, job.event_description)

    def register(handler):
        if name in REGISTRY:
            raise RuntimeError(f"command {name} declared twice")
        REGISTRY[name] = Command(
            name=name,
            handler=handler,
            params=tuple(params),
            is_async=is_async,
            access=access,
            description=description or (handler.__doc__ or name).strip().splitlines()[0],
            cmd_class=cmd_class or f"org.apache.cloudstack.api.command.{name}Cmd",
            response=tuple(response),
            event=tuple(event),
            answer_key=answer_key,
        )
        return handler

    return register


def autodiscover():
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps."):
            try:
                importlib.import_module(f"{config.name}.commands")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.commands":
                    raise
