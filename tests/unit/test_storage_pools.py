"""Primary storage accounting (over-provisioning) and migrateVolume between pools, on files."""
import os

import pytest

from apps.catalog.models import DiskOffering
from apps.core.errors import InsufficientCapacity, ParamError
from apps.fabric import services as fabric
from apps.fabric.models import StoragePool, Zone
from apps.storage import services
from workers.storage import manager

GIB = 1024**3


@pytest.fixture
def zone(cloud):
    return Zone.objects.get(name="Unit-Zone")


@pytest.fixture
def custom(db):
    return DiskOffering.objects.create(name="custom", customized=True)


def test_a_pool_hands_out_its_capacity_times_the_overprovisioning_factor(zone, alice, custom, settings):
    StoragePool.objects.filter(zone=zone).update(capacity_bytes=10 * GIB)
    services.allocate_data_volume(alice.account, zone, custom, size_gb=10)
    with pytest.raises(InsufficientCapacity):
        services.allocate_data_volume(alice.account, zone, custom, size_gb=1)
    settings.STORAGE_OVERPROVISIONING = 2.0
    services.allocate_data_volume(alice.account, zone, custom, size_gb=10)
    with pytest.raises(InsufficientCapacity):
        services.allocate_data_volume(alice.account, zone, custom, size_gb=1)
    assert StoragePool.objects.get(zone=zone).allocated_bytes == 20 * GIB


def test_migrate_a_volume_to_another_pool(zone, alice, custom):
    volume = manager.create_volume(services.allocate_data_volume(alice.account, zone, custom, size_gb=2))
    with open(volume.path, "r+b") as f:
        f.seek(GIB)
        f.write(b"payload")
    source, old_path = volume.pool, volume.path
    target = fabric.create_storage_pool(zone, "second", 100 * GIB)
    with pytest.raises(ParamError):
        services.begin_volume_migration(volume, source)  # already there
    services.begin_volume_migration(volume, target)
    assert StoragePool.objects.get(pk=target.pk).allocated_bytes == 2 * GIB  # held while it copies
    manager.migrate_volume(volume, target)
    volume.refresh_from_db()
    assert volume.pool_id == target.pk and volume.path.startswith(target.path) and not os.path.exists(old_path)
    with open(volume.path, "rb") as f:
        f.seek(GIB)
        assert f.read(7) == b"payload"
    assert StoragePool.objects.get(pk=source.pk).allocated_bytes == 0
    assert StoragePool.objects.get(pk=target.pk).allocated_bytes == 2 * GIB
    manager.migrate_volume(volume, target)  # run again (a redelivered task): nothing changes
    assert sorted(os.listdir(target.path)) == [os.path.basename(volume.path)]


def test_a_migration_that_cannot_fit_holds_nothing(zone, alice, custom):
    volume = manager.create_volume(services.allocate_data_volume(alice.account, zone, custom, size_gb=2))
    tiny = fabric.create_storage_pool(zone, "tiny", GIB)
    with pytest.raises(InsufficientCapacity):
        services.begin_volume_migration(volume, tiny)
    assert StoragePool.objects.get(pk=tiny.pk).allocated_bytes == 0
