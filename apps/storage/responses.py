"""CloudStack objects for storage: volume."""
from apps.core.formats import compact, cs_date


def volume_response(volume):
    vm = volume.vm
    return compact(
        {
            "id": volume.uuid_str,
            "name": volume.name,
            "type": volume.type,
            "state": volume.state,
            "size": volume.size_bytes,
            "zoneid": volume.zone.uuid_str,
            "zonename": volume.zone.name,
            "deviceid": volume.device_id,
            "virtualmachineid": vm.uuid_str if vm else None,
            "vmname": vm.name if vm else None,
            "vmdisplayname": vm.display_name if vm else None,
            "vmstate": vm.state if vm else None,
            "storageid": volume.pool.uuid_str if volume.pool_id else None,
            "storage": volume.pool.name if volume.pool_id else None,
            "storagetype": "shared",
            "account": volume.account.name,
            "domainid": volume.account.domain.uuid_str,
            "domain": volume.account.domain.name,
            "provisioningtype": "thin",
            "destroyed": volume.removed is not None,
            "isextractable": False,
            "created": cs_date(volume.created),
            "tags": [],
        }
    )
