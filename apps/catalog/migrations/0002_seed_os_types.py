import uuid

from django.db import migrations

OS_TYPES = [
    ("Other Linux (64-bit)", "Linux"),
    ("Debian GNU/Linux 12 (64-bit)", "Debian"),
    ("Ubuntu 24.04 LTS", "Ubuntu"),
    ("Rocky Linux 9", "CentOS"),
    ("FreeBSD 14 (64-bit)", "Unix"),
    ("Windows Server 2022 (64-bit)", "Windows"),
    ("Other (64-bit)", "Other"),
]


def seed(apps, schema_editor):
    OsType = apps.get_model("catalog", "OsType")
    for description, category in OS_TYPES:
        OsType.objects.get_or_create(description=description, defaults={"category": category, "uuid": uuid.uuid4()})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
