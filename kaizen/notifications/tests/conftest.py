"""A real SMTP server on loopback, message templates, and ways to run Huey in tests."""

import socket
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from huey.contrib.djhuey import HUEY
from huey.storage import MemoryStorage

from kaizen.notifications.tests.helpers import Inbox, queue_storage

TEMPLATES = {
    "notifications/test_update.subject.txt": "[Kaizen] {{ title }}\n  changed\n",
    "notifications/test_update.txt": (
        "Hello {{ recipient.first_name }},\n{{ title }}: {{ note }}\n"
        "{{ site_url }}/incidents/7/\nAt {{ when|date:'H:i e' }}\n"
    ),
    "notifications/test_update.html": (
        "<p>Hello {{ recipient.first_name }}, <b>{{ title }}</b>: {{ note }}</p>"
    ),
    "notifications/test_plain.subject.txt": "Plain {{ title }}",
    "notifications/test_plain.txt": "Only text for {{ recipient.username }}",
}


@pytest.fixture
def mail_templates(settings):
    """The test templates above in front of the project's own loaders."""
    engine = settings.TEMPLATES[0]
    loaders = [
        ("django.template.loaders.locmem.Loader", TEMPLATES),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [
        {**engine, "APP_DIRS": False, "OPTIONS": {**engine["OPTIONS"], "loaders": loaders}}
    ]


@pytest.fixture
def smtp_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_settings(settings, smtp_port, mail_templates):
    """Django's SMTP backend pointed at smtp_port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Kaizen <kaizen@example.com>"


@pytest.fixture
def start_smtp(smtp_settings, smtp_port) -> Iterator[Callable[[], Inbox]]:
    """`start_smtp()` starts a real SMTP server on smtp_port and returns its inbox."""
    controllers = []

    def start() -> Inbox:
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        controllers.append(controller)
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def inbox(start_smtp) -> Inbox:
    return start_smtp()


@pytest.fixture(autouse=True)
def held_tasks() -> Iterator[None]:
    """Tasks a test enqueues wait in a throwaway queue unless the test runs them (with
    immediate_tasks or a consumer), whatever KAIZEN_TASK_QUEUE says."""
    with queue_storage(MemoryStorage("kaizen-test")):
        yield


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    """Huey runs each task in this process as soon as it is enqueued (after commit)."""
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was
