"""Client of the Orchestration Engine (``orchestration`` queue): what the services call.

Every job that crosses components is a flow of the engine, on one subject (a VM, a volume, a
template, a host); a flow's options (``forced``, ``expunge``, ``startvm``, ``hostid`` ...)
travel in the job's params, so a message is only ever (flow, job, subject): small, and the
same on redelivery.
"""
from . import send, signature

# The flow that carries out each command (workers/orchestration/flows).
FLOWS = {
    "deployVirtualMachine": "deploy",
    "startVirtualMachine": "start",
    "stopVirtualMachine": "stop",
    "rebootVirtualMachine": "reboot",
    "destroyVirtualMachine": "destroy",
    "migrateVirtualMachine": "migrate",
    "scaleVirtualMachine": "scale",
    "addNicToVirtualMachine": "add_nic",
    "removeNicFromVirtualMachine": "remove_nic",
    "attachVolume": "attach_volume",
    "detachVolume": "detach_volume",
    "migrateVolume": "migrate_volume",
    "registerTemplate": "register_template",
    "createSnapshot": "snapshot",
    "copyTemplate": "copy_template",
    "prepareHostForMaintenance": "maintenance",
    "deleteAccount": "delete_account",
    "deleteDomain": "delete_domain",
}


def begin(job_id, subject_id, command):
    """Start the flow of job ``job_id`` (it waits its turn behind earlier jobs on its subject)."""
    send("orchestration", "begin_job", flow=FLOWS[command], job_id=job_id, subject_id=subject_id)


def child_ended(flow, job_id, subject_id):
    """A job that job ``job_id`` started has ended."""
    send("orchestration", "child_ended", flow=flow, job_id=job_id, subject_id=subject_id)


def watch_jobs():
    send("orchestration", "watch_jobs")


# The engine's own continuations, with which the runner links the stages of a flow.
def advance(flow, job_id, subject_id, stage):
    return signature("orchestration", "advance", flow=flow, job_id=job_id, subject_id=subject_id, stage=stage)


def rollback(flow, job_id, subject_id):
    return signature("orchestration", "rollback", flow=flow, job_id=job_id, subject_id=subject_id)


def rolled_back(flow, job_id, subject_id):
    return signature("orchestration", "rolled_back", flow=flow, job_id=job_id, subject_id=subject_id)
