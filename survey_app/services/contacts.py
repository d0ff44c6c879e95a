"""The citizen's contact for an invitation: checked, normalised, and encrypted at rest.

A contact is personal data kept for one purpose (sending one invitation) and only until
that is done (docs/privacy.md). It is stored as a Fernet token (AES-128-CBC with
HMAC-SHA256, `cryptography`) under a key derived from SIPAS_CONTACT_KEY; the plain text
exists only in the memory of the request that receives it and of the worker that sends.
The database refuses a contact on an invitation that is no longer pending
(models/outbox.py), so the rows that hold one are exactly those still to be sent.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

MAX_EMAIL = 254
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                      r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# Vietnamese mobile numbers: 0 or +84/84, then 9 digits starting with 3, 5, 7, 8 or 9.
PHONE_RE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


class ContactError(ValueError):
    """The contact is not a usable phone number or e-mail address."""


class ContactUnreadable(RuntimeError):
    """A stored contact cannot be decrypted (the key changed since it was stored)."""


@dataclass(frozen=True)
class Contact:
    kind: str  # "phone" or "email"
    value: str  # phone as 84xxxxxxxxx (ZNS and most gateways), e-mail as given, trimmed


def parse_contact(raw: object) -> Contact | None:
    """{"phone": …} or {"email": …} (exactly one), or None when no contact was given."""
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        raise ContactError("must be an object with a phone or an email")
    given = {k: v for k, v in raw.items() if v not in (None, "")}
    if not given:
        return None
    if set(given) - {"phone", "email"} or len(given) != 1:
        raise ContactError("give exactly one of phone or email")
    kind, value = next(iter(given.items()))
    if not isinstance(value, str):
        raise ContactError(f"{kind} must be a string")
    return phone_contact(value) if kind == "phone" else email_contact(value)


def phone_contact(text: str) -> Contact:
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    match = PHONE_RE.match(digits)
    if not match:
        raise ContactError("phone must be a Vietnamese mobile number, e.g. 0912345678 or "
                           "+84912345678")
    return Contact("phone", "84" + match.group(1))


def email_contact(text: str) -> Contact:
    value = text.strip()
    if len(value) > MAX_EMAIL or not EMAIL_RE.match(value):
        raise ContactError("email is not a valid address")
    return Contact("email", value)


def _fernet() -> Fernet:
    secret = current_app.config["CONTACT_KEY"]
    if not secret:
        raise RuntimeError("CONTACT_KEY is not set")
    # Any high-entropy secret (SIPAS_CONTACT_KEY) becomes a 32-byte Fernet key.
    digest = hashlib.sha256(b"sipas-contact-v1|" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(contact: Contact) -> str:
    """The ciphertext stored in invitations.contact_cipher."""
    return _fernet().encrypt(f"{contact.kind}:{contact.value}".encode()).decode("ascii")


def unseal(cipher: str) -> Contact:
    try:
        kind, _, value = _fernet().decrypt(cipher.encode("ascii")).decode().partition(":")
    except InvalidToken:
        raise ContactUnreadable("the contact cannot be decrypted with CONTACT_KEY") from None
    return Contact(kind, value)
