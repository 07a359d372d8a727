"""Query-API commands for tags. The work is the data service's own, so the async job
completes within the request; clients poll it once and find it done."""
from apps.accounts.selectors import restrict
from apps.core.listing import PAGING, filtered, list_response, none_exist
from apps.core.registry import Param, command, every_documented
from apps.jobs import services as jobs

from . import services
from .models import ResourceTag
from .responses import tag_response

TAG_PARAMS = (
    Param("resourceids", "list", item="uuid", required=True),
    Param("resourcetype", required=True),
)


@command("createTags", params=(*TAG_PARAMS, Param("tags", "map", required=True), Param("customer")), is_async=True,
         description="Creates resource tag(s)", cmd_class="org.apache.cloudstack.api.command.user.tag.CreateTagsCmd",
         event=("CREATE_TAGS", "creating tags"))
def create_tags(call):
    uuids = services.resolve(call.caller, call.get("resourcetype"), call.get("resourceids"), call.command.not_found)
    services.create_tags(call.caller, services.resource_type(call.get("resourcetype")), uuids, call.get("tags"), call.get("customer", ""))
    jobs.succeed(call.job.pk, {"success": True})
    return {"jobid": call.job.uuid_str}


@command("deleteTags", params=(*TAG_PARAMS, Param("tags", "map")), is_async=True,
         description="Deleting resource tag(s)", cmd_class="org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd",
         event=("DELETE_TAGS", "deleting tags"))
def delete_tags(call):
    uuids = services.resolve(call.caller, call.get("resourcetype"), call.get("resourceids"), call.command.not_found)
    services.delete_tags(services.resource_type(call.get("resourcetype")), uuids, call.get("tags"))
    jobs.succeed(call.job.pk, {"success": True})
    return {"jobid": call.job.uuid_str}


@command("listTags", params=(Param("resourceid", "uuid"), Param("resourcetype"), Param("key"), Param("value"),
                              Param("customer"), Param("listall", "boolean"), *PAGING),
         description="List resource tag(s)", cmd_class="org.apache.cloudstack.api.command.user.tag.ListTagsCmd",
         response=("tag",))
def list_tags(call):
    tags = restrict(ResourceTag.objects.select_related("account__domain").order_by("id"), call.caller)
    tags = filtered(tags, call, {"resourceid": "resource_uuid", "resourcetype": "resource_type__iexact", "key": "key",
                                 "value": "value", "customer": "customer"})
    return list_response(call, tags, "tag", tag_response)


@command("listResourceIcon", params=(Param("resourceids", "list", item="uuid", required=True), Param("resourcetype", required=True)),
         description="Lists the icons of resources (none: icons cannot be uploaded here)", response=("icon",),
         cmd_class="org.apache.cloudstack.api.command.user.resource.icon.ListResourceIconCmd")
def list_resource_icon(call):
    return {}


@command("listAnnotations", params=every_documented("listAnnotations", Param("id"), Param("entitytype"), Param("entityid"), Param("userid"),
                                    Param("annotationfilter"), *PAGING),
         description="Lists the comments on resources (none: comments are not kept here)",
         response=("annotation",), cmd_class="org.apache.cloudstack.api.command.admin.annotation.ListAnnotationsCmd")
def list_annotations(call):
    return none_exist(call)
