"""Catalog reads shared by the commands and the components."""
from django.db.models import Q

# every template and host here is x86-64 (CloudStack's CPU.CPUArch values: x86_64, aarch64)
ARCHITECTURES = ("x86_64", "aarch64")
NATIVE_ARCH = "x86_64"


def architecture(value):
    """A CPU architecture as CloudStack names it (ValueError otherwise)."""
    if value not in ARCHITECTURES:
        raise ValueError(value)
    return value


def os_categories_with_images(caller, zone=None, featured=None, iso=False, vnf=False, arch=None):
    """The OS categories of the images ``caller`` may deploy from, of a zone, featured or not,
    ISOs, VNF appliances or of a CPU architecture (what the Add Instance wizard offers)."""
    from .models import Template  # noqa: PLC0415 - the models import this module's helpers

    if iso or vnf or arch not in (None, NATIVE_ARCH):
        return set()  # no ISO, no VNF appliance and nothing but x86-64 here
    templates = Template.objects.visible_to(caller).filter(Q(is_ready=True) | Q(copies__is_ready=True))
    if zone is not None:
        templates = templates.filter(usable_in(zone))
    if featured is not None:
        templates = templates.filter(is_featured=featured)
    return set(templates.values_list("os_type__category", flat=True).distinct())


def usable_in(zone):
    """Templates a VM of ``zone`` can be made from: cross-zone ones, the zone's own, and those
    copied there (copyTemplate) once the copy is ready."""
    return Q(zone__isnull=True) | Q(zone=zone) | Q(copies__zone=zone, copies__is_ready=True)


def image_in(template, zone):
    """The path of ``template``'s image for ``zone``: its own, or its copy there."""
    if template.zone_id in (None, zone.pk if zone else None):
        return template.path
    copy = template.copies.filter(zone=zone, is_ready=True).first()
    return copy.path if copy else template.path
