"""Availability's journaled writes (see each module)."""

from kaizen.availability.services.monitoring import do_monitoring_signal
from kaizen.availability.services.outages import (
    do_confirm_outage,
    do_dismiss_outage,
    do_end_outage,
    do_propose_outage,
    do_record_outage,
    do_update_outage,
)
from kaizen.availability.services.targets import do_set_availability_target

__all__ = [
    "do_confirm_outage",
    "do_dismiss_outage",
    "do_end_outage",
    "do_monitoring_signal",
    "do_propose_outage",
    "do_record_outage",
    "do_set_availability_target",
    "do_update_outage",
]
