"""addNicToVirtualMachine and removeNicFromVirtualMachine: a NIC crosses Networking (its
address, and the network's plan) and Compute (the guest's device).

Add: the address, then the device plugged into the guest (or only its definition, for a
stopped VM). Compensation: the NIC is removed *through Networking*, which re-plans the
network, so the data plane keeps no stale member. Remove: the device unplugged, then the
address freed and the network re-planned. Compensation: the device plugged back.
"""
from apps.jobs import services as jobs
from clients import compute, network

from .base import Flow


class AddNic(Flow):
    name = "add_nic"

    def stages(self, job, vm):
        network_id = job.params["network"]
        return [[network.add_nic(job.pk, vm.pk, network_id, job.params.get("ipaddress"))],
                [compute.plug_nic(job.pk, vm.pk, vm.host_id, network_id=network_id)]]

    def compensations(self, job, vm):
        if not jobs.did_claim(job.pk, "add_nic"):
            return []
        return [network.discard_nic(job.pk, vm.pk, job.params["network"])]


class RemoveNic(Flow):
    name = "remove_nic"

    def stages(self, job, vm):
        nic_id = job.params["nic"]
        return [[compute.unplug_nic(job.pk, vm.pk, nic_id, vm.host_id)], [network.remove_nic(job.pk, nic_id)]]

    def compensations(self, job, vm):
        if not jobs.did(job.pk, "unplug_nic") or jobs.did(job.pk, "remove_nic"):
            return []
        return [compute.plug_nic(job.pk, vm.pk, vm.host_id, nic_id=job.params["nic"])]
