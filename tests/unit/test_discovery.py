"""Service discovery's heartbeat: a process its peers forgot (its beats came late) registers
again at its next beat, rather than staying missing while it runs."""
import pytest

from apps.components import services
from apps.components.models import Component
from tests.support import eventually


@pytest.mark.django_db(transaction=True)
def test_a_forgotten_process_registers_again_at_its_next_beat(settings):
    settings.COMPONENT_HEARTBEAT_S = 0.05
    stop = services.keep_registered("storage", "storage@test", ["storage"])
    try:
        assert [(c.name, c.node, c.queues) for c in services.live()] == [("storage", "storage@test", ["storage"])]
        Component.objects.all().delete()  # what a peer's forget_the_dead does to a late beater
        back = eventually(lambda: list(services.live()), timeout=5, every=0.02)
        assert [(c.name, c.node, c.queues) for c in back] == [("storage", "storage@test", ["storage"])]
    finally:
        stop.set()


@pytest.mark.django_db
def test_beat_says_whether_the_row_was_still_there():
    services.register("network", "network@test", ["network"])
    assert services.beat("network") == 1
    Component.objects.all().delete()
    assert services.beat("network") == 0
