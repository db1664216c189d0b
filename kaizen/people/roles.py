"""What a person is called by the roles they hold: the badge beside their name in the header.

An administrator is "Administrator" and a requester "Requester". An agent is called by their
most senior process role (owner, then manager, then CAB member; in the order of the processes),
"+N" telling how many more such roles they hold, or "Agent" when they only practise. The badge
lists every role in full.
"""

from dataclasses import dataclass

from kaizen.people.models import Process, Role, User
from kaizen.people.permissions import is_admin, is_agent, roles_of

# What people in the organisation call each process when they name a role in it.
SHORT_NAMES = {
    Process.INCIDENT: "Incident",
    Process.PROBLEM: "Problem",
    Process.CHANGE: "Change",
    Process.REQUEST: "Request",
    Process.SERVICE_LEVEL: "Service level",
    Process.CATALOG: "Catalogue",
    Process.IMPROVEMENT: "CSI",
}
SENIORITY = [Role.OWNER, Role.MANAGER, Role.CAB_MEMBER, Role.PRACTITIONER]
PROCESS_ORDER = list(Process)


@dataclass(frozen=True)
class RoleBadge:
    label: str  # "CSI manager", "Incident manager +1", "Agent"
    tone: str  # the Bootstrap colour: dark (administrator), primary (agent), secondary
    roles: tuple[str, ...]  # every process role held, most senior first


TITLES = {
    Role.OWNER: "{process} process owner",
    Role.MANAGER: "{process} manager",
    Role.CAB_MEMBER: "CAB member",
    Role.PRACTITIONER: "{process} practitioner",
}


def role_title(process: Process, role: Role) -> str:
    return TITLES[role].format(process=SHORT_NAMES[process])


def role_badge(user: User) -> RoleBadge:
    if is_admin(user):
        return RoleBadge("Administrator", "dark", ())
    if not is_agent(user):
        return RoleBadge("Requester", "secondary", ())
    held = sorted(
        ((Process(process), Role(role)) for process, role in roles_of(user)),
        key=lambda pair: (SENIORITY.index(pair[1]), PROCESS_ORDER.index(pair[0])),
    )
    titles = tuple(role_title(process, role) for process, role in held)
    leading = [role_title(process, role) for process, role in held if role != Role.PRACTITIONER]
    if not leading:
        return RoleBadge("Agent", "primary", titles)
    more = f" +{len(leading) - 1}" if len(leading) > 1 else ""
    return RoleBadge(leading[0] + more, "primary", titles)
