from django.apps import AppConfig


class MailinConfig(AppConfig):
    name = "kaizen.mailin"
    label = "mailin"
    verbose_name = "Inbound e-mail"

    def ready(self) -> None:
        from kaizen.journal.verify import FoldedKind, register
        from kaizen.mailin import threading
        from kaizen.mailin.services.mailboxes import MAILBOXES

        # What `kaizen journal verify` folds and compares (kaizen/journal/verify.py).
        register(FoldedKind("mailin.mailbox", MAILBOXES))
        # Outgoing ticket mail also names the caller's own message it answers.
        threading.register()
