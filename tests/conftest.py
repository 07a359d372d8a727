import pytest

from apps.accounts.models import AccountType
from apps.accounts.selectors import Caller
from apps.accounts.services import ensure_user
from apps.cloud import datacenter
from workers.compute.drivers import fake


def small_datacenter(hosts=2, memory=4096, cpus=8, zone="Unit-Zone"):
    """A description for :func:`apps.cloud.datacenter.deploy`: ``hosts`` simulated hosts."""
    return {
        "zones": [
            {
                "name": zone,
                "guestnetworks": [{"name": f"{zone}-guest", "cidr": "10.9.0.0/24", "gateway": "10.9.0.1"}],
                "pods": [
                    {
                        "name": "pod",
                        "clusters": [
                            {
                                "name": "cluster",
                                "hypervisor": "Simulator",
                                "hosts": [
                                    {"name": f"h{i}", "cpunumber": cpus, "cpuspeed": 1000, "memory": memory}
                                    for i in range(1, hosts + 1)
                                ],
                                "primarystorages": [{"name": "primary", "capacitygb": 100}],
                            }
                        ],
                    }
                ],
            }
        ],
        "serviceofferings": [{"name": "Small", "cpunumber": 1, "cpuspeed": 500, "memory": 512}],
        "templates": [{"name": "Tiny", "sizegb": 1}],
    }


@pytest.fixture
def sim_dir(settings, tmp_path):
    settings.SIMULATOR_DIR = tmp_path / "simulator"
    return settings.SIMULATOR_DIR


@pytest.fixture
def fake_hypervisor(settings):
    """Simulated hosts on the in-memory fake hypervisor (``workers.compute.drivers.fake``)."""
    settings.SIMULATED_HOSTS = "memory"
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture
def cloud(db, sim_dir, fake_hypervisor):
    """A small data center whose hosts are fake hypervisors (``libvirt_cloud``: libvirt's
    test driver)."""
    return _small_cloud()


@pytest.fixture
def libvirt_cloud(db, sim_dir):
    return _small_cloud()


def _small_cloud():
    datacenter.deploy(small_datacenter())
    from apps.catalog.models import ServiceOffering, Template
    from apps.fabric.models import Zone

    return {
        "zone": Zone.objects.get(name="Unit-Zone"),
        "offering": ServiceOffering.objects.get(name="Small"),
        "template": Template.objects.get(name="Tiny"),
    }


@pytest.fixture
def admin(db):
    return Caller(ensure_user("admin", "admin", AccountType.ROOT_ADMIN))


@pytest.fixture
def alice(db):
    return Caller(ensure_user("alice", "alice", AccountType.USER))


def deploy_vm(caller, cloud, name, start=True):
    """A VM as deployVirtualMachine records it (its job made the way the API makes it); the
    job is not sent: tests run the flow's parts themselves."""
    from apps.compute import services
    from apps.jobs.services import start_job

    job = start_job(services.DEPLOY, caller, {})
    vm = services.deploy(job, cloud["zone"], cloud["offering"], cloud["template"], name=name, start=start)
    job.refresh_from_db()
    return vm, job


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_cache(settings, request):
    """A cache of its own per test: login and API throttling counters never leak between tests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"test-{request.node.nodeid}"}}


@pytest.fixture(autouse=True)
def fresh_settings():
    """The settings of updateConfiguration are read afresh by each test (its rows are rolled
    back with it; the values a process keeps must not outlive them)."""
    from apps.core import config

    config.forget()
    yield
    config.forget()
