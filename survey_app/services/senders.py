"""How an invitation leaves: e-mail over SMTP, SMS over an HTTP gateway, Zalo ZNS.

Each adapter takes a `Message` and returns the provider's reference (and whether the
provider already reports it delivered), or raises `SendFailed` saying whether trying
again can help. No adapter logs or returns the contact: error texts are scrubbed of it
before they reach the outbox (the admin page shows them).

- **E-mail**: `smtplib`, STARTTLS, implicit TLS or none (a trusted local relay), with an
  optional login. A 5xx reply (address refused) is permanent, anything else is retried.
- **SMS**: a generic JSON gateway (docs/operations.md, "SMS gateway"):
  `POST SIPAS_SMS_GATEWAY_URL`, `Authorization: Bearer SIPAS_SMS_GATEWAY_KEY`,
  `Idempotency-Key: <id>`, body `{"id", "to", "text"}`; a 2xx reply
  `{"id": "<gateway ref>", "status": "accepted" | "delivered"}`.
- **Zalo ZNS**: the "send ZNS message" endpoint of Zalo's Official Account API
  (`POST https://business.openapi.zalo.me/message/template`, header `access_token`, body
  `{"phone": "84…", "template_id", "template_data": {…}, "tracking_id"}`; reply
  `{"error": 0, "message": "Success", "data": {"msg_id", "sent_time"}}`, any other
  `error` is a failure), as documented at developers.zalo.me (Zalo Notification Service,
  "Gửi thông báo ZNS").
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from survey_app.services.contacts import Contact


@dataclass(frozen=True)
class Message:
    reference: str  # sipas-invitation-<id>: the idempotency key every provider gets
    channel: str
    contact: Contact
    url: str
    unit_name: str
    valid_days: int


@dataclass(frozen=True)
class Sent:
    provider_ref: str | None
    delivered: bool = False


class SendFailed(Exception):
    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def invitation_text(message: Message) -> str:
    return (f"{message.unit_name} kính mời Ông/Bà đánh giá mức độ hài lòng với việc giải "
            f"quyết hồ sơ vừa qua (khoảng 2 phút, ẩn danh): {message.url} — Đường dẫn có hiệu "
            f"lực {message.valid_days} ngày.")


def send(message: Message) -> Sent:
    adapter = {"email": send_email, "sms": send_sms, "zalo": send_zalo}[message.channel]
    return adapter(message)


def _setting(name: str, channel: str) -> str:
    value = current_app.config.get(name)
    if not value:
        raise SendFailed(f"{channel}: SIPAS_{name} is not set")
    return str(value)


def send_email(message: Message) -> Sent:
    config = current_app.config
    host = _setting("SMTP_HOST", "email")
    sender = _setting("MAIL_FROM", "email")
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.contact.value
    email["Subject"] = "Mời đánh giá sự phục vụ hành chính"
    domain = sender.rpartition("@")[2] or "sipas.local"
    # One Message-ID per invitation: a retried send after a lost reply is recognisable.
    email["Message-ID"] = make_msgid(idstring=message.reference, domain=domain)
    email.set_content(invitation_text(message))
    security = (config.get("SMTP_SECURITY") or "starttls").lower()
    timeout = int(config["OUTBOX_HTTP_TIMEOUT"])
    port = int(config["SMTP_PORT"])
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            server.send_message(email)
    except smtplib.SMTPRecipientsRefused:
        raise SendFailed("email: the address was refused by the SMTP server",
                         permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"email: SMTP {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600
                         and exc.smtp_code not in (530, 535)) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed(f"email: {type(exc).__name__}") from None
    return Sent(email["Message-ID"])


def _post_json(url: str, body: dict, headers: dict, channel: str) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers})
    try:
        with urllib.request.urlopen(request, timeout=int(current_app.config[
                "OUTBOX_HTTP_TIMEOUT"])) as reply:
            raw = reply.read(65536)
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in (401, 403, 408, 429)
        raise SendFailed(f"{channel}: HTTP {exc.code}", permanent=permanent) from None
    except (OSError, ValueError) as exc:
        raise SendFailed(f"{channel}: {type(exc).__name__}") from None
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise SendFailed(f"{channel}: the reply is not JSON") from None
    if not isinstance(data, dict):
        raise SendFailed(f"{channel}: the reply is not a JSON object")
    return data


def send_sms(message: Message) -> Sent:
    url = _setting("SMS_GATEWAY_URL", "sms")
    key = current_app.config.get("SMS_GATEWAY_KEY")
    headers = {"Idempotency-Key": message.reference}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = _post_json(url, {"id": message.reference, "to": message.contact.value,
                            "text": invitation_text(message)}, headers, "sms")
    status = data.get("status")
    if status not in ("accepted", "delivered"):
        raise SendFailed(f"sms: gateway status {str(status)[:40]!r}",
                         permanent=status == "rejected")
    return Sent(str(data.get("id") or "")[:100] or None, delivered=status == "delivered")


def send_zalo(message: Message) -> Sent:
    url = _setting("ZALO_ZNS_URL", "zalo")
    token = _setting("ZALO_ACCESS_TOKEN", "zalo")
    template = _setting("ZALO_TEMPLATE_ID", "zalo")
    body = {"phone": message.contact.value, "template_id": template,
            "template_data": {"don_vi": message.unit_name[:200], "duong_dan": message.url,
                              "so_ngay": str(message.valid_days)},
            "tracking_id": message.reference}
    data = _post_json(url, body, {"access_token": token}, "zalo")
    if data.get("error") != 0:
        raise SendFailed(f"zalo: ZNS error {str(data.get('error'))[:12]} "
                         f"{str(data.get('message') or '')[:80]}")
    msg_id = (data.get("data") or {}).get("msg_id") if isinstance(data.get("data"), dict) else None
    return Sent(str(msg_id)[:100] if msg_id else None)
