"""Query-API commands of the catalog: offerings and templates."""
from django.core.exceptions import ValidationError
from django.db.models import Q

from apps.core.errors import ParamError
from apps.core.listing import OWNER, PAGING, SHOWICON, Rows, by_id, details_param, filtered, list_response, own_account_only
from apps.core.registry import ROOT_ADMIN, Param, column_length, command
from apps.fabric.models import Cluster, HypervisorType, Zone

from . import services
from .models import DiskOffering, OsType, ServiceOffering, Template
from .responses import (
    disk_offering_response,
    os_category_id,
    os_category_response,
    os_type_response,
    service_offering_response,
    template_permission_response,
    template_response,
)
from .selectors import architecture, os_categories_with_images


def _named(queryset, call):
    return filtered(queryset, call, {"id": "uuid", "name": "name", "keyword": "name__icontains"})


@command(
    "listServiceOfferings",
    params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("issystem", "boolean"),
            Param("cpunumber", "integer", description="only offerings of this many CPU cores"),
            Param("cpuspeed", "integer", description="only offerings of this CPU speed (MHz)"),
            Param("memory", "integer", description="only offerings of this much memory (MiB)"), Param("listall", "boolean", description="every offering the caller may see (offerings here are for every domain)"), Param("isrecursive", "boolean", description="with subdomains' offerings (offerings here are for every domain)"), *OWNER, *PAGING),
    description="Lists all available service offerings",
    cmd_class="org.apache.cloudstack.api.command.user.offering.ListServiceOfferingsCmd",
)
def list_service_offerings(call):
    own_account_only(call)  # offerings here are for every account: an account's own are all of them
    offerings = ServiceOffering.objects.present().order_by("id")
    if call.get("issystem"):
        offerings = offerings.none()  # no system VMs here, so no offerings for them
    if "zoneid" in call.params:
        by_id(call, Zone.objects.all(), "zoneid")  # offerings here are for every zone
    offerings = filtered(offerings, call, {"cpunumber": "cpu_number", "cpuspeed": "cpu_speed", "memory": "memory_mb"})
    return list_response(call, _named(offerings, call), "serviceoffering", service_offering_response)


@command(
    "listDiskOfferings",
    params=(Param("id", "uuid"), Param("name"), Param("zoneid", "uuid"), Param("listall", "boolean", description="every offering the caller may see (offerings here are for every domain)"), Param("isrecursive", "boolean", description="with subdomains' offerings (offerings here are for every domain)"), *OWNER, *PAGING),
    description="Lists all available disk offerings",
    cmd_class="org.apache.cloudstack.api.command.user.offering.ListDiskOfferingsCmd",
)
def list_disk_offerings(call):
    own_account_only(call)
    return list_response(call, _named(DiskOffering.objects.present().order_by("id"), call), "diskoffering", disk_offering_response)


TEMPLATE_FILTERS = {"featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all"}


