"""Build a data center from a JSON description, through the same services as the API
(after CloudStack Marvin's ``deployDataCenter``)."""
from django.db import transaction

from apps.catalog.models import DiskOffering, OsType, ServiceOffering, Template
from apps.fabric import services
from apps.fabric.models import Zone
from apps.network.services import add_public_range, create_network

GIB = 1024**3


@transaction.atomic
def deploy(description):
    """Create what ``description`` names and does not exist yet; return the names made."""
    made = []
    for z in description.get("zones", []):
        if Zone.objects.filter(name=z["name"]).exists():
            continue
        zone = services.create_zone(z["name"], network_type=z.get("networktype", "Advanced"), description=z.get("description", ""))
        made.append(f"zone {zone.name}")
        for n in z.get("guestnetworks", []):
            create_network(zone, n["name"], n["cidr"], n.get("gateway"))
        for r in z.get("publicipranges", []):
            add_public_range(zone, r["startip"], r["endip"], r["gateway"], r["netmask"])
        for p in z.get("pods", []):
            pod = services.create_pod(zone, p["name"], gateway=p.get("gateway", ""), netmask=p.get("netmask", ""))
            for c in p.get("clusters", []):
                cluster = services.add_cluster(pod, c["name"], c.get("hypervisor", "Simulator"))
                for h in c.get("hosts", []):
                    services.add_host(
                        cluster, h["name"], h["cpunumber"], h["cpuspeed"], h["memory"], url=h.get("url"), host_tags=h.get("hosttags", "")
                    )
                for s in c.get("primarystorages", []):
                    services.create_storage_pool(zone, s["name"], int(s["capacitygb"] * GIB), path=s.get("path"), cluster=cluster,
                                                 libvirt_uri=s.get("libvirturi", ""))
        for s in z.get("primarystorages", []):
            services.create_storage_pool(zone, s["name"], int(s["capacitygb"] * GIB), path=s.get("path"))
    for o in description.get("serviceofferings", []):
        _, created = ServiceOffering.objects.present().get_or_create(
            name=o["name"],
            defaults={
                "display_text": o.get("displaytext", o["name"]),
                "cpu_number": o["cpunumber"],
                "cpu_speed": o["cpuspeed"],
                "memory_mb": o["memory"],
                "offer_ha": o.get("offerha", False),
            },
        )
        made += [f"service offering {o['name']}"] if created else []
    for o in description.get("diskofferings", []):
        _, created = DiskOffering.objects.present().get_or_create(
            name=o["name"],
            defaults={"display_text": o.get("displaytext", o["name"]), "disk_size_gb": o.get("disksize", 0), "customized": o.get("customized", False)},
        )
        made += [f"disk offering {o['name']}"] if created else []
    for t in description.get("templates", []):
        zone = Zone.objects.get(name=t["zone"]) if t.get("zone") else None
        _, created = Template.objects.get_or_create(
            name=t["name"],
            zone=zone,
            defaults={
                "display_text": t.get("displaytext", t["name"]),
                "os_type": OsType.objects.get_or_create(
                    description=t.get("ostype", "Other Linux (64-bit)"), defaults={"category": t.get("oscategory", "Linux")}
                )[0],
                "format": t.get("format", "QCOW2"),
                "hypervisor": t.get("hypervisor", "Simulator"),
                "size_bytes": int(t.get("sizegb", 1) * GIB),
                "url": t.get("url", ""),
                "kernel": t.get("kernel", ""),
                "initrd": t.get("initrd", ""),
                "cmdline": t.get("cmdline", ""),
            },
        )
        made += [f"template {t['name']}"] if created else []
    return made
