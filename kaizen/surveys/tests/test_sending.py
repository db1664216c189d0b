"""Sending through the outbox: due invitations once, one reminder, expiry; a re-run sends
nothing twice."""

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller

from kaizen.notifications.delivery import deliver_notifications
from kaizen.notifications.models import Notification
from kaizen.notifications.tests.helpers import Inbox
from kaizen.surveys.models import Invitation
from kaizen.surveys.services.sending import do_send_surveys
from kaizen.surveys.tests.helpers import T0, make_survey, plan, requester, resolved_incident

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_it_sends_due_invitations_once_with_a_link_per_point(settings):
    settings.KAIZEN_SITE_URL = "https://kaizen.example"
    make_survey(delay_minutes=60)
    resolved_incident(requester("ann"))
    plan()
    assert do_send_surveys(now=T0 + dt.timedelta(minutes=30)).sent == 0  # delay not over
    run = do_send_surveys(now=T0 + dt.timedelta(hours=2))
    assert run.sent == 1
    assert do_send_surveys(now=T0 + dt.timedelta(hours=3)).sent == 0
    notification = Notification.objects.get(subject__icontains="how did we do")
    assert notification.address == "ann@example.com"
    links = [line for line in notification.text.splitlines() if "/surveys/a/" in line]
    assert [line.split(":")[0].strip() for line in links[:5]] == [
        "Very dissatisfied",
        "Dissatisfied",
        "Neutral",
        "Satisfied",
        "Very satisfied",
    ]
    assert all("https://kaizen.example/surveys/a/" in line for line in links)
    invitation = Invitation.objects.get()
    assert invitation.state == "sent" and invitation.sent_at == T0 + dt.timedelta(hours=2)


def test_one_reminder_at_most_and_unanswered_surveys_expire():
    make_survey(reminder_after_days=3, expiry_days=7)
    resolved_incident()
    plan()
    do_send_surveys(now=T0 + dt.timedelta(minutes=5))
    assert do_send_surveys(now=T0 + 2 * DAY).reminded == 0
    assert do_send_surveys(now=T0 + 3 * DAY + dt.timedelta(minutes=5)).reminded == 1
    assert do_send_surveys(now=T0 + 5 * DAY).reminded == 0
    assert Notification.objects.filter(subject__icontains="how did we do").count() == 2
    run = do_send_surveys(now=T0 + 8 * DAY)
    assert run.expired == 1
    invitation = Invitation.objects.get()
    assert invitation.state == "expired" and invitation.expired_at == T0 + 8 * DAY


def test_the_mail_goes_through_a_real_smtp_server_on_loopback(settings):
    """The outbox row is delivered by the notifications app's SMTP path to a real server
    listening on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        make_survey()
        resolved_incident(requester("bea"))
        plan()
        do_send_surveys(now=T0 + dt.timedelta(minutes=5))
        surveys = Notification.objects.filter(subject__icontains="how did we do").values_list(
            "pk", flat=True
        )
        assert deliver_notifications(list(surveys)) == 1
    finally:
        controller.stop()
    assert inbox.recipients == [["bea@example.com"]]
    message = inbox.messages[0]
    assert "How did we do?" in message["Subject"]
    assert "/surveys/a/" in message.get_body(("plain",)).get_content()