@command(
    "listTemplates",
    params=(
        Param("templatefilter", required=True, description="one of " + ", ".join(sorted(TEMPLATE_FILTERS))),
        Param("id", "uuid"),
        Param("ids", "list", item="uuid"),
        Param("name"),
        Param("zoneid", "uuid"),
        Param("hypervisor"),
        Param("oscategoryid", "uuid", description="only templates of this OS category (listOsCategories)"),
        Param("isready", "boolean", description="only templates ready to deploy from"),
        Param("isvnf", "boolean", description="only VNF appliance templates (there are none here)"),
        SHOWICON, Param("listall", "boolean", description="with templatefilter self: every account's the caller may see"),
        Param("isrecursive", "boolean", description="with subdomains' templates (what the caller may see is listed whole here)"), Param("showunique", "boolean", description="one entry per template, not per zone (always so here)"), *OWNER, details_param({}, "template"), *PAGING,
    ),
    description="List all public, private, and privileged templates",
    cmd_class="org.apache.cloudstack.api.command.user.template.ListTemplatesCmd",
)
def list_templates(call):
    own_account_only(call)
    kind = call.get("templatefilter")
    if kind not in TEMPLATE_FILTERS:
        raise ParamError(f"Unable to execute API command listtemplates due to invalid value {kind} for parameter templatefilter")
    templates = Template.objects.present().select_related("zone", "os_type").order_by("id")
    if kind == "featured":
        templates = templates.filter(is_featured=True, is_public=True)
    elif kind in ("self", "selfexecutable") and call.get("listall") and call.caller.is_admin:
        templates = templates.visible_to(call.caller)  # every account's an admin may see, as CloudStack's listall
    elif kind in ("self", "selfexecutable"):
        templates = templates.filter(account=call.caller.account)
    elif kind == "sharedexecutable":
        templates = templates.shared_with(call.caller)
    elif kind == "community":
        templates = templates.filter(is_public=True, is_featured=False)
    elif kind == "executable":
        templates = templates.usable_by(call.caller)
    elif kind == "all":
        templates = templates.visible_to(call.caller)
    if kind.endswith("executable"):
        templates = templates.filter(Q(is_ready=True) | Q(copies__is_ready=True)).distinct()
    if "ids" in call.params:
        templates = templates.filter(uuid__in=call.get("ids"))
    zone = None
    if "zoneid" in call.params:
        zone = Zone.objects.filter(uuid=call.get("zoneid")).first()
        wanted = Q(zone__uuid=call.get("zoneid")) | Q(zone__isnull=True) | Q(copies__zone__uuid=call.get("zoneid"))
        templates = templates.filter(wanted).distinct()
    if "hypervisor" in call.params:
        templates = templates.filter(hypervisor__iexact=call.get("hypervisor"))
    if "oscategoryid" in call.params:
        names = [n for n in set(OsType.objects.values_list("category", flat=True)) if os_category_id(n) == call.get("oscategoryid")]
        templates = templates.filter(os_type__category__in=names)
    if call.get("isready"):
        templates = templates.filter(Q(is_ready=True) | Q(copies__is_ready=True)).distinct()
    if call.get("isvnf"):
        templates = templates.none()
    return list_response(call, _named(templates, call), "template", lambda t: template_response(t, zone))


@command("listOsTypes", params=(Param("id", "uuid"), Param("description"), *PAGING),
         description="Lists all supported OS types for this cloud.",
         cmd_class="org.apache.cloudstack.api.command.user.guest.ListGuestOsCmd", response=("ostype",))
def list_os_types(call):
    os_types = filtered(OsType.objects.order_by("id"), call,
                        {"id": "uuid", "description": "description", "keyword": "description__icontains"})
    return list_response(call, os_types, "ostype", os_type_response)


@command("listOsCategories", params=(
    Param("id", "uuid"), Param("name"), Param("zoneid", "uuid", description="only categories with images in this zone"),
    Param("isfeatured", "boolean", description="only categories with featured images (false: with others)"),
    Param("isiso", "boolean", description="only categories with ISOs (there are none here)"),
    Param("isvnf", "boolean", description="only categories with VNF appliances (there are none here)"),
    Param("arch", check=architecture, description="only categories with images of this CPU architecture"),
    SHOWICON, *PAGING),
    description="Lists the categories of the OS types", response=("oscategory",),
    cmd_class="org.apache.cloudstack.api.command.user.guest.ListGuestOsCategoriesCmd")
def list_os_categories(call):
    names = sorted(set(OsType.objects.values_list("category", flat=True)))
    if {"zoneid", "isfeatured", "isiso", "isvnf", "arch"} & call.params.keys():
        zone = by_id(call, Zone.objects.all(), "zoneid") if "zoneid" in call.params else None
        offered = os_categories_with_images(call.caller, zone, call.params.get("isfeatured"), call.get("isiso"),
                                            call.get("isvnf"), call.params.get("arch"))
        names = [n for n in names if n in offered]
    if "id" in call.params:
        names = [n for n in names if os_category_id(n) == call.get("id")]
        if not names:
            raise call.command.not_found("id", call.get("id"))
    if "name" in call.params:
        names = [n for n in names if n.lower() == call.get("name").lower()]
    if "keyword" in call.params:
        names = [n for n in names if call.get("keyword").lower() in n.lower()]
    return list_response(call, Rows(names), "oscategory", os_category_response)


