"""Client side of the Orchestration Engine (``orchestration`` queue): what the API calls.

A flow's options (``forced``, ``expunge``, ``startvm``) travel in the job's params, so a
message is only ever (job, vm): small, and the same on redelivery.
"""
from workers.rpc import send, signature


def deploy_vm(job_id, vm_id):
    send("orchestration", "deploy_vm", job_id, vm_id)


def start_vm(job_id, vm_id):
    send("orchestration", "start_vm", job_id, vm_id)


def stop_vm(job_id, vm_id):
    send("orchestration", "stop_vm", job_id, vm_id)


def reboot_vm(job_id, vm_id):
    send("orchestration", "reboot_vm", job_id, vm_id)


def destroy_vm(job_id, vm_id):
    send("orchestration", "destroy_vm", job_id, vm_id)


def migrate_vm(job_id, vm_id):
    send("orchestration", "migrate_vm", job_id, vm_id)


def scale_vm(job_id, vm_id):
    send("orchestration", "scale_vm", job_id, vm_id)


def host_maintenance(job_id, host_id):
    send("orchestration", "host_maintenance", job_id, host_id)


def begin(command, job_id, vm_id):
    """Start the flow of a VM job from its API command's name (a job that waited its turn)."""
    {
        "deployVirtualMachine": deploy_vm,
        "startVirtualMachine": start_vm,
        "stopVirtualMachine": stop_vm,
        "rebootVirtualMachine": reboot_vm,
        "destroyVirtualMachine": destroy_vm,
        "migrateVirtualMachine": migrate_vm,
        "scaleVirtualMachine": scale_vm,
    }[command](job_id, vm_id)


# The engine's own continuations, with which the runner links the stages of a flow.
def advance(flow, job_id, vm_id, stage):
    return signature("orchestration", "advance", flow, job_id, vm_id, stage)


def rollback(flow, job_id, vm_id):
    return signature("orchestration", "rollback", flow, job_id, vm_id)


def rolled_back(flow, job_id, vm_id):
    return signature("orchestration", "rolled_back", flow, job_id, vm_id)
