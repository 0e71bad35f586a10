"""Answering-service messages that arrive by email: a parser for one plain email message
(the stdlib email package), forgiving about the layout answering services use.

Most services send one message per email with labelled lines:

    Caller: Jane Doe
    Phone: (303) 555-0147
    Account: 1000000017
    Message: No heat since this morning, please call back.

Labels are matched case-insensitively with common variants (Name/From/Caller,
Phone/Callback/Call back/Number, Account/Acct, Message/Msg/Reason). Without labels the
first phone-looking number in the text is the callback number and the whole text is the
message.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from email.utils import parsedate_to_datetime

from django.utils import timezone

from .services import AnsweringMessage

LABELS = {
    "caller_name": ("caller", "name", "from", "caller name", "customer"),
    "callback_number": ("phone", "callback", "call back", "callback number", "number", "tel"),
    "account_number": ("account", "acct", "account number", "account #", "acct #"),
    "body": ("message", "msg", "reason", "details", "notes"),
}
_LINE = re.compile(r"^\s*([A-Za-z #]{2,20}?)\s*[:\-]\s*(.*)$")
_PHONE = re.compile(r"(\+?1?[\s.\-(]*\d{3}[\s.\-)]*\d{3}[\s.\-]*\d{4})")


def _label_of(word: str) -> str | None:
    word = word.strip().lower()
    for field, names in LABELS.items():
        if word in names:
            return field
    return None


def _text_of(message) -> str:
    if message.is_multipart():
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = part.get_content()
    else:
        content = message.get_content()
    if "<" in content and ">" in content and message.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    return content


def parse_answering_email(raw: bytes) -> AnsweringMessage:
    """One answering-service message from the bytes of an email (.eml)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = _text_of(message).replace("\r\n", "\n")
    found: dict[str, str] = {}
    body_lines: list[str] = []
    in_body = False
    for line in text.split("\n"):
        match = _LINE.match(line)
        field = _label_of(match.group(1)) if match else None
        if field and not (in_body and field != "body"):
            if field == "body":
                in_body = True
                body_lines.append(match.group(2).strip())
            elif field not in found:
                found[field] = match.group(2).strip()
        elif in_body:
            body_lines.append(line.strip())
    body = "\n".join(body_lines).strip() or text.strip()
    if "callback_number" not in found:
        phone = _PHONE.search(text)
        if phone:
            found["callback_number"] = phone.group(1).strip()
    try:
        received = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        received = None
    message_id = (message["Message-ID"] or "").strip("<> ")
    if not message_id:
        # No id: the content is the identity, so the same email fed twice is one message.
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = (message["Subject"] or "").strip()
    return AnsweringMessage(
        message_id=message_id,
        received_at=received or timezone.now(),
        caller_name=found.get("caller_name", "")[:200],
        callback_number=found.get("callback_number", "")[:60],
        account_number=re.sub(r"\D", "", found.get("account_number", ""))[:20],
        body=(f"{subject}\n{body}" if subject and subject not in body else body)[:10_000],
    )
