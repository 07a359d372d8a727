from apps.accounts.selectors import restrict

from .models import Snapshot, Volume, VolumeState


def volumes_visible_to(caller):
    return restrict(
        Volume.objects.filter(removed__isnull=True)
        .exclude(state__in=[VolumeState.DESTROY, VolumeState.EXPUNGED])
        .select_related("vm", "zone", "pool", "account__domain", "disk_offering")
        .order_by("id"),
        caller,
    )


def snapshots_visible_to(caller):
    return restrict(
        Snapshot.objects.filter(removed__isnull=True).select_related("volume", "zone", "account__domain").order_by("id"),
        caller,
    )


def volume_for_task(volume_id):
    """A volume with what the components need to act on it, removed ones included."""
    return Volume.objects.select_related("pool", "zone", "vm__host", "account__domain", "disk_offering").get(pk=volume_id)
