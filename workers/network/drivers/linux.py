"""The Linux data plane: a bridge per guest network, a network namespace as its virtual
router, nftables inside the router for NAT and filtering.

For guest network ``k`` of zone ``z``::

    guests (VM taps, or test namespaces) ── jvbr<k> ── jvg<k> ═ veth ═ "guest"  ┐
                                                  (root namespace)              │ namespace jvr<k>:
                                                                                │ gateway address on "guest",
    upstream: namespace jvz<z>, bridge "pub" with ── jvp<k> ═ veth ═ "public"   ┘ public IPs on "public",
    the zone's public gateway address                                             nftables table "javelin"

The router forwards between "guest" and "public" only as its ruleset allows: replies,
egress (all, or the egress rules), port forwards and static NAT from the public side for
the sources their rules allow, source NAT of the guests to the network's first public IP.
Two networks meet only on the upstream bridge, where no private address is routed, so their
guests cannot reach each other. Every call takes the network's whole desired state
(:class:`workers.network.plan.NetworkPlan`) and converges to it: applying it twice is the
same as once. :meth:`destroy` removes the bridge, the namespace (and with it its veths and
rules) and nothing else.
"""
import logging
import subprocess

from django.conf import settings

from apps.core.errors import ResourceUnavailable

from .base import NetworkDriver

log = logging.getLogger(__name__)
TABLE = "javelin"


class CommandFailed(ResourceUnavailable):
    pass


