"""Query-API commands about the cloud as a whole, across its domains."""
from apps.accounts import services as accounts
from apps.accounts.models import Account
from apps.accounts.selectors import domains_visible_to
from apps.core.errors import ParamError
from apps.core.listing import PAGING, by_id
from apps.core.registry import DOMAIN_ADMIN, ROOT_ADMIN, Param, command
from apps.fabric import services as fabric
from apps.fabric.models import Cluster, Pod, Zone
from apps.fabric.responses import capacity_response
from apps.jobs import services as jobs
from apps.network import services as network


@command("listCapacity", params=(Param("zoneid", "uuid"), Param("podid", "uuid"), Param("clusterid", "uuid"),
                                 Param("type", "integer"), Param("fetchlatest", "boolean", description="recompute the figures first (they are always computed as asked here)"), *PAGING),
         access=ROOT_ADMIN, description="Lists all the system wide capacities.",
         cmd_class="org.apache.cloudstack.api.command.admin.resource.ListCapacityCmd", response=("capacity",))
def list_capacity(call):
    """Per zone: memory, CPU and storage (of one pod or cluster when given), then public and
    guest addresses (zone-wide)."""
    zones = Zone.objects.order_by("id")
    pod = by_id(call, Pod.objects.select_related("zone"), "podid") if "podid" in call.params else None
    cluster = by_id(call, Cluster.objects.select_related("zone"), "clusterid") if "clusterid" in call.params else None
    if pod or cluster:
        zones = zones.filter(pk=(pod or cluster).zone_id)
    if "zoneid" in call.params:
        zones = zones.filter(uuid=call.get("zoneid"))
    rows = [row for zone in zones for row in fabric.capacity(zone, pod, cluster) + network.address_capacity(zone)]
    rows = [r for r in rows if "type" not in call.params or r["type"] == call.get("type")]
    return {"count": len(rows), "capacity": [capacity_response(r) for r in rows]} if rows else {}


@command("deleteDomain", params=(Param("id", "uuid", required=True),
                                 Param("cleanup", "boolean", description="its accounts (with all they hold) and "
                                                                         "subdomains too")),
         access=DOMAIN_ADMIN, is_async=True, description="Deletes a domain: an empty one, or with cleanup everything in it",
         response=("domain",), cmd_class="org.apache.cloudstack.api.command.admin.domain.DeleteDomainCmd",
         event=("DOMAIN.DELETE", "deleting Domain"))
def delete_domain(call):
    domain = by_id(call, domains_visible_to(call.caller))
    accounts.check_domain_deletable(domain, call.caller)
    if call.get("cleanup"):  # a flow: each account through deleteAccount, then the domains
        jobs.run_flow(call.job, "Domain", domain)
        return {"jobid": call.job.uuid_str}
    accounts.delete_domain(domain)
    return call.done({"success": "true"})


@command("deleteAccount", params=(Param("id", "uuid", required=True),), is_async=True, access=DOMAIN_ADMIN,
         description="Deletes an account with everything it holds: its VMs, volumes, snapshots, templates, public "
                     "IPs and networks go through their own jobs, then its users",
         cmd_class="org.apache.cloudstack.api.command.admin.account.DeleteAccountCmd",
         event=("ACCOUNT.DELETE", "deleting account"))
def delete_account(call):
    account = by_id(call, Account.objects.present().filter(domain__in=domains_visible_to(call.caller)))
    if account.pk == call.caller.account.pk:
        raise ParamError("An account cannot delete itself")
    if account.name == "admin" and account.domain.parent_id is None:
        raise ParamError("The default admin account cannot be deleted")
    jobs.run_flow(call.job, "Account", account)
    return {"jobid": call.job.uuid_str}


from . import metrics  # noqa: E402,F401 - the metrics views declare themselves
