"""Problem management: problems, the known-error database and the candidates found in the
incident data. Only kaizen.problems.services writes these rows, each write journaled."""

from kaizen.problems.models.candidates import *  # noqa: F403
from kaizen.problems.models.candidates import __all__ as _candidates
from kaizen.problems.models.known_errors import *  # noqa: F403
from kaizen.problems.models.known_errors import __all__ as _known_errors
from kaizen.problems.models.records import *  # noqa: F403
from kaizen.problems.models.records import __all__ as _records

__all__ = [*_records, *_known_errors, *_candidates]
