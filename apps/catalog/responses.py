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


def template_response(template):
    return compact(
        {
            "id": template.uuid_str,
            "name": template.name,
            "displaytext": template.display_text or template.name,
            "ispublic": template.is_public,
            "isready": template.is_ready,
            "isfeatured": template.is_featured,
            "passwordenabled": template.password_enabled,
            "format": template.format,
            "ostypeid": template.os_type.uuid_str,
            "ostypename": template.os_type.description,
            "hypervisor": template.hypervisor,
            "zoneid": template.zone.uuid_str if template.zone_id else None,
            "zonename": template.zone.name if template.zone_id else None,
            "crossZones": template.zone_id is None,
            "size": template.size_bytes,
            "templatetype": "USER",
            "status": template.status,
            "checksum": template.checksum or None,
            "bootable": True,
            "created": cs_date(template.created),
        }
    )


def os_type_response(os_type):
    return {
        "id": os_type.uuid_str,
        "description": os_type.description,
        "oscategoryid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"javelin:oscategory:{os_type.category}")),
        "oscategoryname": os_type.category,
        "isuserdefined": False,
    }
