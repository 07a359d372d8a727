import uuid

from django.db import migrations

OFFERINGS = [
    ("DefaultIsolatedNetworkOfferingWithSourceNatService",
     "Offering for Isolated networks with Source Nat service enabled", "Isolated",
     ["Dhcp", "Dns", "UserData", "SourceNat", "StaticNat", "PortForwarding", "Firewall", "Lb"]),
    ("DefaultSharedNetworkOffering", "Offering for Shared networks", "Shared", ["Dhcp", "Dns", "UserData"]),
]


def seed(apps, schema_editor):
    NetworkOffering = apps.get_model("network", "NetworkOffering")
    for name, text, kind, services in OFFERINGS:
        NetworkOffering.objects.get_or_create(
            name=name,
            defaults={"display_text": text, "guest_ip_type": kind, "is_default": True, "services": services, "uuid": uuid.uuid4()},
        )


class Migration(migrations.Migration):
    dependencies = [("network", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
