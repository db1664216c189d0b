"""Reading a raw message with Python's email package (policy=default): who sent it, what it
answers, its text and its files, or the reason it cannot be used."""

import hashlib
import re
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from inscriptis import get_text
from mailparser_reply import EmailReplyParser

# Defects after which the parts of a message cannot be trusted: the body or an attachment
# would be cut or merged with another part.
BROKEN_STRUCTURE = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.CloseBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.InvalidMultipartContentTransferEncodingDefect,
)
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl"]


class Unusable(Exception):
    """The message cannot become a ticket or comment; `reason` says why, for the admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message: EmailMessage
    sender: str
    sender_name: str
    subject: str
    text: str
    answers: list[str] = field(default_factory=list)  # In-Reply-To, then References newest first
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class Envelope:
    """What storing a message needs, read from its headers alone (never fails)."""

    identity: str
    message_id: str
    sender: str
    subject: str


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the default policy cannot fold into an object
        value = message.get_all(name, [""])[0] if message.get_all(name) else ""
    return " ".join(str(value or "").split())


def message_ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def envelope(raw: bytes) -> Envelope:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    ids = message_ids(_header(headers, "Message-ID"))
    message_id = ids[0][:255] if ids else ""
    identity = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    return Envelope(
        identity=identity,
        message_id=message_id,
        sender=sender_of(headers)[0][:254],
        subject=_header(headers, "Subject")[:300],
    )


def sender_of(message: EmailMessage) -> tuple[str, str]:
    """(address, display name) of From, the address lower-cased; ("", "") when unusable."""
    name, address = parseaddr(_header(message, "From"))
    address = address.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        return "", ""
    return address, name.strip()


def _check_structure(message: EmailMessage) -> None:
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, BROKEN_STRUCTURE):
                raise Unusable(f"malformed MIME: {type(defect).__name__} ({defect})")


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except LookupError as exc:
        raise Unusable(f"unknown charset {part.get_content_charset()!r}: {exc}") from exc
    except (ValueError, AssertionError) as exc:
        raise Unusable(f"unreadable {part.get_content_type()} part: {exc}") from exc


def html_to_text(html: str) -> str:
    """The text of an HTML body: inscriptis reads the markup (scripts and styles dropped), and
    nothing of it is ever rendered."""
    return get_text(html).strip()


def _body(message: EmailMessage) -> tuple[str, EmailMessage | None]:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", None
    content = _content(part)
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content.replace("\r\n", "\n").strip(), part


def _attachments(message: EmailMessage, body: EmailMessage | None) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        maintype = part.get_content_maintype()
        filename = part.get_filename()
        if maintype == "text" and not filename and not part.is_attachment():
            continue  # the other alternative of the body
        if maintype == "message":
            data = part.get_payload(0).as_bytes() if part.is_multipart() else b""
        else:
            data = part.get_payload(decode=True) or b""
        if not data:
            continue
        name = filename or f"attachment-{len(found) + 1}"
        found.append(Attachment(name=name, content_type=part.get_content_type(), data=data))
    return found


def parse(raw: bytes) -> ParsedMail:
    """The message's parts; Unusable when its structure is broken, a charset is unknown or
    there is no usable sender."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it still raises is malformed
        raise Unusable(f"malformed MIME: {exc}") from exc
    _check_structure(message)
    sender, name = sender_of(message)
    if not sender:
        raw_from = _header(message, "From") or "(none)"
        raise Unusable(f"no usable sender: From is {raw_from[:200]!r}")
    text, body = _body(message)
    answers = message_ids(_header(message, "In-Reply-To"))
    answers += [ref for ref in reversed(message_ids(_header(message, "References")))]
    return ParsedMail(
        message=message,
        sender=sender,
        sender_name=name,
        subject=_header(message, "Subject"),
        text=text,
        answers=list(dict.fromkeys(answers)),
        attachments=_attachments(message, body),
    )


def new_text(text: str) -> str:
    """A reply's own words: the quoted history and the signature cut off (mail-parser-reply).
    The whole text when nothing would be left."""
    try:
        replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text).replies
    except Exception:
        return text
    own = replies[0].body.strip() if replies else ""
    return own or text
