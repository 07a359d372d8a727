"""Client of the Orchestration Engine (``orchestration`` queue): what the API calls.

A flow's options (``forced``, ``expunge``, ``startvm``, ``hostid``) travel in the job's
params, so a message is only ever (flow, job, vm): small, and the same on redelivery.
"""
from . import send, signature

# The flow that carries out each VM command (workers/orchestration/flows).
VM_FLOWS = {
    "deployVirtualMachine": "deploy",
    "startVirtualMachine": "start",
    "stopVirtualMachine": "stop",
    "rebootVirtualMachine": "reboot",
    "destroyVirtualMachine": "destroy",
    "migrateVirtualMachine": "migrate",
    "scaleVirtualMachine": "scale",
}


def begin(job_id, vm_id, command):
    """Start the flow of VM job ``job_id`` (it waits its turn behind earlier jobs on the VM)."""
    send("orchestration", "begin_vm_job", flow=VM_FLOWS[command], job_id=job_id, vm_id=vm_id)


def host_maintenance(job_id, host_id):
    send("orchestration", "host_maintenance", job_id=job_id, host_id=host_id)


def watch_jobs():
    send("orchestration", "watch_jobs")


# The engine's own continuations, with which the runner links the stages of a flow.
def advance(flow, job_id, vm_id, stage):
    return signature("orchestration", "advance", flow=flow, job_id=job_id, vm_id=vm_id, stage=stage)


def rollback(flow, job_id, vm_id):
    return signature("orchestration", "rollback", flow=flow, job_id=job_id, vm_id=vm_id)


def rolled_back(flow, job_id, vm_id):
    return signature("orchestration", "rolled_back", flow=flow, job_id=job_id, vm_id=vm_id)
