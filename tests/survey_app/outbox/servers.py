"""Real local servers the outbox talks to in tests: an SMTP server (aiosmtpd) and an HTTP
server (http.server in a thread) standing in for the SMS gateway and Zalo ZNS. The HTTP
server checks each request against the shape the adapter documents and answers 400 (and
records the problem) when it does not match, so a test sees a wrong request as a failure."""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMS_KEY = "gateway-test-key"
ZALO_TOKEN = "zalo-oa-test-token"
ZALO_TEMPLATE = "301234"
PHONE = re.compile(r"^84[35789]\d{8}$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpInbox:
    """An aiosmtpd server on 127.0.0.1 keeping every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse: set[str] = set()
        inbox = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ARG002
                if address in inbox.refuse:
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
                inbox.messages.append(message_from_bytes(envelope.content,
                                                         policy=default_policy))
                return "250 Message accepted"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def config(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none",
                "MAIL_FROM": "khaosat@hailong.example.gov.vn"}


@dataclass
class Gateway:
    """One HTTP server with two paths: /sms (the generic JSON gateway) and /zns (Zalo)."""

    received: list[tuple[str, dict, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    mode: str = "ok"  # ok, down (503), reject (SMS 'rejected' / ZNS error -108)

    def __post_init__(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                problem = gateway.check(self.path, headers, body)
                if problem:
                    gateway.problems.append(problem)
                    return self.reply(400, {"error": problem})
                gateway.received.append((self.path, headers, body))
                if gateway.mode == "down":
                    return self.reply(503, {"error": "maintenance"})
                if self.path == "/sms":
                    status = "rejected" if gateway.mode == "reject" else "accepted"
                    return self.reply(200, {"id": f"gw-{len(gateway.received)}",
                                            "status": status})
                if gateway.mode == "reject":
                    return self.reply(200, {"error": -108, "message": "Phone number invalid"})
                return self.reply(200, {"error": 0, "message": "Success", "data": {
                    "msg_id": f"zns-{len(gateway.received)}", "sent_time": "1700000000000"}})

            def reply(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def check(self, path: str, headers: dict, body) -> str | None:
        if not headers.get("content-type", "").startswith("application/json"):
            return "content type is not JSON"
        if not isinstance(body, dict):
            return "body is not a JSON object"
        if path == "/sms":
            if headers.get("authorization") != f"Bearer {SMS_KEY}":
                return "sms: bad Authorization"
            if set(body) != {"id", "to", "text"}:
                return f"sms: keys {sorted(body)}"
            if headers.get("idempotency-key") != body["id"]:
                return "sms: Idempotency-Key differs from id"
            if not PHONE.match(str(body["to"])) or "/s/" not in body["text"]:
                return "sms: bad to or text"
            return None
        if path == "/zns":
            if headers.get("access_token") != ZALO_TOKEN:
                return "zns: bad access_token header"
            if set(body) != {"phone", "template_id", "template_data", "tracking_id"}:
                return f"zns: keys {sorted(body)}"
            data = body["template_data"]
            if (body["template_id"] != ZALO_TEMPLATE or not PHONE.match(str(body["phone"]))
                    or not isinstance(data, dict)
                    or not all(isinstance(v, str) for v in data.values())
                    or "/s/" not in data.get("duong_dan", "")):
                return "zns: bad template, phone or template_data"
            return None
        return f"unknown path {path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def config(self) -> dict:
        return {"SMS_GATEWAY_URL": f"{self.base}/sms", "SMS_GATEWAY_KEY": SMS_KEY,
                "ZALO_ZNS_URL": f"{self.base}/zns", "ZALO_ACCESS_TOKEN": ZALO_TOKEN,
                "ZALO_TEMPLATE_ID": ZALO_TEMPLATE}
