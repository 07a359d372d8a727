"""Resource limits, as CloudStack's: how much an account, and a domain with everything below
it, may hold, checked before anything is reserved.

A create that would take an account or one of its domains past a limit fails with CloudStack's
535 and text; nothing of it is made. An account (or a domain) without a limit of its own for a
resource has the one the ``max.account.*`` (``max.domain.*``) setting gives
(:mod:`apps.core.config`; none by default). The check runs in the create's own transaction with
the account's row (and its domains' rows) locked, so creates of one account (or domain) that
race are counted one after the other: the limit holds under concurrency. Root admin accounts
have no limits, as in CloudStack. What an account holds is counted from the records
(:func:`selectors.resource_totals`), never kept as a counter that could drift.
"""
from django.db import transaction
from django.db.models import Q

from apps.core import config
from apps.core.errors import CloudError, ParamError

from .models import Account, AccountType, Domain, ResourceLimit
from .selectors import resource_totals

# CloudStack's resource types (Resource.ResourceType): number -> (name, what is counted here)
TYPES = {
    0: ("user_vm", "vm"), 1: ("public_ip", "ip"), 2: ("volume", "volume"), 3: ("snapshot", "snapshot"),
    4: ("template", None), 5: ("project", None), 6: ("network", "network"), 7: ("vpc", None),
    8: ("cpu", "cpu"), 9: ("memory", "memory"), 10: ("primary_storage", "primarystorage"),
    11: ("secondary_storage", None),
}
# the settings that give an account's, or a (non-ROOT) domain's, limit when it has none of its own
SETTING_SUFFIX = {0: "user.vms", 1: "public.ips", 2: "volumes", 3: "snapshots", 6: "networks", 8: "cpus", 9: "memory",
                  10: "primary.storage"}
BY_COUNTED = {counted: number for number, (_name, counted) in TYPES.items() if counted}
GIB = 1024 ** 3


class ResourceLimitExceeded(CloudError):
    errorcode = 535
    cserrorcode = 4370


def resource_type(value):
    """A resource type by number or by CloudStack's name (ValueError otherwise)."""
    text = str(value).strip().lower()
    for number, (name, _counted) in TYPES.items():
        if text in (str(number), name):
            return number
    raise ValueError(value)


def enforced(number):
    return TYPES[number][1] is not None


def _domain_chain(domain):
    """``domain`` and the domains above it, from the nearest (one query, by their paths)."""
    parts = domain.path.split("/")
    paths = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
    found = {d.path: d for d in Domain.objects.filter(path__in=paths, removed__isnull=True)}
    return [found[p] for p in paths if p in found]


def default_limit(number, domain=None):
    """The limit of resource type ``number`` of an account (or of ``domain``) that has none of
    its own: the ``max.account.*`` (``max.domain.*``) setting; the ROOT domain has none."""
    if number not in SETTING_SUFFIX or (domain is not None and domain.parent_id is None):
        return -1
    return config.value(f"max.{'domain' if domain is not None else 'account'}.{SETTING_SUFFIX[number]}")


def limit_of(number, account=None, domain=None):
    row = ResourceLimit.objects.filter(account=account, domain=domain, resource_type=number).first()
    return row.max if row is not None else default_limit(number, domain)


def set_limit(number, maximum, account=None, domain=None):
    if not enforced(number):
        raise ParamError(f"Unable to execute API command updateresourcelimit due to unsupported parameter resourcetype: "
                         f"{TYPES[number][0]} is not limited here; leave it out")
    if maximum is not None and maximum < -1:
        raise ParamError("The maximum of a resource limit is -1 (no limit) or more")
    row, _made = ResourceLimit.objects.update_or_create(account=account, domain=domain, resource_type=number,
                                                        defaults={"max": -1 if maximum is None else maximum})
    return row


def _domain_totals(domain):
    """What the accounts of ``domain`` and its subdomains hold together, by resource."""
    ids = list(Account.objects.filter(Q(domain__path=domain.path) | Q(domain__path__startswith=domain.path + "/"))
               .values_list("pk", flat=True))
    held = {}
    for totals in resource_totals(ids).values():
        for name, value in totals.items():
            held[name] = held.get(name, 0) + value
    return held


def _shown(counted, value):
    return round(value / GIB, 2) if counted == "primarystorage" else value