@command("listHypervisors", params=(Param("zoneid", "uuid"),), description="List hypervisors",
         cmd_class="org.apache.cloudstack.api.command.user.config.ListHypervisorsCmd", response=("hypervisor",))
def list_hypervisors(call):
    clusters = Cluster.objects.all()
    if "zoneid" in call.params:
        clusters = clusters.filter(zone__uuid=call.get("zoneid"))
    names = sorted(set(clusters.values_list("hypervisor", flat=True))) or sorted(HypervisorType.values)
    return {"count": len(names), "hypervisor": [{"name": n} for n in names]}


@command("registerTemplate", params=(Param("name", required=True), Param("displaytext", length=4096), Param("format", required=True),
                                     Param("hypervisor", required=True, length=column_length(Template, "hypervisor")), Param("url", required=True, length=2048),
                                     Param("zoneid", required=True, description="a zone id, or -1 for every zone"),
                                     Param("ostypeid", "uuid", required=True), Param("checksum"), Param("ispublic", "boolean"),
                                     Param("isfeatured", "boolean"), Param("passwordenabled", "boolean")),
         description="Registers an existing template into the CloudStack cloud.",
         cmd_class="org.apache.cloudstack.api.command.user.template.RegisterTemplateCmd", response=("template",),
         event=("TEMPLATE.CREATE", "registering template"))
def register_template(call):
    zone = None
    if call.get("zoneid") != "-1":
        try:
            zone = Zone.objects.filter(uuid=call.get("zoneid")).first()
        except ValidationError:
            zone = None
        if zone is None:
            raise call.command.not_found("zoneid", call.get("zoneid"))
    template = services.register_template(
        call.caller, call.get("name"), call.get("url"), call.get("format"), call.get("hypervisor"),
        by_id(call, OsType.objects.all(), "ostypeid"), zone=zone, display_text=call.get("displaytext"),
        checksum=call.get("checksum", ""), is_public=call.get("ispublic"), is_featured=call.get("isfeatured"),
        password_enabled=call.get("passwordenabled"))
    return {"count": 1, "template": [template_response(template)]}


@command("copyTemplate", params=(Param("id", "uuid", required=True), Param("destzoneid", "uuid"),
                                  Param("destzoneids", "list", item="uuid"), Param("sourcezoneid", "uuid")), is_async=True,
         description="Copies a template from one zone to another.",
         cmd_class="org.apache.cloudstack.api.command.user.template.CopyTemplateCmd", response=("template",),
         event=("TEMPLATE.COPY", "copying template"))
def copy_template(call):
    template = by_id(call, Template.objects.visible_to(call.caller))
    if "sourcezoneid" in call.params:
        source = by_id(call, Zone.objects.all(), "sourcezoneid")
        if source.pk != template.zone_id and not template.copies.filter(zone=source, is_ready=True).exists():
            raise ParamError(f"Template {template.uuid} is not ready in source zone {source.name}")
    wanted = call.get("destzoneids") or ([call.get("destzoneid")] if call.get("destzoneid") else [])
    zones = []
    for zone_id in wanted:
        zone = Zone.objects.filter(uuid=zone_id).first()
        if zone is None:
            raise call.command.not_found("destzoneid", zone_id)
        zones.append(zone)
    services.copy_template(call.job, template, zones)
    return {"id": template.uuid_str, "jobid": call.job.uuid_str}


def _owned_templates(caller):
    """The templates ``caller`` may change or delete: its account's own (every one, for a root admin)."""
    mine = Template.objects.present()
    return mine if caller.is_root_admin else mine.filter(account=caller.account)


@command("deleteTemplate", params=(Param("id", "uuid", required=True), Param("zoneid", "uuid"), Param("forced", "boolean")),
         is_async=True, description="Deletes a template from the system.",
         cmd_class="org.apache.cloudstack.api.command.user.template.DeleteTemplateCmd",
         event=("TEMPLATE.DELETE", "deleting template"))
def delete_template(call):
    template = by_id(call, _owned_templates(call.caller))
    zone = by_id(call, Zone.objects.all(), "zoneid") if "zoneid" in call.params else None
    services.delete_template(call.job, template, zone, forced=call.get("forced", False))
    return {"jobid": call.job.uuid_str}


