"""An initiative started from a problem's page carries the problem's words, services and the
measured effect of its fix as evidence."""

import pytest

from kaizen.problems import hooks
from kaizen.problems.hooks import FixEffect
from kaizen.problems.models import State
from kaizen.problems.tests.factories import raise_problem, walk
from kaizen.testing import make_service

pytestmark = pytest.mark.django_db


def test_the_new_initiative_form_is_filled_from_the_problem(client, problem_manager, monkeypatch):
    mail = make_service("Mail", slug="mail")
    problem = raise_problem(problem_manager, statement="Mail bounces at peak", services=[mail])
    problem = walk(
        problem,
        State.ASSESSED,
        State.KNOWN_ERROR,
        State.FIX_IN_PROGRESS,
        State.RESOLVED,
        actor=problem_manager,
    )
    effect = FixEffect(
        summary="In the 8 weeks after the fix, 2 incidents against 24.", verdict="reduced"
    )
    monkeypatch.setattr(hooks, "fix_effect", lambda checked: effect if checked == problem else None)
    client.force_login(problem_manager)
    page = client.get(problem.get_absolute_url()).content.decode()
    assert f"/improvement/new/?problem={problem.number}" in page
    form = client.get(f"/improvement/new/?problem={problem.number}").context["form"]
    assert form.initial["title"] == "Prevent mail bounces at peak"
    assert (
        "Evidence: In the 8 weeks after the fix, 2 incidents against 24."
        in (form.initial["problem_statement"])
    )
    assert form.initial["origin"] == "problem"
    assert form.initial["origin_reference"] == problem.number
    assert form.initial["services"] == [mail.pk]
    # An unknown number leaves the form as it is.
    empty = client.get("/improvement/new/?problem=PRB404").context["form"]
    assert "problem_statement" not in empty.initial
