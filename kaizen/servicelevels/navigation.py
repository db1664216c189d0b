"""Service level agreements (with customers and suppliers) in the side navigation: agents."""

from kaizen.core.navigation import NavEntry, register_nav_entry
from kaizen.servicelevels.permissions import can_view_agreements

register_nav_entry(
    NavEntry(
        "Agreements",
        "servicelevels:agreement_list",
        "bi-file-earmark-check",
        43,
        can_view_agreements,
        children=(
            ("Service reviews", "servicelevels:review_list"),
            ("Customers", "servicelevels:customer_list"),
            ("Suppliers", "servicelevels:supplier_list"),
        ),
    )
)
