"""Priority from impact and urgency through the configurable matrix."""

import pytest
from django.core.exceptions import ValidationError

from kaizen.incidents import services
from kaizen.incidents.models import PriorityMatrix
from kaizen.incidents.tests.helpers import make_incident
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

STANDARD = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 5,
}  # fmt: skip


def test_it_seeds_the_standard_matrix():
    assert services.matrix_cells() == STANDARD


@pytest.mark.parametrize(("cell", "priority"), sorted(STANDARD.items()))
def test_it_derives_the_priority_when_opening(cell, priority):
    impact, urgency = cell
    assert make_incident(impact=impact, urgency=urgency).priority == priority


def test_it_defaults_to_low_impact_low_urgency_planning():
    incident = make_incident()
    assert (incident.impact, incident.urgency, incident.priority) == (3, 3, 5)


def test_it_changes_cells_and_journals_each_changed_one(incident_manager):
    changed = services.do_update_priority_matrix(
        {(1, 2): 1, (2, 2): 3, (3, 3): 4}, actor=incident_manager
    )
    assert [(row.impact, row.urgency, row.priority) for row in changed] == [(1, 2, 1), (3, 3, 4)]
    events = list(JournalEvent.objects.filter(event_type="incidents.priority_matrix.changed"))
    assert [(e.changes, e.data, e.actor) for e in events] == [
        ({"priority": {"old": 2, "new": 1}}, {"impact": 1, "urgency": 2}, incident_manager),
        ({"priority": {"old": 5, "new": 4}}, {"impact": 3, "urgency": 3}, incident_manager),
    ]


def test_it_applies_the_new_matrix_to_new_and_re_evaluated_incidents(incident):
    services.do_update_priority_matrix({(2, 2): 2, (1, 2): 1}, actor=None)
    assert make_incident(impact=2, urgency=2).priority == 2
    incident.refresh_from_db()
    assert incident.priority == 3  # kept until its impact or urgency changes
    services.do_update_incident(incident, actor=None, expected_version=1, impact=1)
    assert incident.priority == 1


@pytest.mark.parametrize("cells", [{(4, 1): 1}, {(1, 1): 6}, {(0, 2): 2}])
def test_it_refuses_cells_outside_the_matrix(cells):
    with pytest.raises(ValidationError) as caught:
        services.do_update_priority_matrix(cells, actor=None)
    assert "cells" in caught.value.error_dict
    assert services.matrix_cells() == STANDARD


def test_it_names_a_missing_cell_on_impact():
    PriorityMatrix.objects.filter(impact=2, urgency=2).delete()
    with pytest.raises(ValidationError) as caught:
        make_incident(impact=2, urgency=2)
    assert "no cell for impact 2, urgency 2" in caught.value.message_dict["impact"][0]
