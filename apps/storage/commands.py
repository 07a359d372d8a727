"""Query-API commands of storage: volumes."""
from apps.accounts.selectors import restrict
from apps.api.listing import PAGING, list_response
from apps.api.registry import Param, command

from .models import Volume
from .responses import volume_response


@command(
    "listVolumes",
    params=(
        Param("id", "uuid"),
        Param("virtualmachineid", "uuid"),
        Param("type"),
        Param("zoneid", "uuid"),
        Param("name"),
        Param("listall", "boolean"),
        *PAGING,
    ),
    description="Lists all volumes.",
    cmd_class="org.apache.cloudstack.api.command.user.volume.ListVolumesCmd",
)
def list_volumes(call):
    volumes = restrict(
        Volume.objects.filter(removed__isnull=True).select_related("vm", "zone", "pool", "account__domain").order_by("id"),
        call.caller,
    )
    if not call.get("listall") and "id" not in call.params:
        volumes = volumes.filter(account=call.caller.account)
    for param, field in (("id", "uuid"), ("virtualmachineid", "vm__uuid"), ("zoneid", "zone__uuid"), ("name", "name")):
        if param in call.params:
            volumes = volumes.filter(**{field: call.get(param)})
    if "type" in call.params:
        volumes = volumes.filter(type__iexact=call.get("type"))
    if "keyword" in call.params:
        volumes = volumes.filter(name__icontains=call.get("keyword"))
    return list_response(call, volumes, "volume", volume_response)
