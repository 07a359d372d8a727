"""The cloud's settings, by CloudStack's names (listConfigurations, updateConfiguration,
resetConfiguration), read by every component without a restart.

A setting's default comes from the environment (``cloudstack.settings``, README
"Configuration"); updateConfiguration gives it a value of its own for the whole cloud or, when
the setting has a narrower scope, for one zone, cluster, storage pool, domain or account. A
scoped setting read for an object without a value of its own has the cloud's value.

Every process keeps the values it read for ``CONFIG_REFRESH_S`` (2 s by default) and then reads
the whole (small) table again, so a change holds everywhere within that time; the process that
makes a change sees it at once. If the database cannot be read when the values are due, the
last ones read stay in use until it can.
"""
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, FloatField, Value, When

from .errors import ParamError
from .models import ConfigurationValue

log = logging.getLogger(__name__)

GLOBAL, ZONE, CLUSTER, STORAGE_POOL, DOMAIN, ACCOUNT = "global", "zone", "cluster", "storagepool", "domain", "account"


@dataclass(frozen=True)
class Setting:
    name: str
    group: str
    subgroup: str
    description: str
    kind: type  # bool, int, float or str
    default: object  # a value, or a callable of no arguments (read when asked: tests override settings)
    scope: str = GLOBAL
    minimum: float | None = None
    above: float | None = None  # a value must be greater than this
    dynamic: bool = True  # False: fixed in this cloud (updateConfiguration refuses it)

    def default_value(self):
        return self.default() if callable(self.default) else self.default

    @property
    def type_name(self):
        return {bool: "Boolean", int: "Number", float: "Decimal", str: "String"}[self.kind]

    def parse(self, text):
        """``text`` as this setting's value; ParamError naming the setting when it is not one."""
        text = str(text).strip()
        try:
            if self.kind is bool:
                if text.lower() not in ("true", "false"):
                    raise ValueError(text)
                value = text.lower() == "true"
            elif self.kind is int:
                value = int(text)
            elif self.kind is float:
                value = float(text)
                if value != value or value in (float("inf"), float("-inf")):
                    raise ValueError(text)
            else:
                value = text
        except ValueError:
            raise ParamError(f"Invalid value for configuration {self.name}: {text!r} is not a "
                             f"{self.type_name.lower()}") from None
        if self.minimum is not None and value < self.minimum:
            raise ParamError(f"Invalid value for configuration {self.name}: it is {self.minimum:g} or more")
        if self.above is not None and value <= self.above:
            raise ParamError(f"Invalid value for configuration {self.name}: it is greater than {self.above:g}")
        return value


def _env(name):
    return lambda: getattr(settings, name)


def _limit_settings():
    # CloudStack's default limits: what an account, or a domain, may hold when no limit of its
    # own is set (-1: no limit, this cloud's default)
    found = []
    for suffix, what in (("user.vms", "instances"), ("public.ips", "public IP addresses"), ("volumes", "volumes"),
                         ("snapshots", "snapshots"), ("networks", "networks"), ("cpus", "CPU cores"),
                         ("memory", "MiB of memory"), ("primary.storage", "GiB of primary storage")):
        for owner in ("account", "domain"):
            found.append(Setting(f"max.{owner}.{suffix}", "Usage", "Limits",
                                 f"The most {what} a{'n' if owner == 'account' else ''} {owner} without a limit of its "
                                 f"own may hold (-1: no limit)", int, -1, minimum=-1))
    return found


SETTINGS = {s.name: s for s in (
    Setting("default.page.size", "Management Server", "API", "The largest page a list answers", int,
            _env("API_DEFAULT_PAGE_SIZE"), minimum=1),
    Setting("api.throttling.enabled", "Management Server", "API", "Whether API calls are counted per account", bool,
            _env("API_THROTTLING_ENABLED")),
    Setting("api.throttling.interval", "Management Server", "API",
            "The interval, in seconds, API calls are counted in", int, _env("API_THROTTLING_INTERVAL_S"), minimum=1),
    Setting("api.throttling.max", "Management Server", "API",
            "How many API calls an account may make in one interval", int, _env("API_THROTTLING_MAX"), minimum=1),
    Setting("ping.interval", "Infrastructure", "Hosts", "The interval, in seconds, of the hosts' heartbeats", float,
            _env("HOST_HEARTBEAT_S"), minimum=0.1),
    Setting("ping.timeout", "Infrastructure", "Hosts",
            "How many heartbeat intervals a host may miss before it is investigated", float, 2.0, minimum=1),
    Setting("cpu.overprovisioning.factor", "Infrastructure", "Capacity",
            "How many times its CPU a host of the cluster may hand out", float, _env("CPU_OVERPROVISIONING"),
            scope=CLUSTER, above=0),
    Setting("mem.overprovisioning.factor", "Infrastructure", "Capacity",
            "How many times its memory a host of the cluster may hand out", float, _env("MEMORY_OVERPROVISIONING"),
            scope=CLUSTER, above=0),
    Setting("storage.overprovisioning.factor", "Storage", "Primary Storage",
            "How many times its capacity a storage pool may hand out to thin volumes", float,
            _env("STORAGE_OVERPROVISIONING"), scope=STORAGE_POOL, above=0),
    Setting("job.cancel.threshold.minutes", "Management Server", "Jobs",
            "How long, in minutes, one step of a job may run before the job is given up", float,
            lambda: settings.STEP_HARD_DEADLINE_S / 60, minimum=1),
    *_limit_settings(),
    Setting("hypervisor.custom.display.name", "Compute", "Virtual Machine",
            "The name shown for the Custom hypervisor type", str, "Custom", dynamic=False),
    Setting("enable.dynamic.scale.vm", "Compute", "Virtual Machine",
            "Whether a running VM's offering may change (it may not here)", bool, False, scope=ZONE, dynamic=False),
)}

