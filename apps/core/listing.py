"""CloudStack's list conventions, shared by every list command.

``{"count": N, "<key>": [...]}`` where ``count`` is the total number of matches; an empty
result is ``{}``. Paging is ``page`` (1-based) with ``pagesize``; ``keyword`` and the
common filters are applied by each command before :func:`list_response`.
"""
from apps.core.errors import ParamError

from . import config
from .registry import Param


def page_bounds(call):
    page, pagesize = call.get("page"), call.get("pagesize")
    if pagesize is not None and pagesize != -1 and page is None:
        raise ParamError('"page" parameter is required when "pagesize" is specified')
    if page is not None and pagesize is None:
        raise ParamError('"pagesize" parameter is required when "page" is specified')
    if page is None or pagesize == -1:
        return None
    if page < 1 or pagesize < 1:
        raise ParamError("page and pagesize must be positive")
    largest = config.value("default.page.size")
    if pagesize > largest:
        raise ParamError(f"Page size can't exceed max allowed page size value: {largest}")
    start = (page - 1) * pagesize
    return start, start + pagesize


def list_response(call, queryset, key, render=None, render_page=None, rows=list):
    """Render one page of ``queryset`` as a CloudStack list body: row by row with ``render``,
    or the whole page at once with ``render_page`` (to fetch what rows share in one query).
    ``rows`` reads the page's rows from its queryset (model instances unless told otherwise).

    ``count`` is the number of all matches; it is counted only when the page cannot tell it
    (a full page: there may be more)."""
    bounds = page_bounds(call)
    page = rows(queryset[bounds[0]: bounds[1]] if bounds else queryset)
    items = render_page(page) if render_page else [render(row) for row in page]
    if not items:
        return {}
    if bounds is None or 0 < len(page) < bounds[1] - bounds[0]:
        count = (bounds[0] if bounds else 0) + len(page)
    else:
        count = queryset.count()
    return {"count": count, key: items}


class Rows(list):
    """Rows computed in Python (not a queryset) that :func:`list_response` can page and count."""

    def count(self):
        return len(self)


def by_id(call, queryset, param="id"):
    """The one visible object ``call.params[param]`` names, else CloudStack's 431."""
    value = call.get(param)
    obj = queryset.filter(uuid=value).first()
    if obj is None:
        raise call.command.not_found(param, value)
    return obj


PAGING = (
    Param("page", "integer", description="the page to return (1-based)"),
    Param("pagesize", "integer", description="how many items a page holds"),
    Param("keyword", "string", description="a word to search names for"),
)


# honoured as it stands: no resource here has an icon (uploadResourceIcon is not offered)
SHOWICON = Param("showicon", "boolean", description="show the resources' icons (none has one here)")
# resources here belong to accounts, never to a project: -1 (every project's) lists nothing,
# and any other value names a project that does not exist
PROJECTID = Param("projectid", description="a project's id, or -1 for the resources of every project (there are none)")


# an account to act for: honoured when it is the caller's own; acting for another account
# (an admin's deploy on a user's behalf) is refused by name
OWNER = (Param("account", description="the owner: the caller's own account here"),
         Param("domainid", "uuid", description="the owner's domain (with account)"))


OWNER_FILTER = (Param("account", description="only this account's (with domainid)"),
                Param("domainid", "uuid", description="only the objects of this domain's accounts"))


def of_owner(queryset, call, account_field="account"):
    """``account`` (with ``domainid``) or ``domainid`` alone narrow a list, among what the
    caller may see, to that account's or that domain's objects."""
    if "account" in call.params:
        if "domainid" not in call.params:
            raise call.command.missing("domainid")
        queryset = queryset.filter(**{f"{account_field}__name": call.get("account")})
    if "domainid" in call.params:
        queryset = queryset.filter(**{f"{account_field}__domain__uuid": call.get("domainid")})
    return queryset


def own_account_only(call):
    """The 431 for an ``account``/``domainid`` that is not the caller's own."""
    account, domain = call.get("account"), call.get("domainid")
    if account is None and domain is None:
        return
    mine = call.caller.account
    if (account is not None and account != mine.name) or (domain is not None and domain != mine.domain.uuid_str):
        raise call.command.unsupported("account", "acting for another account is not offered here")


def without_projects(queryset, call):
    """``queryset`` as ``projectid`` narrows it: nothing for -1, a 431 for a project id."""
    if "projectid" not in call.params:
        return queryset
    if call.get("projectid") == "-1":
        return queryset.none()
    raise call.command.not_found("projectid", call.get("projectid"))


def details_param(groups, what):
    """CloudStack's ``details``: which groups of a ``what``'s fields to answer with (``all``,
    ``min`` or named groups); any other value is a 431."""
    allowed = {"all", "min", *groups}

    def group(value):
        if value.lower() not in allowed:
            raise ValueError(value)
        return value.lower()

    return Param("details", "list", check=group,
                 description=f"the {what}'s fields to answer with: all (the default), min, or of {', '.join(sorted(groups))}")


def with_details(call, row, groups):
    """``row`` with only the fields of the groups ``details`` asks for (all when not given)."""
    asked = set(call.get("details") or ["all"])
    if "all" in asked:
        return row
    dropped = {key for name, keys in groups.items() if name not in asked for key in keys}
    return {key: value for key, value in row.items() if key not in dropped}


def filtered(queryset, call, fields):
    """Apply each given parameter as a filter: ``{"zoneid": "zone__uuid", ...}``."""
    for param, field in fields.items():
        if param in call.params:
            queryset = queryset.filter(**{field: call.get(param)})
    return queryset


def own_unless_listall(queryset, call, account_field="account"):
    """CloudStack lists the caller's own objects unless asked for all it may see
    (``listall=true``) or for one object by id."""
    if call.get("listall") or "id" in call.params:
        return queryset
    return queryset.filter(**{account_field: call.caller.account})


def none_exist(call):
    """The answer of a list whose kind of object this cloud does not have (yet): checked like
    any list (paging), an id names nothing, and the list is empty."""
    page_bounds(call)
    for param in ("id", "ids"):
        if call.get(param):
            value = call.get(param)
            raise call.command.not_found(param, ",".join(value) if isinstance(value, list) else value)
    return {}