def run(*args, ns=None, stdin=None, check=True):
    command = (["ip", "netns", "exec", ns] if ns else []) + [str(a) for a in args]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=30)
    if check and result.returncode:
        raise CommandFailed(f"{' '.join(command)}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def netns_exists(name):
    return name in {line.split()[0] for line in run("ip", "netns", "list").stdout.splitlines() if line.strip()}


def link_exists(name, ns=None):
    return run("ip", "link", "show", "dev", name, ns=ns, check=False).returncode == 0


def addresses(dev, ns=None):
    out = run("ip", "-o", "-4", "addr", "show", "dev", dev, ns=ns).stdout
    return {line.split()[3] for line in out.splitlines()}


class LinuxDriver(NetworkDriver):
    def __init__(self, prefix=None):
        self.prefix = prefix or settings.DATAPLANE_PREFIX  # tests use their own: never the platform's

    # -- names (interface names are 15 characters at most) --------------------------------
    def router(self, plan):
        return f"{self.prefix}r{plan.id}"

    def upstream(self, plan):
        return f"{self.prefix}z{plan.zone_id}"

    @staticmethod
    def bridge(plan):
        return plan.bridge

    # -- the interface --------------------------------------------------------------------
    def implement(self, plan):
        router, bridge = self.router(plan), self.bridge(plan)
        self._namespace(router)
        run("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=router)
        if not link_exists(bridge):
            run("ip", "link", "add", bridge, "type", "bridge")
        run("ip", "link", "set", bridge, "up")
        guest_end = f"{self.prefix}g{plan.id}"
        if not link_exists("guest", ns=router):
            run("ip", "link", "del", guest_end, check=False)  # half of an interrupted earlier try
            run("ip", "link", "add", guest_end, "type", "veth", "peer", "name", "guest", "netns", router)
        run("ip", "link", "set", guest_end, "master", bridge, "up")
        run("ip", "link", "set", "guest", "up", ns=router)
        self._addresses("guest", router, {f"{plan.gateway}/{plan.prefix}"})
        if plan.public_ips:
            self._public_side(plan)
        elif link_exists("public", ns=router):
            run("ip", "link", "del", "public", ns=router)  # the veth pair goes with it
        run("nft", "-f", "-", ns=router, stdin=ruleset(plan))
        if plan.members:
            run("nft", "-f", "-", stdin=security_ruleset(self.sg_table(plan), bridge, plan.members))
        else:
            run("nft", "delete", "table", "bridge", self.sg_table(plan), check=False)

    def sg_table(self, plan):
        return f"{self.prefix}sg{plan.id}"

    def destroy(self, plan):
        run("nft", "delete", "table", "bridge", self.sg_table(plan), check=False)
        router, bridge = self.router(plan), self.bridge(plan)
        if netns_exists(router):
            run("ip", "netns", "del", router)  # its veths (both ends) and its ruleset go with it
        if link_exists(bridge):
            run("ip", "link", "del", bridge)
        run("ip", "link", "del", f"{self.prefix}g{plan.id}", check=False)

    def destroy_zone(self, zone_id):
        name = f"{self.prefix}z{zone_id}"
        if netns_exists(name):
            run("ip", "netns", "del", name)

    # -- parts ----------------------------------------------------------------------------
    @staticmethod
    def _namespace(name):
        if not netns_exists(name):
            run("ip", "netns", "add", name)
        run("ip", "link", "set", "lo", "up", ns=name)

    def _public_side(self, plan):
        router, upstream = self.router(plan), self.upstream(plan)
        self._namespace(upstream)
        if not link_exists("pub", ns=upstream):
            run("ip", "link", "add", "pub", "type", "bridge", ns=upstream)
        run("ip", "link", "set", "pub", "up", ns=upstream)
        gateway = f"{plan.public_gateway}/{plan.public_prefix}"
        if gateway not in addresses("pub", ns=upstream):
            run("ip", "addr", "add", gateway, "dev", "pub", ns=upstream)
        public_end = f"{self.prefix}p{plan.id}"
        if not link_exists("public", ns=router):
            run("ip", "link", "del", public_end, ns=upstream, check=False)
            run("ip", "link", "add", "public", "netns", router, "type", "veth", "peer", "name", public_end,
                "netns", upstream)
        run("ip", "link", "set", public_end, "master", "pub", "up", ns=upstream)
        run("ip", "link", "set", "public", "up", ns=router)
        self._addresses("public", router, {f"{ip}/{plan.public_prefix}" for ip in plan.public_ips})
        run("ip", "route", "replace", "default", "via", plan.public_gateway, "dev", "public", ns=router)

    @staticmethod
    def _addresses(dev, ns, wanted):
        have = addresses(dev, ns=ns)
        for extra in have - wanted:
            run("ip", "addr", "del", extra, "dev", dev, ns=ns)
        for missing in sorted(wanted - have):
            run("ip", "addr", "add", missing, "dev", dev, ns=ns)


def _set(values):
    values = list(values)
    return values[0] if len(values) == 1 else "{ " + ", ".join(values) + " }"


def _sources(cidrs):
    cidrs = [c for c in cidrs if c]
    return "" if not cidrs or "0.0.0.0/0" in cidrs else f"ip saddr {_set(cidrs)} "


def _ports(first, last):
    if first is None:
        return ""
    return f"{first}" if last in (None, first) else f"{first}-{last}"


def _match(protocol, ports, original=False):
    """The protocol (and destination ports) part of a rule; ``original``: the ports as the
    client sent them, before a port forward changed them (conntrack's original tuple)."""
    if protocol in ("tcp", "udp"):
        span = _ports(*ports)
        if not span:
            return f"meta l4proto {protocol} "
        return f"meta l4proto {protocol} ct original proto-dst {span} " if original else f"{protocol} dport {span} "
    if protocol == "icmp":
        return "meta l4proto icmp "
    return ""


def ruleset(plan):
    """The router's nftables table for ``plan`` (replacing any earlier one atomically)."""
    nat_pre, nat_post, forward = [], [], ["ct state established,related accept", "ct state invalid drop"]
    for public, private in plan.static_nat:
        nat_pre.append(f"iifname \"public\" ip daddr {public} dnat to {private}")
        nat_post.append(f"oifname \"public\" ip saddr {private} snat to {public}")
    for rule in plan.port_forwards:
        (pub_first, pub_last), (prv_first, prv_last) = rule.public_ports, rule.private_ports
        if (pub_first, pub_last) == (prv_first, prv_last):
            target = rule.private_ip
        elif pub_last - pub_first == prv_last - prv_first:
            mapping = ", ".join(f"{pub_first + i} : {prv_first + i}" for i in range(pub_last - pub_first + 1))
            target = f"{rule.private_ip} : {rule.protocol} dport map {{ {mapping} }}" if pub_last > pub_first else \
                f"{rule.private_ip}:{prv_first}"
        else:
            raise ValueError(f"port ranges {rule.public_ports} and {rule.private_ports} differ in length")
        nat_pre.append(f"iifname \"public\" ip daddr {rule.public_ip} {_sources(rule.cidrs)}"
                       f"{rule.protocol} dport {_ports(pub_first, pub_last)} dnat to {target}")
    if plan.public_ips:
        nat_post.append(f"oifname \"public\" ip saddr {plan.cidr} snat to {plan.public_ips[0]}")
    # What may come in from outside is what the firewall rules of the public IPs allow, matched
    # on the address and port the client used (a port forward or static NAT only translates).
    for rule in plan.firewall:
        forward.append(f"iifname \"public\" ct original ip daddr {rule.public_ip} {_sources(rule.cidrs)}"
                       f"{_match(rule.protocol, rule.ports, original=True)}accept")
    # egress: with a default of allow the egress rules say what is denied, else what is allowed
    verdict = "drop" if plan.egress_default_allow else "accept"
    for rule in plan.egress:
        forward.append(f"iifname \"guest\" oifname \"public\" {_match(rule.protocol, rule.ports)}"
                       f"{_destinations(rule.cidrs)}{verdict}")
    if plan.egress_default_allow:
        forward.append("iifname \"guest\" oifname \"public\" accept")
    body = "\n".join([
        f"table ip {TABLE} {{",
        "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;",
        *(f"    {r}" for r in nat_pre), "  }",
        "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;",
        *(f"    {r}" for r in nat_post), "  }",
        "  chain forward { type filter hook forward priority filter; policy drop;",
        *(f"    {r}" for r in forward), "  }",
        "}",
    ])
    # create-then-delete makes the delete safe on a first run; all of it is one transaction
    return f"table ip {TABLE} {{}}\ndelete table ip {TABLE}\n{body}\n"


def _destinations(cidrs):
    cidrs = [c for c in cidrs if c]
    return "" if not cidrs or "0.0.0.0/0" in cidrs else f"ip daddr {_set(cidrs)} "



# Replies pass without conntrack: this kernel has no connection tracking on bridges
# (nf_conntrack_bridge), so the filter is stateless: a TCP segment other than a first SYN,
# an ICMP message other than an echo request, are parts of a conversation already allowed.
REPLIES = ("ether type ip tcp flags & (syn | ack) != syn", "ether type ip icmp type != echo-request")


def security_ruleset(table, bridge, members):
    """Security groups on a shared network's bridge (nftables' bridge family, in the host's
    namespace): what each member VM may start sending (egress chain) and receiving (ingress
    chain), matched on its MAC (unique in the cloud); ARP and replies pass; other traffic
    on the bridge is not touched."""
    egress, ingress = [], []
    for m in members:
        if m.egress:
            for rule in m.egress:
                egress.append(f"ether saddr {m.mac} {_l3(rule)}{_destinations(rule.cidrs)}return")
            egress += [f"ether saddr {m.mac} {reply} return" for reply in REPLIES]
            egress.append(f"ether saddr {m.mac} drop")
        for rule in m.ingress:
            ingress.append(f"ether daddr {m.mac} {_l3(rule)}{_sources(rule.cidrs)}accept")
        ingress += [f"ether daddr {m.mac} {reply} accept" for reply in REPLIES]
        ingress.append(f"ether daddr {m.mac} drop")
    lines = [
        f"table bridge {table} {{",
        f"  # security groups of the VMs on {bridge}",
        "  chain forward { type filter hook forward priority filter; policy accept;",
        "    ether type arp accept",
        "    jump egress",
        "    jump ingress",
        "  }",
        "  chain egress {", *(f"    {r}" for r in egress), "  }",
        "  chain ingress {", *(f"    {r}" for r in ingress), "  }",
        "}",
    ]
    return f"table bridge {table} {{}}\ndelete table bridge {table}\n" + "\n".join(lines) + "\n"


def _l3(rule):
    """``ip`` and the protocol/ports of a security group rule (bridge family: say it is IPv4)."""
    if rule.protocol in ("tcp", "udp"):
        span = _ports(*rule.ports)
        return f"ether type ip {rule.protocol} dport {span} " if span else f"ether type ip meta l4proto {rule.protocol} "
    if rule.protocol == "icmp":
        return "ether type ip meta l4proto icmp "
    return "ether type ip "
