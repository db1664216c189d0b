"""A service's announced maintenance windows, asked without importing the app that keeps them.

Change enablement keeps the windows (its change calendar); availability needs them to decide
whether planned work counts against a service's agreed availability (it does only outside an
announced window). The app that keeps them registers a provider here from its
AppConfig.ready(); a reader asks by service and period and gets merged intervals."""

import datetime as dt
from collections.abc import Callable

from kaizen.catalog.models import Service
from kaizen.core.intervals import Interval, merged

WindowProvider = Callable[[Service, dt.datetime, dt.datetime], list[Interval]]
# The same for several services at once (one query instead of one per service), by service id.
ServicesWindowProvider = Callable[
    [list[Service], dt.datetime, dt.datetime], dict[int, list[Interval]]
]

_providers: list[WindowProvider] = []
_services_providers: dict[WindowProvider, ServicesWindowProvider] = {}


def register_maintenance_windows(
    provider: WindowProvider, *, of_services: ServicesWindowProvider | None = None
) -> None:
    """`provider` gives one service's windows; `of_services`, when given, those of several
    services at once (what maintenance_windows_of asks)."""
    if provider not in _providers:
        _providers.append(provider)
    if of_services is not None:
        _services_providers[provider] = of_services


def maintenance_windows(service: Service, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The service's maintenance windows overlapping [start, end), merged; none when no app
    keeps them."""
    return merged(interval for provider in _providers for interval in provider(service, start, end))


def maintenance_windows_of(
    services: list[Service], start: dt.datetime, end: dt.datetime
) -> dict[int, list[Interval]]:
    """maintenance_windows of each of `services`, by service id, read together."""
    found: dict[int, list[Interval]] = {service.pk: [] for service in services}
    for provider in _providers:
        of_services = _services_providers.get(provider)
        if of_services is None:
            for service in services:
                found[service.pk] += provider(service, start, end)
        elif services:
            for service_id, intervals in of_services(services, start, end).items():
                found[service_id] += intervals
    return {service_id: merged(intervals) for service_id, intervals in found.items()}
