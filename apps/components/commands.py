"""listComponents: the live component processes, from service discovery."""
from apps.core.formats import compact, cs_date
from apps.core.listing import PAGING, filtered, list_response
from apps.core.registry import ROOT_ADMIN, Param, command

from .services import live


def component_response(component):
    return compact(
        {
            "name": component.name,
            "node": component.node,
            "host": component.host,
            "pid": component.pid,
            "queues": component.queues,
            "version": component.version,
            "endpoint": component.endpoint or None,
            "started": cs_date(component.started),
            "lastheartbeat": cs_date(component.last_heartbeat),
            "tasksdone": component.tasks_done,
            "taskseconds": round(component.task_seconds, 4) if component.task_seconds is not None else None,
        }
    )


@command("listComponents", params=(Param("name"), Param("host"), *PAGING), access=ROOT_ADMIN,
         description="Lists the live component processes of the platform (service discovery)",
         cmd_class="org.javelin.api.command.admin.ListComponentsCmd", response=("component",))
def list_components(call):
    return list_response(call, filtered(live(), call, {"name": "name", "host": "host"}), "component", component_response)
