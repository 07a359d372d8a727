"""Flower starts with the platform, behind authentication, and sees every component's worker."""
import time

import pytest
import requests

pytestmark = pytest.mark.integration
COMPONENTS = ("orchestration", "network", "storage", "compute", "monitor")


def test_flower_lists_each_components_worker(stack):
    url = f"http://127.0.0.1:{stack.flower_port}/api/workers"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, auth=("admin", "password"), timeout=10).status_code == 401  # no default password
    deadline, names = time.monotonic() + 60, set()
    while time.monotonic() < deadline:
        response = requests.get(url, params={"refresh": "1"}, auth=stack.flower_auth, timeout=30)
        assert response.status_code == 200
        names = {name.split("@")[0] for name in response.json()}
        if set(COMPONENTS) <= names:
            break
        time.sleep(1)
    assert set(COMPONENTS) <= names
    queues = {q["name"] for w in response.json().values() for q in w.get("active_queues", [])}
    assert {"orchestration", "network", "storage", "compute", "monitor"} <= queues
