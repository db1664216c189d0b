"""`kaizen mail load-mbox`: an mbox file and a Maildir folder through the same pipeline."""

import mailbox as mailboxes

import pytest
from django.core.management import CommandError, call_command

from kaizen.incidents.models import Incident, IncidentComment
from kaizen.mailin.tests.conftest import mail

pytestmark = pytest.mark.django_db


def test_an_mbox_file_is_loaded_once(tmp_path, mailbox, requester, capsys):
    path = tmp_path / "support.mbox"
    box = mailboxes.mbox(path)
    box.add(mail(message_id="<m1@client.example.com>"))
    box.add(mail(subject="Re: [INC0000001] jam", text="Fixed by itself."))
    box.add(mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}))
    box.close()
    call_command("mail", "load-mbox", str(path), "--mailbox", "Support")
    assert capsys.readouterr().out.strip() == f"3 messages from {path}: 1 ignored, 2 processed"
    call_command("mail", "load-mbox", str(path), "--mailbox", "Support")
    assert Incident.objects.count() == 1
    assert IncidentComment.objects.get().body == "Fixed by itself."


def test_a_maildir_is_loaded(tmp_path, mailbox, requester, capsys):
    box = mailboxes.Maildir(tmp_path / "Maildir")
    box.add(mail())
    box.close()
    call_command("mail", "load-mbox", str(tmp_path / "Maildir"), "--mailbox", "Support")
    assert Incident.objects.count() == 1


def test_an_unknown_mailbox_is_named(tmp_path, mailbox):
    (tmp_path / "x.mbox").write_text("")
    with pytest.raises(CommandError, match="no mailbox is called 'Nope' \\(mailboxes: Support\\)"):
        call_command("mail", "load-mbox", str(tmp_path / "x.mbox"), "--mailbox", "Nope")
