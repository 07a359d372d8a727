"""The VM flows of the Orchestration Engine; each module keeps a flow and its compensation
side by side."""
from .deploy import Deploy
from .destroy import Destroy
from .migrate import Migrate, Scale
from .power import Reboot, Start, Stop

FLOWS = {flow.name: flow for flow in (Deploy(), Start(), Stop(), Reboot(), Destroy(), Migrate(), Scale())}

__all__ = ["FLOWS"]
