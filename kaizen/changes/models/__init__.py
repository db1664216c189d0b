"""Change enablement's records, one module per part of the process: the change requests
themselves and their standard templates (records), the authorisation by the change advisory
board (cab), the change calendar with its windows and conflicts (calendar), and the risk
assessment (risk)."""

from kaizen.changes.models.cab import *  # noqa: F403
from kaizen.changes.models.calendar import *  # noqa: F403
from kaizen.changes.models.records import *  # noqa: F403
from kaizen.changes.models.risk import *  # noqa: F403