_lock = threading.Lock()
_values = {}  # (name, scope, scope pk) -> value, as last read
_read_at = None  # time.monotonic() of the last read, None: never read (or changed here since)


def setting(name):
    try:
        return SETTINGS[name]
    except KeyError:
        raise ParamError(f"Configuration {name} does not exist in this cloud") from None


def _fresh():
    """The values as last read, read again when CONFIG_REFRESH_S has passed. A read makes a new
    dict and swaps it in: threads that hold the last one go on reading it unchanged."""
    global _read_at, _values
    with _lock:
        if _read_at is not None and time.monotonic() - _read_at < settings.CONFIG_REFRESH_S:
            return _values
        try:
            rows = list(ConfigurationValue.objects.values_list("name", "scope", "scope_pk", "value"))
        except DatabaseError:
            if _read_at is None:
                raise
            log.warning("settings not re-read (database unavailable); the last values read stay in use")
            return _values
        fresh = {}
        for name, scope, pk, text in rows:
            if name in SETTINGS:
                try:
                    fresh[(name, scope, pk)] = SETTINGS[name].parse(text)
                except ParamError:
                    log.error("setting %s has an unreadable value %r; its default applies", name, text)
        _values, _read_at = fresh, time.monotonic()
        return _values


def forget():
    """Read the values again at the next call (after a change, and between tests)."""
    global _read_at
    with _lock:
        _read_at = None


def value(name, pk=None):
    """The value of setting ``name`` for the object of its scope with primary key ``pk`` (the
    cloud's value when it has none of its own, or when ``pk`` is None)."""
    definition = SETTINGS[name]
    values = _fresh()
    if pk is not None and definition.scope != GLOBAL and (name, definition.scope, pk) in values:
        return values[(name, definition.scope, pk)]
    found = values.get((name, GLOBAL, 0))
    return definition.default_value() if found is None else found


def own_values(name):
    """{pk: value} of the objects that have a value of setting ``name`` of their own."""
    definition = SETTINGS[name]
    return {pk: v for (n, scope, pk), v in _fresh().items() if n == name and scope == definition.scope}


def per_row(name, field):
    """An SQL expression for a query's rows: the (numeric) value of setting ``name`` for the
    object of its scope whose primary key is the row's ``field``."""
    cloud = Value(float(value(name)), output_field=FloatField())
    own = own_values(name)
    if not own:
        return cloud
    return Case(*(When(**{field: pk}, then=Value(float(v), output_field=FloatField())) for pk, v in own.items()),
                default=cloud, output_field=FloatField())


def update(name, text, scope=GLOBAL, pk=0):
    """Give setting ``name`` the value ``text`` (checked) for the cloud, or for one object of its
    scope; returns the value."""
    definition = setting(name)
    if not definition.dynamic:
        raise ParamError(f"Configuration {name} is fixed in this cloud: it cannot be changed")
    _check_scope(definition, scope)
    parsed = definition.parse(text)
    ConfigurationValue.objects.update_or_create(name=name, scope=scope, scope_pk=pk,
                                                defaults={"value": shown(parsed)})
    forget()
    return parsed


def reset(name, scope=GLOBAL, pk=0):
    """Setting ``name`` back to its default (for the cloud) or to the cloud's value (for one
    object); returns the value that now applies."""
    definition = setting(name)
    _check_scope(definition, scope)
    ConfigurationValue.objects.filter(name=name, scope=scope, scope_pk=pk).delete()
    forget()
    return value(name, pk if scope != GLOBAL else None)


def _check_scope(definition, scope):
    if scope not in (GLOBAL, definition.scope):
        raise ParamError(f"Configuration {definition.name} has the scope {definition.scope}: it cannot be set "
                         f"for a {scope}")


def shown(value):
    """A value as the API shows it (and as it is kept)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
