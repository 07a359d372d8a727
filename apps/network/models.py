from django.conf import settings
from django.db import models

from apps.core.models import CloudObject


class NetworkType(models.TextChoices):
    SHARED = "Shared"
    ISOLATED = "Isolated"


class NetworkOffering(CloudObject):
    name = models.CharField(max_length=255, unique=True)
    display_text = models.CharField(max_length=255, blank=True)
    guest_ip_type = models.CharField(max_length=16, choices=NetworkType.choices)
    is_default = models.BooleanField(default=False)
    specify_vlan = models.BooleanField(default=False)
    egress_default_allow = models.BooleanField(
        default=True, help_text="egress allowed unless an egress rule denies it; else denied unless one allows it")
    services = models.JSONField(default=list, help_text="service names: Dhcp, Dns, SourceNat, PortForwarding, Firewall ...")
    state = models.CharField(max_length=16, default="Enabled")

    def __str__(self):
        return self.name


class GuestNetwork(CloudObject):
    name = models.CharField(max_length=255)
    display_text = models.CharField(max_length=255, blank=True)
    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="networks")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="networks",
        help_text="owner of an isolated network; empty for a zone-wide shared network",
    )
    type = models.CharField(max_length=16, choices=NetworkType.choices, default=NetworkType.SHARED)
    network_offering = models.ForeignKey(NetworkOffering, null=True, blank=True, on_delete=models.PROTECT, related_name="networks")
    cidr = models.CharField(max_length=64)
    gateway = models.GenericIPAddressField(protocol="IPv4")
    vlan = models.PositiveIntegerField(null=True, blank=True, help_text="its VLAN/VNI, from the zone's range")
    network_domain = models.CharField(max_length=190, blank=True, help_text="its guests' DNS domain; empty: its account's")
    state = models.CharField(max_length=16, default="Implemented")
    removed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["zone", "cidr"], condition=models.Q(removed__isnull=True), name="network_unique_cidr_in_zone"),
            # a VLAN is never given to two live networks of a zone, however many allocate at once
            models.UniqueConstraint(fields=["zone", "vlan"], condition=models.Q(removed__isnull=True), name="network_unique_vlan_in_zone"),
        ]

    @property
    def bridge(self):
        """The Linux bridge that carries this network on a host (15 characters at most)."""

        return f"{settings.DATAPLANE_PREFIX}br{self.pk}"

    def __str__(self):
        return f"{self.name} ({self.cidr})"


class Nic(CloudObject):
    """A VM's interface on a guest network. An IP is never given twice in one network and a
    MAC never twice at all: the database refuses it, so allocation can race safely."""

    vm = models.ForeignKey("compute.VirtualMachine", on_delete=models.CASCADE, related_name="nics")
    network = models.ForeignKey(GuestNetwork, on_delete=models.PROTECT, related_name="nics")
    ip_address = models.GenericIPAddressField(protocol="IPv4")
    mac_address = models.CharField(max_length=17, unique=True)
    is_default = models.BooleanField(default=True)
    device_id = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "ip_address"], name="nic_unique_ip_in_network"),
            models.UniqueConstraint(fields=["vm", "network"], name="nic_one_per_vm_and_network"),
        ]

    def __str__(self):
        return f"{self.ip_address} ({self.mac_address})"


class IpState(models.TextChoices):
    FREE = "Free"
    ALLOCATED = "Allocated"


class VlanIpRange(CloudObject):
    """A range of a zone's public addresses (createVlanIpRange), on its VLAN ("untagged" or a
    VLAN id); its addresses are PublicIpAddress rows."""

    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="vlan_ranges")
    start_ip = models.GenericIPAddressField(protocol="IPv4")
    end_ip = models.GenericIPAddressField(protocol="IPv4")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    vlan = models.CharField(max_length=64, default="untagged")

    def __str__(self):
        return f"{self.start_ip}-{self.end_ip}"


