"""Template use cases: register (the image is fetched by the Storage component, under the URL
policy), copy to other zones, delete. Each checks what it can at once, records, and hands
the files to Storage through the Orchestration Engine (``workers/orchestration/flows/images.py``
holds their compensations)."""
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.core import urlpolicy
from apps.core.errors import InvalidState, ParamError, PermissionDenied
from apps.core.registry import JobKind
from apps.jobs import services as jobs
from clients import storage

from .checksums import parse_checksum
from .models import Template, TemplateCopy, TemplatePermission

FORMATS = {"QCOW2", "RAW", "VHD", "OVA", "ISO"}
TEMPLATE = "org.apache.cloudstack.api.command.user.template"
# registerTemplate answers at once, as CloudStack's does; the download is a job of its own,
# so the watchdog sees it through (or ends it with the template's status saying why)
DOWNLOAD = JobKind("registerTemplate", f"{TEMPLATE}.RegisterTemplateCmd")


def register_template(caller, name, url, fmt, hypervisor, os_type, zone=None, display_text=None, checksum="",
                      is_public=False, is_featured=False, password_enabled=False):
    """registerTemplate: the template (not ready) in ``zone`` (None: every zone), its image
    to be fetched from ``url``."""
    if fmt.upper() not in FORMATS:
        raise ParamError(f"Unable to execute API command registertemplate due to invalid value {fmt} for parameter format")
    fmt = fmt.upper()
    urlpolicy.check_download(url, root_admin=caller.is_root_admin)  # refused now; checked again when fetched
    parse_checksum(checksum)  # a malformed checksum is refused now, not after the download
    template = Template.objects.create(
        name=name, display_text=display_text or name, format=fmt, hypervisor=hypervisor, url=url, zone=zone,
        os_type=os_type, size_bytes=0, is_ready=False, status="Download pending", checksum=checksum or "",
        is_public=bool(is_public) and caller.is_admin, is_featured=bool(is_featured), password_enabled=bool(password_enabled),
        account=caller.account,
    )
    job = jobs.start_job(DOWNLOAD, caller, {"templateid": template.uuid_str})
    jobs.run_flow(job, "Template", template)
    return template


def copy_template(job, template, zones):
    """copyTemplate: a copy of a ready template's image in each of ``zones``."""
    if not zones:
        raise ParamError("Either destzoneid or destzoneids is required")
    if not template.is_ready or not template.path:
        raise InvalidState(f"Template {template.uuid} is not ready; only a ready template can be copied")
    if template.zone_id is None:
        raise ParamError(f"Template {template.uuid} is available in every zone already")
    copies = []
    for zone in zones:
        if zone.pk == template.zone_id or template.copies.filter(zone=zone).exists():
            raise ParamError(f"Template {template.uuid} is already in zone {zone.name}")
        copies.append(TemplateCopy.objects.create(template=template, zone=zone))
    return jobs.run_flow(job, "Template", template, copies=[c.pk for c in copies])


def update_template(template, name=None, display_text=None, os_type=None, password_enabled=None):
    """updateTemplate: what is given changes; the image stays as it is."""
    for field, value in (("name", name), ("display_text", display_text), ("os_type", os_type),
                         ("password_enabled", password_enabled)):
        if value is not None:
            if field == "name" and not str(value).strip():
                raise ParamError("A template's name cannot be empty")
            setattr(template, field, value)
    template.save(update_fields=["name", "display_text", "os_type", "password_enabled"])
    return template


OPS = ("add", "remove", "reset")


