"""The priority matrix page: agents read it, the incident process owner and manager set it."""

import pytest

from kaizen.incidents import services
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

URL = "/incidents/priority-matrix/"


def cells(**changes):
    data = {f"cell_{i}_{u}": str(p) for (i, u), p in services.matrix_cells().items()}
    data.update(changes)
    return data


def test_it_shows_agents_the_matrix_read_only(web, agent):
    page = web(agent).get(URL).content.decode()
    assert "Priority matrix" in page and "1 - Critical" in page and "5 - Planning" in page
    assert "Save matrix" not in page
    assert web(agent).post(URL, cells(cell_1_1="2")).status_code == 403
    assert services.matrix_cells()[(1, 1)] == 1


def test_it_refuses_the_matrix_to_requesters(web, requester):
    assert web(requester).get(URL).status_code == 403


def test_it_lets_the_incident_manager_change_it(web, incident_manager):
    client = web(incident_manager)
    assert 'name="cell_2_2"' in client.get(URL).content.decode()
    response = client.post(URL, cells(cell_2_2="2"), follow=True)
    assert "Priority matrix saved: 1 cell changed." in response.content.decode()
    assert services.matrix_cells()[(2, 2)] == 2
    event = JournalEvent.objects.get(event_type="incidents.priority_matrix.changed")
    assert event.actor == incident_manager and event.changes == {"priority": {"old": 3, "new": 2}}


def test_it_names_a_bad_cell(web, incident_manager):
    response = web(incident_manager).post(URL, cells(cell_3_1="9"))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert services.matrix_cells()[(3, 1)] == 3
