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
    """The chaos tests restart the machine's servers under every live stack: they run last."""
    items.sort(key=lambda item: item.get_closest_marker("chaos") is not None)
