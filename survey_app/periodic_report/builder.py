"""Build the periodic report PDF from a Dashboard: no number is computed here.

Sections follow what a district's CCHC report to Nội vụ needs: scope and period, method in
plain words, the headline against the plan's target, the units and fields tables with
their status, the figures, priorities for improvement, sample sizes and caveats. A4
portrait, DejaVu Sans (every Vietnamese glyph; loaded the way the posters load it).

Every word goes through gettext in the language of the user who asked (ReportMeta.locale,
forced around the build, which may run in a background thread): Vietnamese by default,
English with ?lang=en. The numbers are written by analysis.formatting in the same language.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from dataclasses import dataclass

import pandas as pd
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.fonts import FontFace

from analysis.figures import forest_plot, heatmap, trend_plot
from analysis.formatting import number, percent, target_percent
from analysis.status import status_label, status_labels
from survey_app.reporting.dashboard import Dashboard
from survey_app.reporting.rebase import lineage_note_words
from survey_app.services.posters import font_dir

# The language of the report being built (one build per thread or task at a time).
_LOCALE: ContextVar[str] = ContextVar("report_locale", default="vi")
INK, MUTED, HEAD = (20, 20, 20), (90, 90, 90), (230, 234, 242)


@dataclass(frozen=True)
class ReportMeta:
    """What the title block says: who reports, on what, when."""

    authority: str  # e.g. "UBND huyện Xuân Hòa"
    scope_name: str  # "Toàn địa phương" or a unit's name
    field_name: str | None
    period_name: str  # "Quý II 2026 (10/03/2026–09/06/2026)"
    generated: str  # "21/11/2026 09:30"
    method_name: str = "logit"
    locale: str = "vi"  # the language of the user who asked for the report


def _num(value) -> str:
    return number(value, _LOCALE.get())


def _pct(value) -> str:
    return percent(value, _LOCALE.get())


def _status(code) -> str:
    return status_label(code, _LOCALE.get())


class ReportPDF(FPDF):
    def multi_cell(self, *args, **kwargs):  # always continue below, at the left margin
        kwargs.setdefault("new_x", "LMARGIN")
        kwargs.setdefault("new_y", "NEXT")
        return super().multi_cell(*args, **kwargs)

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format=(210, 297))
        folder = font_dir()
        self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
        self.add_font("DejaVu", "I", str(folder / "DejaVuSans-Oblique.ttf"))
        self.set_margins(20, 15, 15)
        self.set_auto_page_break(True, 18)
        self.set_creator("SIPAS")
        self.set_title(_("Báo cáo kết quả đo lường sự hài lòng"))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _("Trang %(page)s/%(pages)s", page=self.page_no(), pages="{nb}"),
                  align="C")

    def heading(self, text: str) -> None:
        if self.get_y() > 250:
            self.add_page()
        self.ln(3)
        self.set_font("DejaVu", "B", 12)
        self.set_text_color(*INK)
        self.multi_cell(0, 7, text)
        self.ln(1)

    def para(self, text: str, size: float = 10.5, style: str = "") -> None:
        self.set_font("DejaVu", style, size)
        self.set_text_color(*INK)
        self.multi_cell(0, 5.4, text, align="J")
        self.ln(1.2)

    def table(self, header: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
        self.set_font("DejaVu", "", 8.5)
        self.set_text_color(*INK)
        aligns = tuple("L" if i == 0 else "C" for i in range(len(header)))
        with self.table_block(widths, aligns) as t:
            row = t.row()
            for h in header:
                row.cell(h)
            for r in rows:
                row = t.row()
                for value in r:
                    row.cell(value)
        self.ln(2)

    def table_block(self, widths, aligns):
        return super().table(col_widths=widths, text_align=aligns, line_height=4.6,
                             headings_style=FontFace(emphasis="BOLD", fill_color=HEAD),
                             first_row_as_headings=True)

    def figure(self, fig, width: float = 170) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150)
        buf.seek(0)
        height = width * fig.get_figheight() / fig.get_figwidth()
        if self.get_y() + height > 279:
            self.add_page()
        self.image(buf, x=(210 - width) / 2 + 2.5, w=width)
        self.ln(2)


def _title_block(pdf: ReportPDF, meta: ReportMeta) -> None:
    pdf.set_font("DejaVu", "B", 10.5)
    y = pdf.get_y()
    pdf.set_xy(20, y)
    pdf.multi_cell(80, 5, meta.authority.upper() + "\n" + _("PHÒNG NỘI VỤ"), align="C")
    pdf.set_xy(100, y)
    pdf.multi_cell(95, 5, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") + "\n"
                   + _("Độc lập – Tự do – Hạnh phúc"), align="C")
    pdf.line(45, y + 11.5, 75, y + 11.5)
    pdf.line(125, y + 11.5, 170, y + 11.5)
    pdf.set_xy(100, y + 14)
    pdf.set_font("DejaVu", "I", 10)
    pdf.cell(95, 5, _("Ngày lập: %(when)s", when=meta.generated), align="C")
    pdf.set_y(y + 26)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, _("BÁO CÁO") + "\n" + _(
        "Kết quả đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan "
        "hành chính"), align="C")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, _("Kỳ báo cáo: %(period)s", period=meta.period_name), align="C")
    pdf.ln(4)


def _scope(pdf: ReportPDF, d: Dashboard, meta: ReportMeta) -> None:
    pdf.heading(_("I. PHẠM VI VÀ KỲ BÁO CÁO"))
    field = meta.field_name or _("tất cả lĩnh vực")
    text = _("Phạm vi: %(scope)s; lĩnh vực: %(field)s. Kỳ báo cáo: %(period)s.",
             scope=meta.scope_name, field=field, period=meta.period_name)
    if d.volumes["received"]:
        text += " " + _("Số phiếu hợp lệ: %(n)s trên %(received)s hồ sơ tiếp nhận trong kỳ "
                        "(%(rate)s).", n=_num(d.volumes["responses"]),
                        received=_num(d.volumes["received"]), rate=_pct(d.volumes["rate"]))
    else:
        text += " " + _("Số phiếu hợp lệ: %(n)s.", n=_num(d.volumes["responses"]))
    pdf.para(text)
    pdf.para(_attribution(d))

    if d.query.as_of:
        pdf.para(_("Kết quả trình bày theo cơ cấu tổ chức ngày %(d)s: kết quả của các đơn vị "
                   "đã sáp nhập, đổi tên, chia tách được tính cho đơn vị kế thừa, cả ở các kỳ "
                   "trước.", d=d.query.as_of.strftime("%d/%m/%Y")))


def _attribution(d: Dashboard) -> str:
    """Which unit each response counts for in this report (reporting.attribution)."""
    if d.scope.role == "receiving":
        return _("Mỗi phiếu được tính cho đơn vị đã tiếp nhận hồ sơ (quầy, trung tâm, điểm "
                 "tiếp nhận): kết quả nói về sự phục vụ tại nơi tiếp nhận.")
    text = _("Mỗi phiếu được tính cho cơ quan có thẩm quyền giải quyết hồ sơ: kết quả nói về "
             "việc giải quyết và kết quả giải quyết.")
    if d.fallback:
        return text + " " + _("Có %(n)s phiếu không ghi cơ quan giải quyết; các phiếu này được "
                              "tính cho đơn vị đã tiếp nhận hồ sơ.", n=_num(d.fallback))
    return text + " " + _("Mọi phiếu trong phạm vi đều ghi cơ quan giải quyết.")


def _method(pdf: ReportPDF, meta: ReportMeta) -> None:
    pdf.heading(_("II. PHƯƠNG PHÁP"))
    pdf.para(_("Người dân, tổ chức đánh giá sau khi giải quyết thủ tục hành chính, bằng phiếu "
             "không ghi tên (quét mã QR tại quầy hoặc trên giấy hẹn). Mỗi tiêu chí có 5 mức; "
             "“hài lòng” và “rất hài lòng” được tính là hài lòng, câu “không áp dụng” không "
             "tính. Chỉ số của một yếu tố là trung bình tỷ lệ hài lòng của các tiêu chí thuộc "
             "yếu tố đó; chỉ số chung là trung bình của năm yếu tố (tiếp cận dịch vụ, thủ tục "
             "hành chính, công chức, kết quả, tiếp nhận góp ý)."))
    pdf.para(_("Mỗi chỉ số đi kèm khoảng tin cậy 95%%, tính theo thiết kế khảo sát (các câu "
               "trả lời của cùng một người được xem là một cụm; phương pháp %(method)s). Một "
               "chỉ tiêu được coi là ĐẠT khi cận dưới của khoảng tin cậy không thấp hơn chỉ "
               "tiêu; CHƯA ĐẠT khi cận trên thấp hơn chỉ tiêu; các trường hợp còn lại là CHƯA "
               "ĐỦ CĂN CỨ, kèm số phiếu cần có để kết luận.", method=meta.method_name))


def _headline(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading(_("III. KẾT QUẢ CHUNG SO VỚI CHỈ TIÊU"))
    h = d.headline
    if not h:
        pdf.para(_("Chưa có phiếu đánh giá hợp lệ trong kỳ này."))
        return
    text = _("Chỉ số hài lòng chung: %(value)s (khoảng tin cậy 95%%: %(low)s–%(high)s; %(n)s "
             "người trả lời có chấm điểm).", value=_pct(h["estimate"]), low=_pct(h["ci_low"]),
             high=_pct(h["ci_high"]), n=_num(h["n_respondents"]))
    if h.get("target"):
        text += " " + _("Chỉ tiêu: ≥ %(target)s (%(source)s, năm %(year)s). Đánh giá: "
                        "%(status)s.", target=target_percent(h["target"], _LOCALE.get()),
                        source=h.get("target_source") or _("kế hoạch CCHC"),
                        year=h.get("target_year"), status=_status(h["status"]))
        if h["status"] == "inconclusive" and h.get("n_needed"):
            text += " " + _("Cần khoảng %(n)s phiếu để kết luận.", n=_num(h["n_needed"]))
    pdf.para(text, style="B")
    pdf.para(str(COUNTS_DIFFER), size=8.5, style="I")
    if not d.elements.empty:
        rows = [[d.element_names.get(r.index, r.index), _pct(r.estimate),
                 f"{_pct(r.ci_low)}–{_pct(r.ci_high)}", _num(r.n_respondents)]
                for r in d.elements.itertuples()]
        pdf.table([_("Yếu tố"), _("Chỉ số"), _("Khoảng tin cậy 95%"), _("Số phiếu")], rows,
                  (80, 25, 45, 25))


COUNTS_DIFFER = _l("Số phiếu hợp lệ (mục I) đếm mọi phiếu được ghi nhận; số người trả lời có "
                 "chấm điểm (dùng cho chỉ số) chỉ đếm phiếu có ít nhất một câu được chấm "
                 "điểm, không tính phiếu chỉ chọn “không áp dụng”.")


def _units(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading(_("IV. KẾT QUẢ THEO ĐƠN VỊ"))
    if d.units.empty:
        pdf.para(_("Không có đơn vị nào có phiếu trong kỳ."))
        return
    rows = []
    notes = lineage_note_words()  # why an old unit is shown under its own name
    for r in d.units.itertuples():
        rank = f"{int(r.rank)}" if r.rankable else "–"
        note = notes.get(getattr(r, "lineage_note", None))
        rows.append([r.unit + (f" ({note})" if note else ""),
                     _pct(r.estimate), f"{_pct(r.ci_low)}–{_pct(r.ci_high)}",
                     _num(r.n_respondents), rank, _status(r.status)])
    pdf.table([_("Đơn vị"), _("Chỉ số"), _("KTC 95%"), _("Số phiếu"), _("Hạng"),
               _("So với chỉ tiêu")], rows, (58, 18, 32, 17, 13, 37))
    pdf.para(_("Hạng xếp theo ước lượng hiệu chỉnh (Bayes thực nghiệm); đơn vị dưới %(n)s "
               "phiếu không xếp hạng.", n=d.thresholds.ranked), size=8.5, style="I")
    if d.rank_withheld:
        pdf.para(_("Hạng chỉ có nghĩa khi so với tất cả các đơn vị; báo cáo của một đơn vị "
                   "không ghi hạng."), size=8.5, style="I")


def _fields(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading(_("V. KẾT QUẢ THEO LĨNH VỰC"))
    if d.fields.empty:
        pdf.para(_("Không có lĩnh vực nào có phiếu trong kỳ."))
        return
    rows = [[r.field, _pct(r.estimate), f"{_pct(r.ci_low)}–{_pct(r.ci_high)}",
             _num(r.n_respondents),
             (f"≥ {target_percent(r.target, _LOCALE.get())}" if r.target == r.target
              and r.target else "–"),
             _status(r.status)] for r in d.fields.itertuples()]
    pdf.table([_("Lĩnh vực"), _("Chỉ số"), _("KTC 95%"), _("Số phiếu"), _("Chỉ tiêu"),
               _("Đánh giá")], rows, (55, 18, 32, 17, 16, 37))


def _figures(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.add_page()  # the heading stays with its first figure
    pdf.heading(_("VI. BIỂU ĐỒ"))
    target = d.headline["target"] if d.headline else None
    locale = _LOCALE.get()
    figures = []
    if not d.units.empty:
        figures.append(forest_plot(d.units, label="unit", target=target, locale=locale,
                                   labels=status_labels(locale),
                                   title=_("Hình 1. Chỉ số hài lòng theo đơn vị")))
    if not d.heatmap.empty:
        figures.append(heatmap(d.heatmap, row="unit", names=d.element_names, locale=locale,
                               min_respondents=d.thresholds.ranked,
                               title=_("Hình 2. Chỉ số theo đơn vị và yếu tố")))
    if not d.trend.empty:
        figures.append(trend_plot(d.trend, group=None, target=target, locale=locale,
                                  title=_("Hình 3. Chỉ số hài lòng chung qua các kỳ")))
    if not figures:
        pdf.para(_("Chưa có số liệu để vẽ biểu đồ."))
    for fig in figures:
        pdf.figure(fig)


QUADRANTS = {"fix first": _l("ưu tiên cải thiện"), "keep up": _l("duy trì"),
             "secondary": _l("cải thiện sau"), "low priority": _l("theo dõi"),
             "importance unknown": _l("chưa xác định")}
EQUAL_WEIGHTS_NOTE = _l(
    "Không ước lượng được mức ảnh hưởng: mô hình hồi quy không khớp được với số liệu của "
    "phạm vi này (ví dụ hài lòng chung không thay đổi giữa các phiếu). Mọi yếu tố được coi "
    "là ảnh hưởng như nhau (trọng số bằng nhau), nên thứ tự chỉ theo tỷ lệ chưa hài lòng và "
    "không yếu tố nào được xếp nhóm.")


def _priorities(pdf: ReportPDF, d: Dashboard) -> None:
    """The dashboard's own table (analysis.priority): dissatisfaction × importance, so
    the filed report and the page the analyst saw rank the same elements first."""
    pdf.heading(_("VII. NỘI DUNG CẦN ƯU TIÊN CẢI THIỆN"))
    if d.elements.empty:
        pdf.para(_("Chưa có số liệu."))
        return
    if d.priority is not None and not d.priority.empty:
        pdf.table(
            [_("Thứ tự"), _("Yếu tố"), _("Chưa hài lòng"), _("Mức ảnh hưởng"), _("Nhóm")],
            [[str(r.rank), d.element_names.get(r.index, r.index), _pct(r.dissatisfaction),
              _pct(r.importance), str(QUADRANTS.get(r.quadrant, r.quadrant))]
             for r in d.priority.itertuples()],
            (16, 72, 28, 30, 34))
        if d.priority_note == "equal_weights":
            pdf.para(str(EQUAL_WEIGHTS_NOTE), style="B")
            return
        pdf.para(_("Mức ảnh hưởng: hồi quy logistic của hài lòng chung theo điểm từng yếu tố "
                 "(sai số chuẩn theo cụm đơn vị); thứ tự = tỷ lệ chưa hài lòng × mức ảnh "
                 "hưởng. Nhóm \"ưu tiên cải thiện\": nhiều người chưa hài lòng và ảnh hưởng "
                 "lớn đến hài lòng chung; yếu tố đứng đầu luôn thuộc nhóm này, và không yếu "
                 "tố nào xếp nhóm cấp bách hơn yếu tố đứng trên nó."))
        return
    why = (_("phạm vi quá lớn để tính trực tiếp; hãy lập báo cáo cho một đơn vị hoặc lĩnh vực")
           if d.priority_note == "too_many" else
           _("chưa đủ phiếu (cần ít nhất %(n)s phiếu có câu hỏi hài lòng chung)",
             n=d.thresholds.priority))
    worst = d.elements.sort_values("estimate").head(3)
    lines = [_("%(i)s. %(element)s: %(value)s (không hài lòng %(other)s)", i=i,
               element=d.element_names.get(r.index, r.index), value=_pct(r.estimate),
               other=_pct(1 - r.estimate))
             for i, r in enumerate(worst.itertuples(), start=1)]
    pdf.para(_("Chưa xác định được mức ảnh hưởng (%(why)s). Các yếu tố có tỷ lệ hài lòng thấp "
               "nhất trong phạm vi báo cáo:", why=why) + "\n" + "\n".join(lines))


def _sample(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading(_("VIII. CỠ MẪU VÀ LƯU Ý"))
    few = d.thresholds.ranked
    small = d.units[d.units["n_respondents"] < few] if not d.units.empty else pd.DataFrame()
    notes = [_("Tổng số phiếu hợp lệ: %(n)s.", n=_num(d.volumes["responses"]))]
    if not small.empty:
        names = ", ".join(small["unit"].head(8)) + ("…" if len(small) > 8 else "")
        notes.append(_("%(count)s đơn vị có dưới %(few)s phiếu (%(names)s): khoảng tin cậy "
                       "rộng, không xếp hạng; nên tăng số phiếu ở kỳ sau.", count=len(small),
                       few=few, names=names))
    notes += [_("Phiếu tự nguyện, không chọn mẫu ngẫu nhiên: người đánh giá có thể khác người "
                "không đánh giá; chỉ số phản ánh ý kiến người đã trả lời."),
              _("Phiếu bị đánh dấu nghi vấn (gửi quá nhanh, trùng lặp) không được tính."),
              _("Mức ảnh hưởng ở mục VII là ước lượng tương quan từ phiếu, không phải quan hệ "
                "nhân quả; nên đối chiếu với góp ý của người dân trước khi quyết định.")]
    pdf.para("\n".join(f"– {n}" for n in notes))


def build_pdf(d: Dashboard, meta: ReportMeta) -> bytes:
    """The report as PDF bytes, in the language of `meta.locale`."""
    token = _LOCALE.set(meta.locale)
    try:
        with force_locale(meta.locale):
            pdf = ReportPDF()
            pdf.add_page()
            _title_block(pdf, meta)
            for section in (_scope, _method):
                section(pdf, d, meta) if section is _scope else section(pdf, meta)
            for section in (_headline, _units, _fields, _figures, _priorities, _sample):
                section(pdf, d)
            return bytes(pdf.output())
    finally:
        _LOCALE.reset(token)
