"""Building OLAs and contracts for the chain, attribution and page tests."""

import datetime as dt
from typing import Any

from kaizen.servicelevels.models import Agreement, Supplier
from kaizen.servicelevels.services import do_create_agreement


def commitment(
    owner: Any,
    party: Any,
    calendar: Any,
    services: list[Any],
    *,
    minutes: int,
    name: str,
    metric: str = "resolution",
    priority: int | None = 1,
    attainment: int = 95,
    status: str = "active",
) -> Agreement:
    """An OLA (`party` a team) or an underpinning contract (`party` a supplier) in force from
    1 Jan 2026 on `calendar`, committing `minutes` to one target."""
    who = {"supplier": party} if isinstance(party, Supplier) else {"provider_team": party}
    return do_create_agreement(
        actor=owner,
        kind="uc" if isinstance(party, Supplier) else "ola",
        name=name,
        owner=owner,
        starts_on=dt.date(2026, 1, 1),
        calendar=calendar,
        services=services,
        status=status,
        targets=[
            {
                "metric": metric,
                "priority": priority,
                "minutes": minutes,
                "attainment_percent": attainment,
            }
        ],
        **who,
    )
