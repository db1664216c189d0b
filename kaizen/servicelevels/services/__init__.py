"""Service level management's journaled writes (see each module)."""

from kaizen.servicelevels.services.agreements import (
    do_add_terms,
    do_correct_terms,
    do_create_agreement,
    do_update_agreement,
)
from kaizen.servicelevels.services.parties import (
    do_create_customer,
    do_create_supplier,
    do_update_customer,
    do_update_supplier,
)

__all__ = [
    "do_add_terms",
    "do_correct_terms",
    "do_create_agreement",
    "do_create_customer",
    "do_create_supplier",
    "do_update_agreement",
    "do_update_customer",
    "do_update_supplier",
]
