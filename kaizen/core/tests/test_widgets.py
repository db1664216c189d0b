"""Selects formatted in Python: model choice lists read once per page, never shown stale."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kaizen.core.widgets import FastSelect, share_model_choices
from kaizen.people.models import Team, User
from kaizen.testing import make_user

pytestmark = pytest.mark.django_db


def agents():
    return (
        User.objects.filter(kind="agent", is_active=True)
        .only("id", "username", "first_name", "last_name")
        .order_by("username")
    )


class FilterForm(forms.Form):
    """Like a filter bar: teams by slug, agents by id."""

    team = forms.ModelChoiceField(
        Team.objects.all(), to_field_name="slug", empty_label="Any team", widget=FastSelect
    )
    agent = forms.ModelChoiceField(agents(), empty_label="Anyone", widget=FastSelect)


class AssignForm(forms.Form):
    """Like the bulk bar: the same agents, its own empty choice."""

    agent = forms.ModelChoiceField(agents(), empty_label="Nobody", widget=FastSelect)


class ManagedTeamField(forms.ModelChoiceField):
    def label_from_instance(self, team: Team) -> str:
        manager = team.manager.username if team.manager_id else "no manager"
        return f"{team.name} ({manager})"


class ManagedTeamForm(forms.Form):
    team = ManagedTeamField(Team.objects.all(), widget=FastSelect)


def rendered(form: forms.Form, name: str) -> str:
    return str(form[name])


@pytest.fixture
def people():
    ada = make_user("ada", first_name="Ada", last_name="Lovelace", kind="agent")
    bob = make_user("bob", first_name="", kind="agent")
    make_user("carol", first_name="Carol", kind="requester")
    desk = Team.objects.create(name="Service <Desk>", slug="desk", manager=ada)
    return ada, bob, desk


def test_each_list_is_read_once_per_page_with_each_field_s_own_values_and_labels(people):
    ada, bob, desk = people
    filters = FilterForm({"team": "desk", "agent": str(bob.pk)})
    assert filters.is_valid()  # as a filter bar is, before it is shown
    assign = AssignForm()
    with CaptureQueriesContext(connection) as captured:
        share_model_choices(filters, assign)
        pages = [rendered(filters, "team"), rendered(filters, "agent"), rendered(assign, "agent")]
    # Teams once, agents once (shared by both forms), nothing more while rendering.
    assert len(captured.captured_queries) == 2
    team_select, agent_filter, agent_assign = pages
    assert team_select.endswith(
        '<option value="">Any team</option>'
        '<option value="desk" selected>Service &lt;Desk&gt;</option></select>'
    )
    assert agent_filter.endswith(
        f'<option value="">Anyone</option><option value="{ada.pk}">Ada Lovelace</option>'
        f'<option value="{bob.pk}" selected>bob</option></select>'
    )
    assert agent_assign.endswith(
        f'<option value="" selected>Nobody</option><option value="{ada.pk}">Ada Lovelace</option>'
        f'<option value="{bob.pk}">bob</option></select>'
    )
    assert "carol" not in agent_filter  # a requester is not an agent


def test_a_renamed_or_new_person_shows_on_the_next_page(people):
    ada, _, _ = people

    def page() -> str:
        form = AssignForm()
        share_model_choices(form)
        return rendered(form, "agent")

    assert ">Ada Lovelace<" in page()
    ada.last_name = "King"
    ada.save()
    assert ">Ada King<" in page() and "Lovelace" not in page()
    dan = make_user("dan", first_name="Dan", kind="agent")
    assert f'<option value="{dan.pk}">Dan</option>' in page()


def test_a_label_read_from_another_table_follows_that_table(people):
    ada, bob, desk = people
    first = ManagedTeamForm()
    share_model_choices(first)
    assert ">Service &lt;Desk&gt; (ada)<" in rendered(first, "team")

    # The team's own row is unchanged; only its manager's is.
    User.objects.filter(pk=ada.pk).update(username="ada.k")
    second = ManagedTeamForm()
    share_model_choices(second)
    assert ">Service &lt;Desk&gt; (ada.k)<" in rendered(second, "team")


def test_the_same_rows_under_another_label_rule_get_their_own_labels(people):
    plain = FilterForm()
    managed = ManagedTeamForm()
    share_model_choices(plain, managed)
    assert ">Service &lt;Desk&gt;<" in rendered(plain, "team")
    assert ">Service &lt;Desk&gt; (ada)<" in rendered(managed, "team")


def test_an_empty_query_offers_only_the_empty_choice(people):
    form = AssignForm()
    form.fields["agent"].queryset = User.objects.none()
    share_model_choices(form)
    assert rendered(form, "agent").endswith('<option value="" selected>Nobody</option></select>')
