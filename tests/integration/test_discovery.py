"""Service discovery: every component process registers itself and beats; one that stops is
forgotten after two missed beats, and comes back when it starts again."""

import pytest

from tests.support import eventually

pytestmark = pytest.mark.integration
EXPECTED = {"api", "orchestration", "network", "storage", "compute", "monitor", "beat", "autoscaler"}


def live(cs, **filters):
    return cs.listComponents(**filters).get("component", [])


def wait_until(predicate, timeout=20):
    return bool(eventually(predicate, timeout, every=0.3))


@pytest.mark.smoke
def test_components_register_and_are_found(stack, cs):
    assert wait_until(lambda: EXPECTED <= {c["name"] for c in live(cs)})
    components = live(cs)
    network = next(c for c in components if c["name"] == "network")
    assert network["queues"] == ["network"] and network["pid"] > 0 and network["node"].startswith("network@")
    compute = next(c for c in components if c["name"] == "compute")
    assert "compute" in compute["queues"] and any(q.startswith("compute.") for q in compute["queues"])
    # a component finds another through the registry, not a hard-coded address
    (api,) = {c["endpoint"] for c in components if c["name"] == "api"}
    assert api == stack.endpoint


@pytest.mark.smoke
def test_a_stopped_component_is_forgotten_and_returns(stack, cs):
    assert wait_until(lambda: live(cs, name="monitor"))
    stack.stop_process("monitor", sig=9)  # no goodbye: only the missing heartbeats tell
    assert wait_until(lambda: not live(cs, name="monitor"), timeout=10)
    stack.start_process("monitor")
    assert wait_until(lambda: live(cs, name="monitor"), timeout=30)


def test_rest_lists_components_for_admins(stack):
    import requests

    base = stack.endpoint.rsplit("/client/api", 1)[0]
    headers = {"Authorization": f"ApiKey {stack.keys['apikey']}:{stack.keys['secretkey']}"}
    body = requests.get(f"{base}/api/v1/components/", headers=headers, timeout=10).json()
    assert EXPECTED <= {c["name"] for c in body["results"]}
