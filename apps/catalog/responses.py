"""CloudStack objects for the catalog: service offering, disk offering, template, OS type."""
import uuid

from apps.core.formats import compact, cs_date


def service_offering_response(offering):
    return compact(
        {
            "id": offering.uuid_str,
            "name": offering.name,
            "displaytext": offering.display_text or offering.name,
            "cpunumber": offering.cpu_number,
            "cpuspeed": offering.cpu_speed,
            "memory": offering.memory_mb,
            "created": cs_date(offering.created),
            "storagetype": offering.storage_type,
            "offerha": offering.offer_ha,
            "iscustomized": False,
            "issystem": False,
            "limitcpuuse": False,
            "hosttags": offering.host_tags or None,
        }
    )


def disk_offering_response(offering):
    return {
        "id": offering.uuid_str,
        "name": offering.name,
        "displaytext": offering.display_text or offering.name,
        "disksize": offering.disk_size_gb,
        "iscustomized": offering.customized,
        "storagetype": offering.storage_type,
        "provisioningtype": "thin",
        "created": cs_date(offering.created),
    }


def template_response(template, zone=None):
    """The template as CloudStack lists it in one zone: in ``zone`` (if a copy of it is
    there, with the copy's state) or in its own zone."""
    copy = None
    if zone is not None and template.zone_id not in (None, zone.pk):
        copy = template.copies.filter(zone=zone).first()
    shown = zone if copy is not None else template.zone
    return compact(
        {
            "id": template.uuid_str,
            "name": template.name,
            "displaytext": template.display_text or template.name,
            "ispublic": template.is_public,
            "isready": copy.is_ready if copy else template.is_ready,
            "isfeatured": template.is_featured,
            "passwordenabled": template.password_enabled,
            "format": template.format,
            "ostypeid": template.os_type.uuid_str,
            "ostypename": template.os_type.description,
            "hypervisor": template.hypervisor,
            "zoneid": shown.uuid_str if shown else None,
            "zonename": shown.name if shown else None,
            "crossZones": template.zone_id is None,
            "size": template.size_bytes,
            "templatetype": "USER",
            "status": copy.status if copy else template.status,
            "checksum": template.checksum or None,
            "bootable": True,
            "created": cs_date(template.created),
        }
    )


def os_category_id(name):
    """An OS category is a name its OS types share; its id is derived from the name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:oscategory:{name}"))


def os_category_response(name):
    return {"id": os_category_id(name), "name": name}


def os_type_response(os_type):
    return {
        "id": os_type.uuid_str,
        "description": os_type.description,
        "oscategoryid": os_category_id(os_type.category),
        "oscategoryname": os_type.category,
        "isuserdefined": False,
    }


def template_permission_response(template):
    owner = template.account
    return compact({
        "id": template.uuid_str,
        "ispublic": template.is_public,
        "domainid": owner.domain.uuid_str if owner else None,
        "account": sorted(p.account.name for p in template.launch_permissions.select_related("account")),
    })