# --- offerings (root admin) -----------------------------------------------------------------
# createServiceOffering's options this cloud offers only as false, and why
FALSE_ONLY = {"issystem": "there are no system VMs here", "limitcpuuse": "no CPU cap is set on a VM here",
              "isvolatile": "a VM's root disk is kept across reboots here", "customized": "offerings have fixed figures here"}

@command("createServiceOffering", params=(Param("name", required=True), Param("displaytext", length=4096), Param("cpunumber", "integer", required=True),
                                         Param("cpuspeed", "integer", required=True), Param("memory", "integer", required=True),
                                         Param("offerha", "boolean"), Param("hosttags"),
                                         Param("storagetype", description="shared only: VMs' disks are on the zone's primary storage pools"),
                                         *(Param(name, "boolean", description=f"false only: {why}") for name, why in FALSE_ONLY.items())),
        access=ROOT_ADMIN, description="Creates a service offering.", cmd_class="org.apache.cloudstack.api.command.admin.offering.CreateServiceOfferingCmd",
        response=("serviceoffering",), event=("SERVICE.OFFERING.CREATE", "creating service offering"))
def create_service_offering(call):
    for name, why in FALSE_ONLY.items():
        if call.get(name):
            raise call.command.unsupported(name, why)
    if call.get("storagetype") is not None and call.get("storagetype").lower() != "shared":
        raise call.command.unsupported("storagetype", "only shared storage is offered here")
    for name in ("cpunumber", "cpuspeed", "memory"):
        if call.get(name) <= 0:
            raise call.command.invalid(name, call.get(name))
    offering = ServiceOffering.objects.create(
        name=call.get("name"), display_text=call.get("displaytext", call.get("name")), cpu_number=call.get("cpunumber"),
        cpu_speed=call.get("cpuspeed"), memory_mb=call.get("memory"), offer_ha=call.get("offerha", False),
        host_tags=call.get("hosttags", ""),
    )
    return {"serviceoffering": service_offering_response(offering)}


@command("createDiskOffering", params=(Param("name", required=True), Param("displaytext", length=4096), Param("disksize", "long"),
                                      Param("customized", "boolean")),
        access=ROOT_ADMIN, description="Creates a disk offering.", cmd_class="org.apache.cloudstack.api.command.admin.offering.CreateDiskOfferingCmd",
        response=("diskoffering",), event=("DISK.OFFERING.CREATE", "creating disk offering"))
def create_disk_offering(call):
    customized = call.get("customized", False)
    size = call.get("disksize", 0)
    if not customized and size <= 0:
        raise ParamError("A disk offering that is not customized needs a disksize (GB) above 0")
    offering = DiskOffering.objects.create(name=call.get("name"), display_text=call.get("displaytext", call.get("name")),
                                           disk_size_gb=0 if customized else size, customized=customized)
    return {"diskoffering": disk_offering_response(offering)}


def _renamed(offering, call):
    """updateServiceOffering/updateDiskOffering: a new name and display text, as given."""
    for param, field in (("name", "name"), ("displaytext", "display_text")):
        if call.get(param) is not None:
            if not str(call.get(param)).strip():
                raise ParamError(f"The offering's {param} cannot be empty")
            setattr(offering, field, call.get(param))
    offering.save(update_fields=["name", "display_text"])
    return offering


@command("updateServiceOffering", params=(Param("id", "uuid", required=True), Param("name"),
                                         Param("displaytext", length=4096), Param("hosttags")),
         access=ROOT_ADMIN, description="Renames a service offering, or changes the host tags its VMs need",
         cmd_class="org.apache.cloudstack.api.command.admin.offering.UpdateServiceOfferingCmd",
         response=("serviceoffering",), event=("SERVICE.OFFERING.EDIT", "updating service offering"))
def update_service_offering(call):
    offering = _renamed(by_id(call, ServiceOffering.objects.present()), call)
    if call.get("hosttags") is not None:  # for VMs placed from now on, as in CloudStack
        offering.host_tags = call.get("hosttags")
        offering.save(update_fields=["host_tags"])
    return {"serviceoffering": service_offering_response(offering)}


