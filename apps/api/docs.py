"""The query API's reference, written from the command registry (the same declarations that
validate requests and answer listApis)."""
from apps.core.registry import DOMAIN_ADMIN, PUBLIC, REGISTRY, ROOT_ADMIN, USER

WHO = {ROOT_ADMIN: "root admin", DOMAIN_ADMIN: "domain admin", USER: "any user",
       PUBLIC: "anyone, without a session or a signature"}


def markdown():
    lines = ["# Javelin query API: commands", "", f"{len(REGISTRY)} commands, from `apps/api/registry.py` declarations.", ""]
    for cmd in sorted(REGISTRY.values(), key=lambda c: c.name):
        kind = "async" if cmd.is_async else "sync"
        lines += [f"## {cmd.name}", "", f"{cmd.description}", "", f"*{kind}; {WHO[cmd.access]}*"
                  + (f"; event `{cmd.event[0]}`" if cmd.event else "")
                  + (f"; answers `{', '.join(cmd.response)}`" if cmd.response else ""), ""]
        if cmd.params:
            lines += ["| parameter | type | required | description |", "|---|---|---|---|"]
            lines += [f"| {p.name} | {p.type} | {'yes' if p.required else ''} | {p.description} |" for p in cmd.params]
            lines.append("")
    return "\n".join(lines)
