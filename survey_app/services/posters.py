"""Printable counter posters (PDF, A5 or A4) and a unit's poster pack (zip).

The poster is always in Vietnamese, the language of the counter, with one short English
line for foreign residents. The font is DejaVu Sans (all Vietnamese glyphs), taken from
matplotlib's package data so that a clean `pip install` machine has it; Debian's
fonts-dejavu-core is the fallback. The font is embedded (subset) in the PDF, so the
poster prints the same anywhere.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from survey_app.models import Counter, Unit
from survey_app.services.qr import counter_url, qr_png, qr_svg

if TYPE_CHECKING:  # fpdf loads when a poster is drawn, not at every worker's boot
    from fpdf import FPDF

SIZES = {"A5": (148, 210), "A4": (210, 297)}  # mm; tuples, not names (fpdf2 warns on "A5")
BRAND = (11, 61, 145)
ACCENT = (179, 38, 30)
INK = (26, 26, 26)
MUTED = (74, 85, 96)

INVITATION = "Ông/Bà vừa làm thủ tục? Quét mã để đánh giá sự phục vụ"
INVITATION_SMALL = "Chưa đến 1 phút · Không ghi tên · Không cần tài khoản"
ENGLISH_LINE = "Rate our service: scan the code (English available)"


def font_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    candidates = []
    if spec and spec.submodule_search_locations:
        candidates.append(Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf")
    candidates.append(Path("/usr/share/fonts/truetype/dejavu"))
    for folder in candidates:
        if (folder / "DejaVuSans.ttf").exists() and (folder / "DejaVuSans-Bold.ttf").exists():
            return folder
    raise RuntimeError("DejaVu Sans not found: install matplotlib or fonts-dejavu-core")


def _pdf(size: str) -> FPDF:
    if size not in SIZES:
        raise ValueError(f"poster size must be one of {', '.join(SIZES)}")
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format=SIZES[size])
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    folder = font_dir()
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVuMono", "", str(folder / "DejaVuSansMono.ttf"))
    pdf.set_creator("SIPAS survey")
    return pdf


def _centred(pdf: FPDF, y: float, text: str, size: float, *, bold=False, color=INK,
             family="DejaVu", margin: float = 12.0) -> float:
    """Write centred, wrapped text starting at y; return the y below it."""
    k = pdf.w / 148
    pdf.set_xy(margin * k, y)
    pdf.set_text_color(*color)
    pdf.set_font(family, "B" if bold else "", size * k)
    pdf.multi_cell(pdf.w - 2 * margin * k, size * k * 0.5, text, align="C")
    return pdf.get_y()


def add_poster_page(pdf: FPDF, counter: Counter, url: str) -> None:
    """One counter's poster on a new page; layout in A5 millimetres scaled by k."""
    k = pdf.w / 148
    pdf.add_page()
    # Official header band: unit name on the government blue, red rule below.
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, 34 * k, style="F")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 34 * k, pdf.w, 1.6 * k, style="F")
    _centred(pdf, 6 * k, "ĐÁNH GIÁ SỰ HÀI LÒNG VỀ SỰ PHỤC VỤ HÀNH CHÍNH", 8.5,
             color=(255, 216, 77), bold=True)
    _centred(pdf, 13 * k, counter.unit.name_vi.upper(), 13, bold=True, color=(255, 255, 255))
    y = _centred(pdf, 41 * k, counter.name_vi, 15, bold=True, color=BRAND)
    y = _centred(pdf, y + 3 * k, INVITATION, 13, bold=True)
    y = _centred(pdf, y + 1 * k, INVITATION_SMALL, 9.5, color=MUTED)
    qr_size = 78 * k
    pdf.image(io.BytesIO(qr_png(url)), x=(pdf.w - qr_size) / 2, y=y + 2 * k, w=qr_size,
              h=qr_size, alt_text=f"QR: {url}")
    y += qr_size + 3 * k
    y = _centred(pdf, y, "Hoặc gõ địa chỉ:", 9.5, color=MUTED)
    y = _centred(pdf, y + 0.5 * k, url, 11, family="DejaVuMono", margin=6)
    y = _centred(pdf, y + 1.5 * k, ENGLISH_LINE, 8.5, color=MUTED)
    # Verification code box: staff compare it with the system to spot a swapped QR.
    box_w, box_h = 96 * k, 20 * k
    box_y = pdf.h - box_h - 12 * k
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(0.6 * k)
    pdf.rect((pdf.w - box_w) / 2, box_y, box_w, box_h)
    _centred(pdf, box_y + 2.5 * k, f"Mã xác thực quầy: {counter.verify_code}", 12, bold=True,
             color=BRAND)
    _centred(pdf, box_y + 10 * k, "Cán bộ đối chiếu mã này trên hệ thống để chắc chắn mã QR "
             "không bị thay thế.", 7.5, color=MUTED, margin=28)
    _centred(pdf, pdf.h - 8 * k, "Phiếu không ghi tên · Không thu phí · Không lưu địa chỉ IP",
             7.5, color=MUTED)


def poster_pdf(counter: Counter, size: str = "A5", base_url: str | None = None) -> bytes:
    pdf = _pdf(size)
    pdf.set_title(f"Mã QR đánh giá – {counter.unit.name_vi} – {counter.name_vi}")
    add_poster_page(pdf, counter, counter_url(counter, base_url))
    return bytes(pdf.output())


def poster_filename(counter: Counter, ext: str) -> str:
    return f"{counter.unit.code}_{counter.code}.{ext}"


def unit_counters(unit: Unit, counter_code: str | None = None) -> list[Counter]:
    counters = sorted((c for c in unit.counters if c.active), key=lambda c: c.code)
    if counter_code is not None:
        counters = [c for c in counters if c.code == counter_code]
    return counters


def poster_files(counters: list[Counter], size: str = "A5",
                 base_url: str | None = None) -> dict[str, bytes]:
    """File name → content: for each counter its PDF poster, PNG and SVG QR codes."""
    files = {}
    for counter in counters:
        url = counter_url(counter, base_url)
        files[poster_filename(counter, "pdf")] = poster_pdf(counter, size, base_url)
        files[poster_filename(counter, "png")] = qr_png(url)
        files[poster_filename(counter, "svg")] = qr_svg(url)
    return files


def unit_posters_zip(unit: Unit, size: str = "A5", base_url: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in poster_files(unit_counters(unit), size, base_url).items():
            zf.writestr(name, content)
    return buf.getvalue()
