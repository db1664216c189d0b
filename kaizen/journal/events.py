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
    USER_SIGNED_IN = "people.user.signed_in", "Signed in"
    USER_SIGNIN_FAILED = "people.user.signin_failed", "Sign-in failed"
    USER_LOCKED_OUT = "people.user.locked_out", "Sign-in locked out"
    TOKEN_REFUSED = "people.token.refused", "API token refused"
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
    LOCATION_CREATED = "catalog.location.created", "Location created"
    # incidents: `changes` of incident events always carries every changed field with its old
    # and new value, and the created event every initial field, so SLA clocks and KPI facts can
    # be rebuilt from the journal alone.
    INCIDENT_CREATED = "incidents.incident.created", "Incident opened"
    INCIDENT_UPDATED = "incidents.incident.updated", "Incident updated"
    INCIDENT_ASSIGNED = "incidents.incident.assigned", "Incident assigned"
    INCIDENT_STATE_CHANGED = "incidents.incident.state_changed", "Incident state changed"
    INCIDENT_ON_HOLD_REASON_CHANGED = (
        "incidents.incident.on_hold_reason_changed",
        "On-hold reason changed",
    )
    INCIDENT_COMMENTED = "incidents.incident.commented", "Comment added"
    INCIDENT_WORK_NOTE_ADDED = "incidents.incident.work_note_added", "Work note added"
    INCIDENT_ATTACHMENT_ADDED = "incidents.incident.attachment_added", "Attachment added"
    CATEGORY_CREATED = "incidents.category.created", "Category created"
    CATEGORY_UPDATED = "incidents.category.updated", "Category updated"
    PRIORITY_MATRIX_CHANGED = "incidents.priority_matrix.changed", "Priority matrix changed"
    # changes (kaizen.changes): as for incidents, `changes` of change events carries every
    # changed field with its old and new value (affected services and CIs as lists), and the
    # created event every initial field.
    CHANGE_CREATED = "changes.change.created", "Change raised"
    CHANGE_UPDATED = "changes.change.updated", "Change updated"
    CHANGE_STATE_CHANGED = "changes.change.state_changed", "Change state changed"
    CHANGE_COMMENTED = "changes.change.commented", "Comment added"
    CHANGE_WORK_NOTE_ADDED = "changes.change.work_note_added", "Work note added"
    CHANGE_ATTACHMENT_ADDED = "changes.change.attachment_added", "Attachment added"
    CHANGE_AUTHORISED = "changes.change.authorised", "Change authorised"
    CHANGE_REJECTED = "changes.change.rejected", "Change rejected"
    CHANGE_REVIEWED = "changes.change.reviewed", "Post-implementation review recorded"
    CHANGE_WORK_DETECTED = "changes.change.work_detected", "Work seen on its configuration item"
    CAUSED_INCIDENT_PROPOSED = "changes.caused_incident.proposed", "Caused incident proposed"
    CAUSED_INCIDENT_DECIDED = "changes.caused_incident.decided", "Caused incident decided"
    CHANGE_CATEGORY_CREATED = "changes.category.created", "Change category created"
    CHANGE_CATEGORY_UPDATED = "changes.category.updated", "Change category updated"
    CHANGE_TEMPLATE_PROPOSED = "changes.template.proposed", "Standard change proposed"
    CHANGE_TEMPLATE_DECIDED = "changes.template.decided", "Standard change decided"
    CHANGE_TEMPLATE_RETIRED = "changes.template.retired", "Standard change retired"
    # changes: authorisation by the CAB (kaizen/changes/services/approvals.py, meetings.py)
    CHANGE_APPROVAL_POLICY_CREATED = "changes.approval_policy.created", "Approval policy created"
    CHANGE_APPROVAL_POLICY_UPDATED = "changes.approval_policy.updated", "Approval policy updated"
    CHANGE_AUTHORISATION_REQUESTED = (
        "changes.change.authorisation_requested",
        "Authorisation requested",
    )
    CHANGE_VOTE_CAST = "changes.change.vote_cast", "Vote cast"
    CHANGE_AUTHORISATION_ESCALATED = (
        "changes.change.authorisation_escalated",
        "Authorisation escalated",
    )
    CHANGE_AUTHORISATION_WITHDRAWN = (
        "changes.change.authorisation_withdrawn",
        "Authorisation request withdrawn",
    )
    APPROVAL_DELEGATED = "changes.delegation.created", "Approvals delegated"
    APPROVAL_DELEGATION_REVOKED = "changes.delegation.revoked", "Delegation revoked"
    CAB_SCHEDULE_CREATED = "changes.cab_schedule.created", "CAB schedule created"
    CAB_SCHEDULE_UPDATED = "changes.cab_schedule.updated", "CAB schedule updated"
    CAB_MEETING_CREATED = "changes.cab_meeting.created", "CAB meeting planned"
    CAB_MEETING_UPDATED = "changes.cab_meeting.updated", "CAB meeting updated"
    CAB_AGENDA_ITEM_ADDED = "changes.cab_meeting.agenda_item_added", "Change put on the agenda"
    CAB_AGENDA_ITEM_DECIDED = "changes.cab_meeting.agenda_item_decided", "Agenda item decided"
    # changes: the change calendar (kaizen/changes/services/calendar.py, conflicts.py)
    CHANGE_WINDOW_CREATED = "changes.window.created", "Change window created"
    CHANGE_WINDOW_UPDATED = "changes.window.updated", "Change window updated"
    CHANGE_WINDOW_DELETED = "changes.window.deleted", "Change window deleted"
    CHANGE_CONFLICT_ACKNOWLEDGED = "changes.change.conflict_acknowledged", "Conflict acknowledged"
    CALENDAR_FEED_CREATED = "changes.calendar_feed.created", "Calendar feed address created"
    CALENDAR_FEED_REVOKED = "changes.calendar_feed.revoked", "Calendar feed address revoked"
    # changes: risk (kaizen/changes/services/risk.py)
    CHANGE_RISK_ANSWERED = "changes.risk.answered", "Risk questionnaire answered"
    CHANGE_RISK_ASSESSED = "changes.risk.assessed", "Risk estimate recorded"
    RISK_QUESTIONNAIRE_PUBLISHED = (
        "changes.risk_questionnaire.published",
        "Risk questionnaire published",
    )
    # problems (kaizen/problems/services/): the subject is the problem, the known error or the
    # candidate; linking is journaled on the problem and on the incident it links
    PROBLEM_CREATED = "problems.problem.created", "Problem raised"
    PROBLEM_UPDATED = "problems.problem.updated", "Problem updated"
    PROBLEM_STATE_CHANGED = "problems.problem.state_changed", "Problem state changed"
    PROBLEM_COMMENTED = "problems.problem.commented", "Comment added"
    PROBLEM_WORK_NOTE_ADDED = "problems.problem.work_note_added", "Work note added"
    PROBLEM_ATTACHMENT_ADDED = "problems.problem.attachment_added", "Attachment added"
    PROBLEM_INCIDENT_LINKED = "problems.problem.incident_linked", "Incident linked"
    PROBLEM_INCIDENT_UNLINKED = "problems.problem.incident_unlinked", "Incident unlinked"
    INCIDENT_PROBLEM_LINKED = "problems.incident.linked", "Linked to a problem"
    INCIDENT_PROBLEM_UNLINKED = "problems.incident.unlinked", "Unlinked from a problem"
    PROBLEM_LINKED_INCIDENTS_RESOLVED = (
        "problems.problem.linked_incidents_resolved",
        "Linked incidents resolved with the problem",
    )
    KNOWN_ERROR_CREATED = "problems.knownerror.created", "Known error recorded"
    KNOWN_ERROR_UPDATED = "problems.knownerror.updated", "Known error updated"
    KNOWN_ERROR_APPLIED = "problems.knownerror.applied", "Known error applied to an incident"
    KNOWN_ERROR_PUBLISHED = "problems.knownerror.published", "Known error published"
    KNOWN_ERROR_RETIRED = "problems.knownerror.retired", "Known error retired"
    INCIDENT_KNOWN_ERROR_APPLIED = "problems.incident.known_error_applied", "Known error applied"
    PROBLEM_CANDIDATE_FOUND = "problems.candidate.found", "Problem candidate found"
    PROBLEM_CANDIDATE_ACCEPTED = "problems.candidate.accepted", "Problem candidate accepted"
    PROBLEM_CANDIDATE_DISMISSED = "problems.candidate.dismissed", "Problem candidate dismissed"
    PROBLEM_RISK_REVIEW_DUE = "problems.problem.risk_review_due", "Accepted risk due for review"
    # SLA engine
    CALENDAR_CREATED = "sla.calendar.created", "Business calendar created"
    CALENDAR_UPDATED = "sla.calendar.updated", "Business calendar updated"
    SLA_DEFINITION_CREATED = "sla.definition.created", "SLA definition created"
    SLA_DEFINITION_UPDATED = "sla.definition.updated", "SLA definition updated"
    SLA_CLOCK_WARNING = "sla.clock.warning", "SLA warning threshold reached"
    SLA_CLOCK_BREACHED = "sla.clock.breached", "SLA breached"
    SLA_ESCALATED = "sla.clock.escalated", "SLA escalation action taken"
    SLA_RECOMPUTED = "sla.recomputed", "SLA clocks recomputed"
    # KPIs and measurements (kaizen.kpis): the collection's subject is its MeasurementRun, the
    # external points' subject the upload (API call or CSV file) that delivered them.
    CUSTOM_KPI_CREATED = "kpis.custom_kpi.created", "Custom KPI created"
    CUSTOM_KPI_UPDATED = "kpis.custom_kpi.updated", "Custom KPI updated"
    MEASUREMENTS_COLLECTED = "kpis.measurements.collected", "KPI measurements collected"
    EXTERNAL_POINTS_RECORDED = "kpis.external_points.recorded", "External KPI data recorded"
    # continual improvement (kaizen.improvement): the subject is the goal, the initiative or
    # the opportunity; step outputs (KPIs, assessments, analyses, baselines, decisions,
    # actions, evaluations) are journaled on their initiative, with the row's id in `data`.
    GOAL_CREATED = "improvement.goal.created", "Goal created"
    GOAL_UPDATED = "improvement.goal.updated", "Goal updated"
    INITIATIVE_CREATED = "improvement.initiative.created", "Improvement initiative created"
    INITIATIVE_UPDATED = "improvement.initiative.updated", "Improvement initiative updated"
    INITIATIVE_STEP_CHANGED = "improvement.initiative.step_changed", "Improvement step changed"
    INITIATIVE_KPI_ADDED = "improvement.kpi.added", "KPI chosen for an initiative"
    INITIATIVE_KPI_UPDATED = "improvement.kpi.updated", "Initiative KPI updated"
    INITIATIVE_KPI_REMOVED = "improvement.kpi.removed", "KPI removed from an initiative"
    ASSESSMENT_COMPUTED = "improvement.assessment.computed", "Data assessment computed"
    GAP_UPDATED = "improvement.gap.updated", "Measurement gap updated"
    CLEANING_RULE_ADDED = "improvement.cleaning_rule.added", "Cleaning rule added"
    CLEANING_RULE_REMOVED = "improvement.cleaning_rule.removed", "Cleaning rule removed"
    ANALYSIS_COMPUTED = "improvement.analysis.computed", "KPI analysed"
    BASELINE_RECORDED = "improvement.baseline.recorded", "Baseline recorded"
    DECISION_RECORDED = "improvement.decision.recorded", "Decision recorded"
    REPORT_SHARED = "improvement.report.shared", "Report link created"
    REPORT_UNSHARED = "improvement.report.unshared", "Report link revoked"
    ACTION_CREATED = "improvement.action.created", "Corrective action created"
    ACTION_UPDATED = "improvement.action.updated", "Corrective action updated"
    EVALUATION_RECORDED = "improvement.evaluation.recorded", "Improvement evaluated"
    CYCLE_OPENED = "improvement.initiative.cycle_opened", "Next improvement cycle opened"
    OPPORTUNITY_DETECTED = "improvement.opportunity.detected", "Improvement opportunity found"
    OPPORTUNITY_UPDATED = "improvement.opportunity.updated", "Improvement opportunity updated"
    OPPORTUNITY_DISMISSED = "improvement.opportunity.dismissed", "Opportunity dismissed"
    OPPORTUNITY_REOPENED = "improvement.opportunity.reopened", "Opportunity reopened"
    # availability
    OUTAGE_RECORDED = "availability.outage.recorded", "Outage recorded"
    OUTAGE_PROPOSED = "availability.outage.proposed", "Outage proposed"
    OUTAGE_UPDATED = "availability.outage.updated", "Outage updated"
    OUTAGE_CONFIRMED = "availability.outage.confirmed", "Outage confirmed"
    OUTAGE_DISMISSED = "availability.outage.dismissed", "Outage dismissed"
    OUTAGE_ENDED = "availability.outage.ended", "Outage ended"
    AVAILABILITY_TARGET_SET = "availability.target.set", "Availability target set"
    # service level management
    CUSTOMER_CREATED = "servicelevels.customer.created", "Customer created"
    CUSTOMER_UPDATED = "servicelevels.customer.updated", "Customer updated"
    SUPPLIER_CREATED = "servicelevels.supplier.created", "Supplier created"
    SUPPLIER_UPDATED = "servicelevels.supplier.updated", "Supplier updated"
    AGREEMENT_CREATED = "servicelevels.agreement.created", "Agreement created"
    AGREEMENT_UPDATED = "servicelevels.agreement.updated", "Agreement updated"
    AGREEMENT_TERMS_CREATED = "servicelevels.terms.created", "Agreement version made"
    AGREEMENT_TERMS_UPDATED = "servicelevels.terms.updated", "Agreement version changed"
    REVIEW_SCHEDULED = "servicelevels.review.scheduled", "Service review scheduled"
    REVIEW_UPDATED = "servicelevels.review.updated", "Service review updated"
    REVIEW_HELD = "servicelevels.review.held", "Service review held"
    REVIEW_CANCELLED = "servicelevels.review.cancelled", "Service review cancelled"
    REVIEW_ACTION_ADDED = "servicelevels.review_action.added", "Review action agreed"
    REVIEW_ACTION_UPDATED = "servicelevels.review_action.updated", "Review action updated"
    REPORT_LINK_CREATED = "servicelevels.report_link.created", "Report link shared"
    REPORT_LINK_REVOKED = "servicelevels.report_link.revoked", "Report link withdrawn"
    # service requests (kaizen.requests): the subject is the request type, the request or the
    # fulfilment task; approval decisions are journaled on their request, with the step and the
    # vote in `data`.
    REQUEST_TYPE_CREATED = "requests.type.created", "Request type created"
    REQUEST_TYPE_UPDATED = "requests.type.updated", "Request type updated"
    REQUEST_FORM_CHANGED = "requests.type.form_changed", "Request form changed"
    REQUEST_APPROVAL_STEPS_SET = "requests.type.approval_steps_set", "Approval steps changed"
    REQUEST_TASK_TEMPLATES_SET = "requests.type.task_templates_set", "Fulfilment tasks changed"
    REQUEST_SUBMITTED = "requests.request.submitted", "Request submitted"
    REQUEST_UPDATED = "requests.request.updated", "Request updated"
    REQUEST_STATE_CHANGED = "requests.request.state_changed", "Request state changed"
    REQUEST_COMMENTED = "requests.request.commented", "Comment added"
    REQUEST_WORK_NOTE_ADDED = "requests.request.work_note_added", "Work note added"
    REQUEST_ATTACHMENT_ADDED = "requests.request.attachment_added", "Attachment added"
    REQUEST_APPROVAL_REQUESTED = "requests.approval.requested", "Approval requested"
    REQUEST_APPROVAL_VOTED = "requests.approval.voted", "Approver decided"
    REQUEST_APPROVAL_CONCLUDED = "requests.approval.concluded", "Approval step decided"
    REQUEST_TASK_CREATED = "requests.task.created", "Fulfilment task created"
    REQUEST_TASK_UPDATED = "requests.task.updated", "Fulfilment task updated"
    REQUEST_TASK_STATE_CHANGED = "requests.task.state_changed", "Fulfilment task state changed"
    REQUEST_TASK_COMMENTED = "requests.task.work_note_added", "Task work note added"
    # imports
    IMPORT_RUN_FINISHED = "imports.run.finished", "Import finished"
    # notifications (the subject is the person whose preferences changed)
    NOTIFICATION_OPTED_OUT = "notifications.preference.opted_out", "Notification category off"
    NOTIFICATION_OPTED_IN = "notifications.preference.opted_in", "Notification category on"
    # inbound mail (kaizen.mailin): a message's events carry its Message-ID and the ticket it
    # opened or updated, written in the transaction that wrote the ticket.
    MAILBOX_CREATED = "mailin.mailbox.created", "Mailbox added"
    MAILBOX_UPDATED = "mailin.mailbox.updated", "Mailbox changed"
    MAIL_PROCESSED = "mailin.message.processed", "E-mail processed"
    MAIL_SET_ASIDE = "mailin.message.set_aside", "E-mail not processed"
    MAIL_IGNORED = "mailin.message.ignored", "E-mail ignored"
    MAIL_REPROCESS_REQUESTED = "mailin.message.reprocess_requested", "E-mail to be processed again"


def event_type_choices() -> list[tuple[str, str]]:
    """For the model field: a callable, so adding an event type needs no migration."""
    return EventType.choices
