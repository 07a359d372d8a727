"""The flows of the Orchestration Engine: every job that crosses components is one; each module
keeps a flow and its compensation side by side."""
from .accounts import DeleteAccount, DeleteDomain
from .deploy import Deploy
from .destroy import Destroy
from .images import CopyTemplate, CreateSnapshot, RegisterTemplate
from .maintenance import HostMaintenance
from .migrate import Migrate, Scale
from .nics import AddNic, RemoveNic
from .power import Reboot, Start, Stop
from .volumes import AttachVolume, DetachVolume, MigrateVolume

FLOWS = {flow.name: flow for flow in (
    Deploy(), Start(), Stop(), Reboot(), Destroy(), Migrate(), Scale(), AddNic(), RemoveNic(), AttachVolume(),
    DetachVolume(), MigrateVolume(), CreateSnapshot(), RegisterTemplate(), CopyTemplate(), HostMaintenance(),
    DeleteAccount(), DeleteDomain())}

__all__ = ["FLOWS"]
