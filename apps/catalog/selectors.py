"""Catalog reads shared by the commands and the components."""
from django.db.models import Q


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
