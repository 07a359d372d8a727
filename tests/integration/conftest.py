import os

import pytest

from .stack import Stack


@pytest.fixture(scope="session", params=["embedded", "production"])
def stack(request, tmp_path_factory):
    """The whole platform, every component its own process, on each of its two stacks."""
    platform = Stack(request.param, tmp_path_factory.mktemp(f"javelin-{request.param}"))
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()


@pytest.fixture
def cs(stack):
    return stack.client(fetch_result=True)


@pytest.fixture
def catalog(cs):
    zone = next(z for z in cs.listZones()["zone"] if z["name"] == "Sim-Zone-1")
    offering = next(o for o in cs.listServiceOfferings()["serviceoffering"] if o["name"] == "Small Instance")
    template = cs.listTemplates(templatefilter="executable", zoneid=zone["id"])["template"][0]
    return {"zoneid": zone["id"], "serviceofferingid": offering["id"], "templateid": template["id"]}


def pytest_collection_modifyitems(config, items):
    """The full integration suite runs on the production stack; on the embedded one (what
    ``make run`` starts) only the smoke subset, ``@pytest.mark.smoke`` (``JAVELIN_TEST_EMBEDDED=all``:
    everything on both). The chaos tests restart the machine's servers under every live
    stack: they run last."""
    if os.environ.get("JAVELIN_TEST_EMBEDDED") != "all":
        def embedded_only_by_choice(item):
            params = item.callspec.params if hasattr(item, "callspec") else {}
            return "embedded" in params.values() and item.get_closest_marker("smoke") is None

        dropped = [item for item in items if embedded_only_by_choice(item)]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if not embedded_only_by_choice(item)]
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)
