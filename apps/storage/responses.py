"""CloudStack objects for storage: volume."""
from apps.core.formats import compact, cs_date
from apps.tags.responses import tag_response


def volume_response(volume, tags=()):
    vm = volume.vm
    offering = volume.disk_offering
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
            "attached": cs_date(volume.attached) if vm and volume.attached else None,
            "storageid": volume.pool.uuid_str if volume.pool_id else None,
            "storage": volume.pool.name if volume.pool_id else None,
            "storagetype": "shared",
            "account": volume.account.name,
            "domainid": volume.account.domain.uuid_str,
            "domain": volume.account.domain.name,
            "provisioningtype": "thin",
            "diskofferingid": offering.uuid_str if offering else None,
            "diskofferingname": offering.name if offering else None,
            "diskofferingdisplaytext": offering.display_text if offering else None,
            "destroyed": volume.state in ("Destroy", "Expunged"),
            "isextractable": False,
            "created": cs_date(volume.created),
            "tags": [tag_response(t) for t in tags],
        }
    )


def snapshot_response(snapshot):
    volume = snapshot.volume
    return compact(
        {
            "id": snapshot.uuid_str,
            "name": snapshot.name,
            "volumeid": volume.uuid_str,
            "volumename": volume.name,
            "volumetype": volume.type,
            "snapshottype": "MANUAL",
            "intervaltype": "MANUAL",
            "state": snapshot.state,
            "zoneid": snapshot.zone.uuid_str,
            "physicalsize": snapshot.size_bytes,
            "virtualsize": volume.size_bytes,
            "account": snapshot.account.name,
            "domainid": snapshot.account.domain.uuid_str,
            "domain": snapshot.account.domain.name,
            "created": cs_date(snapshot.created),
            "tags": [],
        }
    )
