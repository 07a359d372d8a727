"""Tags on API objects. Each taggable type names the queryset that says who may see it,
so tagging an object is allowed exactly where seeing it is. The domains that own taggable
objects register them here (tags depend on no domain; the domains depend on tags)."""
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from apps.core.errors import ParamError

from .models import ResourceTag

# CloudStack's resource type names, each with the selector of what a caller may see; each
# domain app registers its taggable objects when it is ready (see its apps.py).
TAGGABLE = {}


def register_taggable(resource_type, visible_to):
    TAGGABLE[resource_type] = visible_to


def taggable_types():
    return dict(TAGGABLE)


def resource_type(name):
    """A taggable type by its name in any case, as CloudStack matches it (UserVm, userVM ...)."""
    found = next((known for known in taggable_types() if known.lower() == str(name).lower()), None)
    if found is None:
        raise ParamError(f"Unable to find resource type {name}; taggable types: {', '.join(sorted(taggable_types()))}")
    return found


def resolve(caller, resource_type_name, uuids, not_found):
    visible = taggable_types()[resource_type(resource_type_name)]
    found = {str(u) for u in visible(caller).filter(uuid__in=uuids).values_list("uuid", flat=True)}
    for uuid in uuids:
        if uuid not in found:
            raise not_found("resourceids", uuid)
    return uuids


@transaction.atomic
def create_tags(caller, resource_type, uuids, tags, customer=""):
    owner = caller.account
    for uuid in uuids:
        for tag in tags:
            if not tag.get("key"):
                raise ParamError("Tag key is required")
            ResourceTag.objects.update_or_create(
                resource_type=resource_type, resource_uuid=uuid, key=tag["key"],
                defaults={"value": tag.get("value", ""), "account": owner, "customer": customer},
            )


@transaction.atomic
def delete_tags(resource_type, uuids, tags):
    tagged = ResourceTag.objects.filter(resource_type=resource_type, resource_uuid__in=uuids)
    if tags:
        for tag in tags:
            match = tagged.filter(key=tag.get("key"))
            if tag.get("value") is not None:
                match = match.filter(value=tag["value"])
            match.delete()
    else:
        tagged.delete()


def tags_by_resource(resource_type, uuids):
    """{uuid: [tag objects]} for a page of objects, in one query: ``uuids`` a list of UUIDs, or
    a queryset of their values (``.values("uuid")``), whose tags come keyed by UUID text."""
    found = defaultdict(list)
    if not isinstance(uuids, QuerySet):
        uuids = list(uuids)
        for start in range(0, len(uuids), 5000):  # SQLite allows 32,766 variables a statement
            for tag in ResourceTag.objects.filter(
                resource_type=resource_type, resource_uuid__in=uuids[start:start + 5000]
            ).select_related("account__domain"):
                found[tag.resource_uuid].append(tag)
        return found
    for tag in ResourceTag.objects.filter(resource_type=resource_type, resource_uuid__in=uuids).select_related("account__domain"):
        found[str(tag.resource_uuid)].append(tag)
    return found


def filter_by_tags(queryset, resource_type, tags):
    """Objects of ``queryset`` carrying every one of ``tags`` (``[{"key":..,"value":..}]``)."""
    for tag in tags or ():
        match = ResourceTag.objects.filter(resource_type=resource_type, key=tag.get("key"))
        if tag.get("value") is not None:
            match = match.filter(value=tag["value"])
        queryset = queryset.filter(uuid__in=match.values("resource_uuid"))
    return queryset
