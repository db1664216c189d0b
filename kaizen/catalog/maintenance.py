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

_providers: list[WindowProvider] = []


def register_maintenance_windows(provider: WindowProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def maintenance_windows(service: Service, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """The service's maintenance windows overlapping [start, end), merged; none when no app
    keeps them."""
    return merged(interval for provider in _providers for interval in provider(service, start, end))
