"""deleteAccount: an account's resources are removed through their own jobs, then the account;
deleteDomain with cleanup: each account of the domain and its subdomains through deleteAccount,
then the domains.

The account is locked when the job is taken (its users can call nothing from then on). Its
resources go in waves, each wave a job of its own per resource, as if its owner had asked
(so each waits its turn behind other jobs on its object and has its own compensations): first
its VMs (destroyed and expunged), then its volumes, snapshots, templates and the public IPs that
are not on a network of its own, then its networks (with their source NAT addresses). The flow
has no stages: it goes on each time one of those jobs ends. When the last wave is through, its
security groups, SSH key pairs, limits and users go, and the account is removed (its name free
again). A job of a wave that fails fails the deletion with that job's error: the account is
given back the state it had, with what is left of it, and deleteAccount can be asked again.
"""
from django.db import transaction

from apps.accounts import services as accounts
from apps.accounts.models import Account, Domain
from apps.catalog import services as catalog
from apps.catalog.models import Template
from apps.compute import services as compute
from apps.compute.models import VirtualMachine
from apps.core.registry import REGISTRY
from apps.jobs import services as jobs
from apps.jobs.models import AsyncJob
from apps.network import services as network
from apps.network.models import GuestNetwork, IpState, PublicIpAddress, SecurityGroup
from apps.sshkeys.models import SSHKeyPair
from apps.storage import services as storage
from apps.storage.models import Snapshot, Volume, VolumeState

from .base import Flow


def _vms(account, job, start):
    for vm in VirtualMachine.objects.filter(account=account, removed__isnull=True).order_by("id"):
        compute.destroy(start("destroyVirtualMachine", virtualmachineid=vm.uuid_str, expunge=True), vm, expunge=True)


def _storage_images_and_addresses(account, job, start):
    for volume in Volume.objects.filter(account=account, removed__isnull=True).exclude(
            state__in=[VolumeState.DESTROY, VolumeState.EXPUNGED]):
        storage.delete_volume(volume)  # detached now that its VM is gone; its file goes in the background
    for snapshot in Snapshot.objects.filter(account=account, removed__isnull=True).order_by("id"):
        storage.delete_snapshot(start("deleteSnapshot", id=snapshot.uuid_str), snapshot)
    for template in Template.objects.present().filter(account=account).order_by("id"):
        catalog.delete_template(start("deleteTemplate", id=template.uuid_str), template, forced=True)
    own_networks = GuestNetwork.objects.filter(account=account)
    for ip in PublicIpAddress.objects.filter(account=account, state=IpState.ALLOCATED).exclude(
            network__in=own_networks).order_by("id"):
        network.disassociate_ip_address(start("disassociateIpAddress", id=ip.uuid_str), ip)


def _networks(account, job, start):
    for guest in GuestNetwork.objects.filter(account=account, removed__isnull=True).order_by("id"):
        network.delete_network(start("deleteNetwork", id=guest.uuid_str), guest)


WAVES = (_vms, _storage_images_and_addresses, _networks)


class DeleteAccount(Flow):
    name = "delete_account"
    subject = "Account"
    waits_for_children = True

    def load(self, subject_id):
        return Account.objects.select_related("domain").get(pk=subject_id)

    def prepare(self, job, account):
        job.params = {**job.params, "was": account.state, "wave": 0, "children": []}
        account.state = "locked"
        account.save(update_fields=["state"])  # saved, not updated: the cached callers of the account go
        self._start_wave(job, account, 0)

    def _start_wave(self, job, account, wave):
        """Start the jobs of ``wave`` (the next ones, if it has none); True once none is left."""
        while wave < len(WAVES):
            children = []

            def start(command, **params):
                child = self.start_child(job, account, REGISTRY[command].job_kind, **params)
                children.append(child.pk)
                return child

            WAVES[wave](account, job, start)
            self.record_children(job, children, wave=wave)
            if children:
                return False
            wave += 1
        return True

    def children_ended(self, job, account):
        with transaction.atomic():  # two jobs ending at once: one of them starts the next wave
            job = AsyncJob.objects.select_for_update().select_related("user").get(pk=job.pk)
            if not self.children_done(job, lambda text: f"Account {account.name} was not deleted: {text}"):
                return False
            return self._start_wave(job, account, job.params.get("wave", 0) + 1)

    def finish(self, job, account):
        for group in SecurityGroup.objects.filter(account=account):
            group.delete()  # no VM of the account is left to use one
        SSHKeyPair.objects.filter(account=account).delete()
        accounts.account_removed(account)
        return {"success": True}

    def abort(self, job, account):
        account.state = job.params.get("was", "enabled")
        account.save(update_fields=["state"])


class DeleteDomain(Flow):
    """deleteDomain cleanup=true: a deleteAccount job for each account of the domain and its
    subdomains; when they have all ended well, the domains go, the deepest first. One that
    fails fails the deletion with its error (the accounts already deleted stay deleted, the
    others and every domain stay: it can be asked again)."""

    name = "delete_domain"
    subject = "Domain"
    waits_for_children = True

    def load(self, subject_id):
        return Domain.objects.get(pk=subject_id)

    def prepare(self, job, domain):
        children = []
        for account in accounts.accounts_in_tree(domain):
            child = self.start_child(job, domain, REGISTRY["deleteAccount"].job_kind, id=account.uuid_str)
            jobs.run_flow(child, "Account", account)
            children.append(child.pk)
        self.record_children(job, children)

    def children_ended(self, job, domain):
        return self.children_done(job, lambda text: f"Domain {domain.path} was not deleted: {text}")

    def finish(self, job, domain):
        for each in accounts.domain_tree(domain):
            accounts.delete_domain(each)
        return {"success": True}
