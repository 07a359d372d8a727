"""Building the data center: zones, pods, clusters, hosts, storage pools.

Simulated hosts get a libvirt node description of their own (CPUs, memory) and the URI
``test://<that file>``, so each is a separate hypervisor with its own capacity and domains.
"""
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Cluster, Host, HypervisorType, Pod, StoragePool, Zone

NODE_XML = """<node>
  <cpu><mhz>{mhz}</mhz><model>x86_64</model><nodes>1</nodes><sockets>1</sockets><cores>{cpus}</cores><threads>1</threads><active>{cpus}</active></cpu>
  <memory>{memory_kib}</memory>
</node>
"""


def simulator_uri(name, cpu_number, cpu_speed, memory_mb, directory=None):
    directory = Path(directory or settings.SIMULATOR_DIR) / "hosts"
    directory.mkdir(parents=True, exist_ok=True)
    node = directory / f"{name}.xml"
    node.write_text(NODE_XML.format(mhz=cpu_speed, cpus=cpu_number, memory_kib=memory_mb * 1024))
    return f"test://{node.resolve()}"


@transaction.atomic
def create_zone(name, **fields):
    return Zone.objects.create(name=name, **fields)


def create_pod(zone, name, **fields):
    return Pod.objects.create(zone=zone, name=name, **fields)


def add_cluster(pod, name, hypervisor):
    return Cluster.objects.create(pod=pod, zone=pod.zone, name=name, hypervisor=hypervisor)


def add_host(cluster, name, cpu_number, cpu_speed, memory_mb, url=None, host_tags=""):
    if cluster.hypervisor == HypervisorType.SIMULATOR and not url:
        url = simulator_uri(f"{cluster.zone.name}-{name}", cpu_number, cpu_speed, memory_mb)
    return Host.objects.create(
        zone=cluster.zone,
        pod=cluster.pod,
        cluster=cluster,
        name=name,
        hypervisor=cluster.hypervisor,
        url=url,
        cpu_number=cpu_number,
        cpu_speed=cpu_speed,
        memory_mb=memory_mb,
        host_tags=host_tags,
    )


def create_storage_pool(zone, name, capacity_bytes, path=None, cluster=None):
    path = path or str(Path(settings.SIMULATOR_DIR) / "pools" / f"{zone.name}-{name}")
    Path(path).mkdir(parents=True, exist_ok=True)
    return StoragePool.objects.create(
        zone=zone,
        pod=cluster.pod if cluster else None,
        cluster=cluster,
        scope="CLUSTER" if cluster else "ZONE",
        name=name,
        path=path,
        capacity_bytes=capacity_bytes,
    )
