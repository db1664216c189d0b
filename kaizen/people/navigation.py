"""Teams, people and the administration site in the side navigation."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.people.permissions import can_view_people, is_admin

register_nav_entry(NavEntry("Teams", "people:team_list", "bi-people", 70, can_view_people))
register_nav_entry(
    NavEntry("People", "people:user_list", "bi-person-lines-fill", 80, can_view_people)
)
register_nav_entry(NavEntry("Administration", "admin:index", "bi-gear", 120, is_admin))
