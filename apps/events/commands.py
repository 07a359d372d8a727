"""Query-API commands for events."""
from apps.accounts.selectors import restrict
from apps.core.formats import compact, cs_date
from apps.core.listing import PAGING, filtered, list_response, own_unless_listall
from apps.core.registry import ROOT_ADMIN, Param, command

from .models import Alert, AlertType, Event


def event_response(event):
    account = event.account
    return compact(
        {
            "id": event.uuid_str,
            "type": event.type,
            "level": event.level,
            "state": event.state,
            "description": event.description,
            "username": event.user.username if event.user_id else None,
            "account": account.name if account else None,
            "domainid": account.domain.uuid_str if account else None,
            "domain": account.domain.name if account else None,
            "resourcetype": event.resource_type or None,
            "resourceid": str(event.resource_uuid) if event.resource_uuid else None,
            "created": cs_date(event.created),
        }
    )


@command("listEvents", params=(Param("id", "uuid"), Param("type"), Param("level"), Param("startdate", "date"),
                                Param("enddate", "date"), Param("account"), Param("domainid", "uuid"),
                                Param("listall", "boolean"), *PAGING),
         description="A command to list events.", cmd_class="org.apache.cloudstack.api.command.user.event.ListEventsCmd",
         response=("event",))
def list_events(call):
    events = restrict(Event.objects.select_related("account__domain", "user").order_by("-id"), call.caller)
    events = own_unless_listall(events, call)
    events = filtered(events, call, {"id": "uuid", "type": "type", "level": "level", "account": "account__name", "domainid": "account__domain__uuid"})
    if "startdate" in call.params:
        events = events.filter(created__date__gte=call.get("startdate"))
    if "enddate" in call.params:
        events = events.filter(created__date__lte=call.get("enddate"))
    if "keyword" in call.params:
        events = events.filter(description__icontains=call.get("keyword"))
    return list_response(call, events, "event", event_response)


def alert_response(alert):
    return compact(
        {
            "id": alert.uuid_str,
            "type": alert.type,
            "name": f"ALERT.{AlertType(alert.type).name}",
            "description": alert.subject,
            "sent": cs_date(alert.created),
            "zoneid": alert.zone.uuid_str if alert.zone_id else None,
            "hostid": alert.host.uuid_str if alert.host_id else None,
        }
    )


@command("listAlerts", params=(Param("id", "uuid"), Param("type", "integer"), Param("name"), *PAGING), access=ROOT_ADMIN,
         description="Lists all alerts.", cmd_class="org.apache.cloudstack.api.command.admin.resource.ListAlertsCmd",
         response=("alert",))
def list_alerts(call):
    alerts = Alert.objects.filter(archived=False).select_related("zone", "host").order_by("-id")
    alerts = filtered(alerts, call, {"id": "uuid", "type": "type"})
    if "name" in call.params:
        wanted = call.get("name").upper().removeprefix("ALERT.")
        alerts = alerts.filter(type__in=[t.value for t in AlertType if t.name == wanted])
    if "keyword" in call.params:
        alerts = alerts.filter(subject__icontains=call.get("keyword"))
    return list_response(call, alerts, "alert", alert_response)