class PublicIpAddress(CloudObject):
    """An address of a zone's public range; Free until an account associates it."""

    zone = models.ForeignKey("fabric.Zone", on_delete=models.PROTECT, related_name="public_ips")
    vlan_range = models.ForeignKey(VlanIpRange, null=True, blank=True, on_delete=models.PROTECT, related_name="addresses")
    address = models.GenericIPAddressField(protocol="IPv4")
    gateway = models.GenericIPAddressField(protocol="IPv4")
    netmask = models.GenericIPAddressField(protocol="IPv4")
    state = models.CharField(max_length=16, choices=IpState.choices, default=IpState.FREE)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="public_ips")
    network = models.ForeignKey(GuestNetwork, null=True, blank=True, on_delete=models.PROTECT, related_name="public_ips")
    allocated = models.DateTimeField(null=True, blank=True)
    # one-to-one NAT of this address to a VM of its network (enableStaticNat)
    static_nat_vm = models.ForeignKey("compute.VirtualMachine", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="static_nat_ips")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["zone", "address"], name="public_ip_unique_in_zone")]

    def __str__(self):
        return self.address


class RuleState(models.TextChoices):
    ADD = "Add"
    ACTIVE = "Active"
    REVOKE = "Revoke"


class PortForwardingRule(CloudObject):
    ip = models.ForeignKey(PublicIpAddress, on_delete=models.CASCADE, related_name="port_forwards")
    vm = models.ForeignKey("compute.VirtualMachine", on_delete=models.CASCADE, related_name="port_forwards")
    protocol = models.CharField(max_length=8)
    public_port = models.PositiveIntegerField()
    public_end_port = models.PositiveIntegerField()
    private_port = models.PositiveIntegerField()
    private_end_port = models.PositiveIntegerField()
    cidr_list = models.CharField(max_length=1024, default="0.0.0.0/0")
    state = models.CharField(max_length=16, choices=RuleState.choices, default=RuleState.ADD)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")


class FirewallRule(CloudObject):
    ip = models.ForeignKey(PublicIpAddress, on_delete=models.CASCADE, related_name="firewall_rules")
    protocol = models.CharField(max_length=8)
    start_port = models.PositiveIntegerField(null=True, blank=True)
    end_port = models.PositiveIntegerField(null=True, blank=True)
    icmp_type = models.IntegerField(null=True, blank=True)
    icmp_code = models.IntegerField(null=True, blank=True)
    cidr_list = models.CharField(max_length=1024, default="0.0.0.0/0")
    state = models.CharField(max_length=16, choices=RuleState.choices, default=RuleState.ADD)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")


class EgressRule(CloudObject):
    """What a guest network's VMs may (or, with the offering's default egress policy
    "allow", may not) send out: createEgressFirewallRule."""

    network = models.ForeignKey(GuestNetwork, on_delete=models.CASCADE, related_name="egress_rules")
    protocol = models.CharField(max_length=8)
    start_port = models.PositiveIntegerField(null=True, blank=True)
    end_port = models.PositiveIntegerField(null=True, blank=True)
    icmp_type = models.IntegerField(null=True, blank=True)
    icmp_code = models.IntegerField(null=True, blank=True)
    cidr_list = models.CharField(max_length=1024, default="0.0.0.0/0", help_text="destinations")
    state = models.CharField(max_length=16, choices=RuleState.choices, default=RuleState.ADD)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")


class SecurityGroup(CloudObject):
    name = models.CharField(max_length=255)
    description = models.CharField(max_length=4096, blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="security_groups")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="security_group_unique_name_in_account")]

    def __str__(self):
        return self.name


class SecurityGroupRule(CloudObject):
    group = models.ForeignKey(SecurityGroup, on_delete=models.CASCADE, related_name="rules")
    direction = models.CharField(max_length=8, choices=[("ingress", "ingress"), ("egress", "egress")])
    protocol = models.CharField(max_length=8)
    start_port = models.IntegerField(null=True, blank=True)
    end_port = models.IntegerField(null=True, blank=True)
    icmp_type = models.IntegerField(null=True, blank=True)
    icmp_code = models.IntegerField(null=True, blank=True)
    cidr = models.CharField(max_length=64, blank=True)
