from django.db import models

from apps.core.models import CloudObject


class SSHKeyPair(CloudObject):
    """A public key an account registered (or had made) to log into its VMs. The private key
    of a generated pair is shown once, at creation, and never stored."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="ssh_keypairs")
    name = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    public_key = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="sshkey_unique_name_in_account")]

    def __str__(self):
        return self.name
