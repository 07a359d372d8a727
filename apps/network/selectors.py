from django.db.models import Q

from apps.accounts.selectors import restrict

from .models import (
    EgressRule,
    FirewallRule,
    GuestNetwork,
    PortForwardingRule,
    PublicIpAddress,
    SecurityGroup,
)


def networks_visible_to(caller):
    """Zone-wide shared networks, plus the isolated networks the caller may see."""
    networks = GuestNetwork.objects.filter(removed__isnull=True).select_related("zone", "network_offering", "account__domain")
    own = restrict(networks.filter(account__isnull=False), caller)
    return networks.filter(Q(account__isnull=True) | Q(pk__in=own.values("pk"))).order_by("id")


def public_ips_visible_to(caller):
    allocated = PublicIpAddress.objects.filter(state="Allocated").select_related("zone", "network", "account__domain",
                                                                                 "static_nat_vm")
    return restrict(allocated, caller).order_by("id")


def port_forwards_visible_to(caller):
    rules = PortForwardingRule.objects.select_related("ip__network", "ip__zone", "vm", "account")
    return restrict(rules, caller).exclude(state="Revoke").order_by("id")


def firewall_rules_visible_to(caller):
    return restrict(FirewallRule.objects.select_related("ip__network", "account"), caller).exclude(state="Revoke").order_by("id")


def egress_rules_visible_to(caller):
    return restrict(EgressRule.objects.select_related("network", "account"), caller).exclude(state="Revoke").order_by("id")


def security_groups_visible_to(caller):
    groups = SecurityGroup.objects.select_related("account__domain").prefetch_related("rules")
    return restrict(groups, caller).order_by("id")