@command("deleteServiceOffering", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Deletes a service offering: no new VM can use it; the VMs that do keep it",
         cmd_class="org.apache.cloudstack.api.command.admin.offering.DeleteServiceOfferingCmd",
         event=("SERVICE.OFFERING.DELETE", "deleting service offering"))
def delete_service_offering(call):
    services.delete_offering(by_id(call, ServiceOffering.objects.present()))
    return {"success": True}


@command("updateDiskOffering", params=(Param("id", "uuid", required=True), Param("name"), Param("displaytext", length=4096)),
         access=ROOT_ADMIN, description="Renames a disk offering",
         cmd_class="org.apache.cloudstack.api.command.admin.offering.UpdateDiskOfferingCmd",
         response=("diskoffering",), event=("DISK.OFFERING.EDIT", "updating disk offering"))
def update_disk_offering(call):
    return {"diskoffering": disk_offering_response(_renamed(by_id(call, DiskOffering.objects.present()), call))}


@command("deleteDiskOffering", params=(Param("id", "uuid", required=True),), access=ROOT_ADMIN,
         description="Deletes a disk offering: no new volume can use it; the volumes that do keep it",
         cmd_class="org.apache.cloudstack.api.command.admin.offering.DeleteDiskOfferingCmd",
         event=("DISK.OFFERING.DELETE", "deleting disk offering"))
def delete_disk_offering(call):
    services.delete_offering(by_id(call, DiskOffering.objects.present()))
    return {"success": True}


@command("updateTemplate", params=(
    Param("id", "uuid", required=True), Param("name"), Param("displaytext", length=4096), Param("ostypeid", "uuid"),
    Param("passwordenabled", "boolean"), Param("bootable", "boolean", description="true only: every template here boots"),
    Param("isdynamicallyscalable", "boolean", description="false only: a running VM's offering cannot change here")),
    description="Updates the name, description, OS type or password flag of a template",
    cmd_class="org.apache.cloudstack.api.command.user.template.UpdateTemplateCmd", response=("template",),
    event=("TEMPLATE.UPDATE", "updating template"))
def update_template(call):
    if call.get("bootable") is False:
        raise call.command.unsupported("bootable", "every template here is bootable")
    if call.get("isdynamicallyscalable"):
        raise call.command.unsupported("isdynamicallyscalable", "only false is offered here")
    template = by_id(call, _owned_templates(call.caller))
    os_type = by_id(call, OsType.objects.all(), "ostypeid") if "ostypeid" in call.params else None
    template = services.update_template(template, name=call.get("name"), display_text=call.get("displaytext"),
                                        os_type=os_type, password_enabled=call.get("passwordenabled"))
    return {"template": template_response(template)}


@command("listTemplatePermissions", params=(Param("id", "uuid", required=True),),
         description="Lists whether a template is public and which accounts it is shared with",
         cmd_class="org.apache.cloudstack.api.command.user.template.ListTemplatePermissionsCmd",
         response=("templatepermission",))
def list_template_permissions(call):
    template = by_id(call, Template.objects.visible_to(call.caller).select_related("account__domain"))
    return {"templatepermission": template_permission_response(template)}


@command("updateTemplatePermissions", params=(
    Param("id", "uuid", required=True), Param("ispublic", "boolean"), Param("isfeatured", "boolean"),
    Param("accounts", "list", description="names of accounts of the template's domain"),
    Param("op", description="add, remove or reset: what to do with accounts"),
    Param("isextractable", "boolean", description="false only: templates are not extracted here")),
    description="Makes a template public or private, featured, or shares it with accounts",
    cmd_class="org.apache.cloudstack.api.command.user.template.UpdateTemplatePermissionsCmd",
    event=("TEMPLATE.UPDATE", "updating template permissions"))
def update_template_permissions(call):
    if call.get("isextractable"):
        raise call.command.unsupported("isextractable", "templates are not extracted here")
    template = by_id(call, _owned_templates(call.caller).select_related("account__domain"))
    services.set_template_permissions(call.caller, template, is_public=call.get("ispublic"),
                                      is_featured=call.get("isfeatured"), op=call.get("op"),
                                      accounts=call.get("accounts"))
    return {"success": True}
