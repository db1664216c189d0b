"""/api/v1/priority-matrix/: agents read it; the incident process owner and manager change it."""

import pytest

from kaizen.incidents import services
from kaizen.journal.models import JournalEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/priority-matrix/"


def all_cells(**overrides) -> list[dict]:
    cells = services.matrix_cells()
    cells.update(overrides)
    return [{"impact": i, "urgency": u, "priority": p} for (i, u), p in sorted(cells.items())]


def test_it_answers_401_403_for_anonymous_and_requesters(api, requester):
    assert api().get(URL).status_code == 401
    assert api(requester).get(URL).status_code == 403


def test_it_shows_agents_the_matrix(api, agent):
    cells = api(agent).get(URL).json()["cells"]
    assert len(cells) == 9 and cells[0] == {"impact": 1, "urgency": 1, "priority": 1}
    assert cells[-1] == {"impact": 3, "urgency": 3, "priority": 5}


def test_it_refuses_changes_by_agents_without_the_role(api, agent):
    response = api(agent).patch(URL, {"cells": [{"impact": 1, "urgency": 1, "priority": 2}]})
    assert response.status_code == 403
    assert services.matrix_cells()[(1, 1)] == 1


def test_it_lets_the_incident_manager_patch_some_cells_and_journals_them(api, incident_manager):
    response = api(incident_manager).patch(
        URL, {"cells": [{"impact": 3, "urgency": 3, "priority": 4}]}
    )
    assert response.status_code == 200, response.json()
    assert {"impact": 3, "urgency": 3, "priority": 4} in response.json()["cells"]
    event = JournalEvent.objects.get(event_type="incidents.priority_matrix.changed")
    assert event.actor == incident_manager and event.data == {"impact": 3, "urgency": 3}


def test_it_puts_the_whole_matrix(api, incident_manager):
    cells = all_cells()
    cells[4]["priority"] = 2  # impact 2, urgency 2
    response = api(incident_manager).put(URL, {"cells": cells})
    assert response.status_code == 200
    assert services.matrix_cells()[(2, 2)] == 2


@pytest.mark.parametrize(
    ("method", "cells"),
    [
        ("put", [{"impact": 1, "urgency": 1, "priority": 1}]),
        ("patch", [{"impact": 1, "urgency": 1, "priority": 9}]),
        ("patch", [{"impact": 4, "urgency": 1, "priority": 1}]),
        (
            "patch",
            [
                {"impact": 1, "urgency": 1, "priority": 1},
                {"impact": 1, "urgency": 1, "priority": 2},
            ],
        ),
    ],
)
def test_it_answers_400_on_cells(api, incident_manager, method, cells):
    response = getattr(api(incident_manager), method)(URL, {"cells": cells})
    assert response.status_code == 400
    assert list(response.json()) == ["cells"], response.json()
