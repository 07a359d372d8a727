"""Flower starts with the platform, behind authentication, and sees every component's worker."""
import pytest
import requests

from tests.support import eventually

pytestmark = pytest.mark.integration
COMPONENTS = ("orchestration", "network", "storage", "compute", "monitor")


@pytest.mark.smoke
def test_flower_lists_each_components_worker(stack):
    url = f"http://127.0.0.1:{stack.flower_port}/api/workers"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, auth=("admin", "password"), timeout=10).status_code == 401  # no default password

    def every_worker():
        response = requests.get(url, params={"refresh": "1"}, auth=stack.flower_auth, timeout=30)
        assert response.status_code == 200
        workers = response.json()
        return workers if set(COMPONENTS) <= {name.split("@")[0] for name in workers} else None

    workers = eventually(every_worker, 60, every=1, what="Flower to see every component's worker")
    queues = {q["name"] for w in workers.values() for q in w.get("active_queues", [])}
    assert {"orchestration", "network", "storage", "compute", "monitor"} <= queues
