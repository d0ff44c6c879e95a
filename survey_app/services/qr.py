"""QR codes and the public links they carry: counter posters (/s/<slug>) and receipts (?d=…).

The address printed is SIPAS_PUBLIC_BASE_URL when set (what citizens can reach from
outside), else the address of the current request; with neither (a CLI run without
configuration) the caller must say which address to print.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flask import current_app, has_request_context, request

from survey_app.models import Counter

if TYPE_CHECKING:  # qrcode (and PIL) load with the first code drawn, not at a worker's boot
    import qrcode


class NoBaseUrl(RuntimeError):
    """Nobody said which address to print in the QR code."""


def public_base_url(base_url: str | None = None) -> str:
    base = base_url or current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.url_root
    if not base:
        raise NoBaseUrl("set SIPAS_PUBLIC_BASE_URL or pass --base-url (e.g. https://hailong.example.gov.vn)")
    return base.rstrip("/")


def counter_url(counter: Counter, base_url: str | None = None) -> str:
    """The short link of a counter's poster, typed out in full under the QR code."""
    return f"{public_base_url(base_url)}/s/{counter.slug}"


def receipt_url(counter: Counter, token: str, base_url: str | None = None) -> str:
    return f"{counter_url(counter, base_url)}?d={token}"


def _qr(data: str, border: int = 4) -> qrcode.QRCode:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    # Level M survives a crease or a smudge on a printed poster or a thermal receipt.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=border)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_png(data: str, box_size: int = 10) -> bytes:
    qr = _qr(data)
    qr.box_size = box_size
    buf = io.BytesIO()
    qr.make_image().save(buf)
    return buf.getvalue()


def qr_svg(data: str) -> bytes:
    """A vector QR (single path) for print shops that scale it to any size."""
    import qrcode.image.svg

    image = _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode("utf-8")
