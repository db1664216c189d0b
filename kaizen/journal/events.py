"""Every kind of event the journal records, in one list.

Names are `<app>.<record>.<what happened>`. Later processes (incidents, SLA clocks, ...) add
their own members here, so consumers (the audit view, replay, the analytics sync) have one
place to learn what can appear.
"""

from django.db import models


class EventType(models.TextChoices):
    # people
    USER_CREATED = "people.user.created", "User created"
    USER_UPDATED = "people.user.updated", "User updated"
    USER_PASSWORD_CHANGED = "people.user.password_changed", "Password changed"
    TEAM_CREATED = "people.team.created", "Team created"
    TEAM_UPDATED = "people.team.updated", "Team updated"
    TEAM_MEMBER_ADDED = "people.team.member_added", "Team member added"
    TEAM_MEMBER_REMOVED = "people.team.member_removed", "Team member removed"
    PROCESS_ROLE_GRANTED = "people.role.granted", "Process role granted"
    PROCESS_ROLE_REVOKED = "people.role.revoked", "Process role revoked"
    API_TOKEN_CREATED = "people.token.created", "API token created"
    API_TOKEN_REVOKED = "people.token.revoked", "API token revoked"
    # catalog
    SERVICE_CREATED = "catalog.service.created", "Service created"
    SERVICE_UPDATED = "catalog.service.updated", "Service updated"
    SERVICE_LIFECYCLE_CHANGED = "catalog.service.lifecycle_changed", "Service lifecycle changed"
    SERVICE_DEPENDENCY_ADDED = "catalog.service.dependency_added", "Service dependency added"
    SERVICE_DEPENDENCY_REMOVED = "catalog.service.dependency_removed", "Service dependency removed"
    OFFERING_CREATED = "catalog.offering.created", "Offering created"
    OFFERING_UPDATED = "catalog.offering.updated", "Offering updated"
    CI_CREATED = "catalog.ci.created", "Configuration item created"
    CI_UPDATED = "catalog.ci.updated", "Configuration item updated"
