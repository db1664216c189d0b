"""The filters of the received mail list (the page and the API)."""

import django_filters
from django.db.models import QuerySet

from kaizen.core.filtering import search_terms
from kaizen.mailin.models import InboundMessage, Mailbox, MessageState


class InboundMessageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    state = django_filters.ChoiceFilter(choices=MessageState.choices, label="State")
    mailbox = django_filters.ModelChoiceFilter(queryset=Mailbox.objects.all(), label="Mailbox")

    class Meta:
        model = InboundMessage
        fields = ["q", "state", "mailbox"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(
            queryset, ("subject", "sender", "reason", "message_id", "ticket_number"), value
        )


class MailboxFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Mailbox
        fields = ["q", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_terms(queryset, ("name", "address", "host"), value)