@transaction.atomic
def set_template_permissions(caller, template, is_public=None, is_featured=None, op=None, accounts=None):
    """updateTemplatePermissions: public or not, featured or not (root admins), and the accounts
    of the owner's domain it is shared with (``op`` add, remove or reset)."""
    if is_featured is not None and not caller.is_root_admin:
        raise PermissionDenied("Only a root admin can feature a template")
    if accounts and op is None:
        raise ParamError("Give op (add, remove or reset) with accounts")
    if op is not None and str(op).lower() not in OPS:
        raise ParamError(f"Invalid op {op}: it is add, remove or reset")
    op = op and str(op).lower()
    if op in ("add", "remove") and not accounts:
        raise ParamError(f"op={op} needs accounts")
    for field, value in (("is_public", is_public), ("is_featured", is_featured)):
        if value is not None:
            setattr(template, field, value)
    template.save(update_fields=["is_public", "is_featured"])
    if op == "reset":
        template.launch_permissions.all().delete()
        return template
    if not op:
        return template
    domain = template.account.domain if template.account_id else caller.account.domain
    found = {a.name: a for a in Account.objects.present().filter(domain=domain, name__in=accounts)}
    missing = sorted(set(accounts) - set(found))
    if missing:
        raise ParamError(f"Unable to find account(s) {', '.join(missing)} in domain {domain.path}")
    if op == "add":
        for account in found.values():
            if account.pk != template.account_id:
                TemplatePermission.objects.get_or_create(template=template, account=account)
    else:
        template.launch_permissions.filter(account__in=found.values()).delete()
    return template


def delete_template(job, template, zone=None, forced=False):
    """deleteTemplate: the template (or, with ``zone``, only its copy there) leaves every
    list; one in use by VMs only with ``forced``."""
    in_use = template.vms.filter(removed__isnull=True)
    if zone is not None and zone.pk != template.zone_id:  # one zone's copy only
        if not template.copies.filter(zone=zone).exists():
            raise InvalidState(f"Template {template.uuid} is not in zone {zone.name}")
        in_use = in_use.filter(zone=zone)
    else:
        zone = None
    count = in_use.count()
    if count and not forced:
        raise InvalidState(f"Template {template.uuid} is used by {count} VM(s); use forced=true to delete it anyway")
    return jobs.run_step(job, "Template", template, storage.delete_template, template.pk, zone.pk if zone else None)


def delete_offering(offering):
    """deleteServiceOffering/deleteDiskOffering: the offering leaves the lists and cannot be
    chosen again; what was made from it keeps it (its figures stay on the records)."""
    type(offering).objects.filter(pk=offering.pk).update(removed=timezone.now())


# --- what the Storage component reports of the images it makes -------------------------------
READY = "Download Complete"  # CloudStack's status of a ready template or copy


def image_progress(template, status):
    """``status`` as listTemplates shows it while the image arrives ("42% Downloaded")."""
    Template.objects.filter(pk=template.pk).update(status=status)


def image_ready(template, path, size_bytes=None, checksum=None):
    fields = {"path": path, "is_ready": True, "status": READY}
    if size_bytes is not None:
        fields["size_bytes"] = size_bytes
    if checksum is not None:
        fields["checksum"] = checksum
    Template.objects.filter(pk=template.pk).update(**fields)
    return Template.objects.get(pk=template.pk)


def image_failed(template, why):
    """The image could not be made; ``why`` ("Download failed: ...") is the template's status."""
    Template.objects.filter(pk=template.pk).update(status=why, is_ready=False)


def copy_progress(copy, status):
    TemplateCopy.objects.filter(pk=copy.pk).update(status=status)


def copy_ready(copy, path):
    TemplateCopy.objects.filter(pk=copy.pk).update(path=path, is_ready=True, status=READY)
    return TemplateCopy.objects.get(pk=copy.pk)


def copy_dropped(copy):
    """A copy that did not arrive leaves no copy (copyTemplate may be asked again)."""
    TemplateCopy.objects.filter(pk=copy.pk).delete()


def copies_removed(template, zone=None):
    """The copies (of ``zone`` only, if given) left secondary storage."""
    (template.copies.filter(zone=zone) if zone is not None else template.copies.all()).delete()


def template_removed(template):
    """deleteTemplate's end: the template leaves every list."""
    Template.objects.filter(pk=template.pk).update(removed=timezone.now(), is_ready=False, status="Deleted")
