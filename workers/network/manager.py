"""Networking component logic: the data service's rules, applied by the data plane driver."""
from apps.network import services
from apps.network.models import (
    FirewallRule,
    PortForwardingRule,
    PublicIpAddress,
    RuleState,
)

from .drivers import driver


def apply_public_ip(ip):
    """Apply everything ``ip`` should have (rules being revoked left out), then settle them."""
    live = {"state__in": [RuleState.ADD, RuleState.ACTIVE]}
    driver().apply_public_ip(
        ip,
        list(PortForwardingRule.objects.filter(ip=ip, **live).select_related("vm").prefetch_related("vm__nics")),
        list(FirewallRule.objects.filter(ip=ip, **live)),
    )
    services.settle_rules(ip)


def release_public_ip(ip):
    driver().release_public_ip(ip)
    services.release_public_ip(ip)


def apply_security_group(group):
    driver().apply_security_group(group, list(group.rules.all()))


def delete_network(network):
    for ip in PublicIpAddress.objects.filter(network=network):
        driver().release_public_ip(ip)
    services.delete_network(network)
