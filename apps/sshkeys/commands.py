"""Query-API commands for SSH key pairs."""
from apps.accounts.selectors import restrict
from apps.core.listing import PAGING, filtered, list_response, own_unless_listall
from apps.core.registry import Param, command
from apps.core.validators import ssh_public_key

from . import services
from .models import SSHKeyPair


def keypair_response(keypair, private_key=None):
    account = keypair.account
    body = {
        "id": keypair.uuid_str,
        "name": keypair.name,
        "fingerprint": keypair.fingerprint,
        "account": account.name,
        "domainid": account.domain.uuid_str,
        "domain": account.domain.name,
    }
    if private_key:
        body["privatekey"] = private_key
    return body


@command("createSSHKeyPair", params=(Param("name", required=True),), description="Create a new keypair and returns the private key",
         cmd_class="org.apache.cloudstack.api.command.user.ssh.CreateSSHKeyPairCmd", response=("keypair",),
         event=("REGISTER.SSH.KEYPAIR", "creating SSH key pair"))
def create_ssh_key_pair(call):
    keypair, private_key = services.create(call.caller.account, call.get("name"))
    return {"keypair": keypair_response(keypair, private_key)}


@command("registerSSHKeyPair", params=(Param("name", required=True), Param("publickey", required=True, length=5120, check=ssh_public_key)),
         description="Register a public key in a keypair under a certain name",
         cmd_class="org.apache.cloudstack.api.command.user.ssh.RegisterSSHKeyPairCmd", response=("keypair",),
         event=("REGISTER.SSH.KEYPAIR", "registering SSH key pair"))
def register_ssh_key_pair(call):
    return {"keypair": keypair_response(services.register(call.caller.account, call.get("name"), call.get("publickey")))}


@command("listSSHKeyPairs", params=(Param("id", "uuid"), Param("name"), Param("fingerprint"), Param("listall", "boolean"), *PAGING),
         description="List registered keypairs", cmd_class="org.apache.cloudstack.api.command.user.ssh.ListSSHKeyPairsCmd",
         response=("sshkeypair",))
def list_ssh_key_pairs(call):
    keypairs = restrict(SSHKeyPair.objects.select_related("account__domain").order_by("id"), call.caller)
    keypairs = own_unless_listall(keypairs, call)
    keypairs = filtered(keypairs, call, {"id": "uuid", "name": "name", "fingerprint": "fingerprint"})
    if "keyword" in call.params:
        keypairs = keypairs.filter(name__icontains=call.get("keyword"))
    return list_response(call, keypairs, "sshkeypair", keypair_response)


@command("deleteSSHKeyPair", params=(Param("name", required=True),), description="Deletes a keypair by name",
         cmd_class="org.apache.cloudstack.api.command.user.ssh.DeleteSSHKeyPairCmd",
         event=("DELETE.SSH.KEYPAIR", "deleting SSH key pair"))
def delete_ssh_key_pair(call):
    services.lookup(call.caller.account, call.get("name")).delete()
    return {"success": True}