def check(account, **wanted):
    """Raise CloudStack's 535 if ``account`` taking ``wanted`` more of each resource (``vm=1,
    cpu=2, memory=512, volume=1, primarystorage=<bytes>, snapshot=1, ip=1, network=1``) would
    pass a limit of the account or of a domain above it. Call it inside the create's
    transaction: it locks the account's and its domains' rows until that transaction ends."""
    if account.type == AccountType.ROOT_ADMIN:
        return
    with transaction.atomic():  # a savepoint within the create's transaction: the locks last until it ends
        _check(account, wanted)


def _check(account, wanted):
    chain = _domain_chain(account.domain)
    wanted = {name: amount for name, amount in wanted.items() if amount}
    numbers = [BY_COUNTED[name] for name in wanted]
    limits = _limits(account, chain, numbers)
    if not limits:
        return  # nothing limits it: no lock, creates of unlimited accounts never wait for each other
    # a limit applies: count with the account's and its domains' rows locked (in that order), so
    # that creates racing for the same limit are counted one after another
    Account.objects.select_for_update().filter(pk=account.pk).first()
    list(Domain.objects.select_for_update().filter(pk__in=[d.pk for d in chain]).order_by("-path"))
    own = None
    for name, amount in wanted.items():
        number = BY_COUNTED[name]
        maximum = limits.get((account.pk, None, number))
        if maximum is not None:
            own = own if own is not None else resource_totals([account.pk])[account.pk]
            _refuse_past(name, number, maximum, _raw(name, own), amount, f"account name={account.name} in domain id="
                                                                            f"{account.domain.uuid_str}")
        for domain in chain:
            maximum = limits.get((None, domain.pk, number))
            if maximum is not None:
                _refuse_past(name, number, maximum, _raw(name, _domain_totals(domain)), amount,
                             f"domain id={domain.uuid_str}, name={domain.name}")


def _limits(account, chain, numbers):
    """{(account pk, None, type) or (None, domain pk, type): max} of the limits that apply to
    ``account`` and its domains ``chain`` for resource types ``numbers`` (own, else default)."""
    rows = {(row.account_id, row.domain_id, row.resource_type): row.max for row in ResourceLimit.objects.filter(
        Q(account=account) | Q(domain__in=chain), resource_type__in=numbers)}
    found = {}
    for number in numbers:
        for key, owner in [((account.pk, None, number), None)] + [((None, d.pk, number), d) for d in chain]:
            maximum = rows[key] if key in rows else default_limit(number, owner)
            if maximum != -1:
                found[key] = maximum
    return found


def _raw(name, totals):
    value = totals.get(name, 0)
    return value * GIB if name == "primarystorage" else value  # resource_totals shows storage in GiB


def _refuse_past(name, number, maximum, held, amount, whose):
    limit = maximum * GIB if name == "primarystorage" else maximum
    if held + amount > limit:
        raise ResourceLimitExceeded(
            f"Maximum number of resources of type '{TYPES[number][0]}' for {whose} has been exceeded. "
            f"Amount of resources requested: {_shown(name, amount)}; the account or domain holds {_shown(name, held)} "
            f"of {maximum}.")


def account_limits(account_ids):
    """{account id: {counted resource: max}} of the limits set on ``account_ids``."""
    defaults = {counted: default_limit(number) for number, (_name, counted) in TYPES.items() if counted}
    found = {pk: {counted: maximum for counted, maximum in defaults.items() if maximum != -1} for pk in account_ids}
    for account_id, number, maximum in ResourceLimit.objects.filter(account_id__in=account_ids).values_list(
            "account_id", "resource_type", "max"):
        if TYPES[number][1]:
            found[account_id][TYPES[number][1]] = maximum
            if maximum == -1:
                del found[account_id][TYPES[number][1]]
    return found


def _owned(body, account, domain):
    domain = domain or account.domain
    body.update({"domainid": domain.uuid_str, "domain": domain.name, "domainpath": domain.path})
    if account is not None:
        body["account"] = account.name
    return body


def limit_response(number, maximum, account=None, domain=None):
    return _owned({"resourcetype": str(number), "resourcetypename": TYPES[number][0], "max": maximum}, account, domain)


def count_response(number, count, account=None, domain=None):
    return _owned({"resourcetype": str(number), "resourcetypename": TYPES[number][0], "resourcecount": count},
                  account, domain)


def held(account=None, domain=None):
    """{resource type number: what ``account`` (or ``domain`` with all below it) holds now}."""
    totals = resource_totals([account.pk])[account.pk] if account is not None else _domain_totals(domain)
    return {number: totals.get(counted, 0) for number, (_name, counted) in TYPES.items() if counted}
