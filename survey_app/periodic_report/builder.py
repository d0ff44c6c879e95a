"""Build the periodic report PDF from a Dashboard: no number is computed here.

Sections follow what a district's CCHC report to Nội vụ needs: scope and period, method in
plain words, the headline against the plan's target, the units and fields tables with
their status, the figures, priorities for improvement, sample sizes and caveats. A4
portrait, DejaVu Sans (every Vietnamese glyph; loaded the way the posters load it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from analysis.figures import forest_plot, heatmap, trend_plot
from analysis.formatting import number, percent, target_percent
from analysis.status import status_label
from survey_app.reporting.dashboard import Dashboard
from survey_app.services.posters import font_dir

LOCALE = "vi"  # the report goes to Nội vụ in Vietnamese
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


def _num(value) -> str:
    return number(value, LOCALE)


def _pct(value) -> str:
    return percent(value, LOCALE)


def _status(code) -> str:
    return status_label(code, LOCALE)


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
        self.set_title("Báo cáo kết quả đo lường sự hài lòng")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"Trang {self.page_no()}/{{nb}}", align="C")

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
    pdf.multi_cell(80, 5, meta.authority.upper() + "\nPHÒNG NỘI VỤ", align="C")
    pdf.set_xy(100, y)
    pdf.multi_cell(95, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập – Tự do – Hạnh phúc",
                   align="C")
    pdf.line(45, y + 11.5, 75, y + 11.5)
    pdf.line(125, y + 11.5, 170, y + 11.5)
    pdf.set_xy(100, y + 14)
    pdf.set_font("DejaVu", "I", 10)
    pdf.cell(95, 5, f"Ngày lập: {meta.generated}", align="C")
    pdf.set_y(y + 26)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, "BÁO CÁO\nKết quả đo lường sự hài lòng của người dân, tổ chức đối với "
                   "sự phục vụ của cơ quan hành chính", align="C")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, f"Kỳ báo cáo: {meta.period_name}", align="C")
    pdf.ln(4)


def _scope(pdf: ReportPDF, d: Dashboard, meta: ReportMeta) -> None:
    pdf.heading("I. PHẠM VI VÀ KỲ BÁO CÁO")
    field = meta.field_name or "tất cả lĩnh vực"
    pdf.para(f"Phạm vi: {meta.scope_name}; lĩnh vực: {field}. Kỳ báo cáo: {meta.period_name}. "
             f"Số phiếu hợp lệ: {_num(d.volumes['responses'])}"
             + (f" trên {_num(d.volumes['received'])} hồ sơ tiếp nhận trong kỳ "
                f"({_pct(d.volumes['rate'])})." if d.volumes["received"] else "."))
    pdf.para(_attribution(d))

    if d.query.as_of:
        pdf.para(f"Kết quả trình bày theo cơ cấu tổ chức ngày {d.query.as_of:%d/%m/%Y}: kết quả "
                 "của các đơn vị đã sáp nhập, đổi tên, chia tách được tính cho đơn vị kế thừa, "
                 "cả ở các kỳ trước.")


def _attribution(d: Dashboard) -> str:
    """Which unit each response counts for in this report (reporting.attribution)."""
    if d.scope.role == "receiving":
        return ("Mỗi phiếu được tính cho đơn vị đã tiếp nhận hồ sơ (quầy, trung tâm, điểm "
                "tiếp nhận): kết quả nói về sự phục vụ tại nơi tiếp nhận.")
    text = ("Mỗi phiếu được tính cho cơ quan có thẩm quyền giải quyết hồ sơ: kết quả nói về "
            "việc giải quyết và kết quả giải quyết.")
    if d.fallback:
        return text + (f" Có {_num(d.fallback)} phiếu không ghi cơ quan giải quyết; các phiếu "
                       "này được tính cho đơn vị đã tiếp nhận hồ sơ.")
    return text + " Mọi phiếu trong phạm vi đều ghi cơ quan giải quyết."


def _method(pdf: ReportPDF, meta: ReportMeta) -> None:
    pdf.heading("II. PHƯƠNG PHÁP")
    pdf.para("Người dân, tổ chức đánh giá sau khi giải quyết thủ tục hành chính, bằng phiếu "
             "không ghi tên (quét mã QR tại quầy hoặc trên giấy hẹn). Mỗi tiêu chí có 5 mức; "
             "“hài lòng” và “rất hài lòng” được tính là hài lòng, câu “không áp dụng” không "
             "tính. Chỉ số của một yếu tố là trung bình tỷ lệ hài lòng của các tiêu chí thuộc "
             "yếu tố đó; chỉ số chung là trung bình của năm yếu tố (tiếp cận dịch vụ, thủ tục "
             "hành chính, công chức, kết quả, tiếp nhận góp ý).")
    pdf.para("Mỗi chỉ số đi kèm khoảng tin cậy 95%, tính theo thiết kế khảo sát (các câu trả "
             "lời của cùng một người được xem là một cụm; phương pháp "
             f"{meta.method_name}). Một chỉ tiêu được coi là ĐẠT khi cận dưới của khoảng tin "
             "cậy không thấp hơn chỉ tiêu; CHƯA ĐẠT khi cận trên thấp hơn chỉ tiêu; các trường "
             "hợp còn lại là CHƯA ĐỦ CĂN CỨ, kèm số phiếu cần có để kết luận.")


def _headline(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading("III. KẾT QUẢ CHUNG SO VỚI CHỈ TIÊU")
    h = d.headline
    if not h:
        pdf.para("Chưa có phiếu đánh giá hợp lệ trong kỳ này.")
        return
    text = (f"Chỉ số hài lòng chung: {_pct(h['estimate'])} (khoảng tin cậy 95%: "
            f"{_pct(h['ci_low'])}–{_pct(h['ci_high'])}; {_num(h['n_respondents'])} người trả "
            "lời có chấm điểm).")
    if h.get("target"):
        text += (f" Chỉ tiêu: ≥ {target_percent(h['target'], LOCALE)} "
                 f"({h.get('target_source') or 'kế hoạch CCHC'}, năm {h.get('target_year')}). "
                 f"Đánh giá: {_status(h['status'])}.")
        if h["status"] == "inconclusive" and h.get("n_needed"):
            text += f" Cần khoảng {_num(h['n_needed'])} phiếu để kết luận."
    pdf.para(text, style="B")
    pdf.para(COUNTS_DIFFER, size=8.5, style="I")
    if not d.elements.empty:
        rows = [[d.element_names.get(r.index, r.index), _pct(r.estimate),
                 f"{_pct(r.ci_low)}–{_pct(r.ci_high)}", _num(r.n_respondents)]
                for r in d.elements.itertuples()]
        pdf.table(["Yếu tố", "Chỉ số", "Khoảng tin cậy 95%", "Số phiếu"], rows,
                  (80, 25, 45, 25))


COUNTS_DIFFER = ("Số phiếu hợp lệ (mục I) đếm mọi phiếu được ghi nhận; số người trả lời có "
                 "chấm điểm (dùng cho chỉ số) chỉ đếm phiếu có ít nhất một câu được chấm "
                 "điểm, không tính phiếu chỉ chọn “không áp dụng”.")


# Why an old unit is shown under its own name (survey_app.reporting.rebase.unit_notes).
LINEAGE_NOTES = {"split_unassigned": " (đơn vị cũ đã chia tách; phiếu chưa phân, không chia)",
                 "ended_without_successor": " (đã thôi hoạt động, không có đơn vị kế thừa)"}


def _units(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading("IV. KẾT QUẢ THEO ĐƠN VỊ")
    if d.units.empty:
        pdf.para("Không có đơn vị nào có phiếu trong kỳ.")
        return
    rows = []
    for r in d.units.itertuples():
        rank = f"{int(r.rank)}" if r.rankable else "–"
        rows.append([r.unit + LINEAGE_NOTES.get(getattr(r, "lineage_note", None), ""),
                     _pct(r.estimate), f"{_pct(r.ci_low)}–{_pct(r.ci_high)}",
                     _num(r.n_respondents), rank, _status(r.status)])
    pdf.table(["Đơn vị", "Chỉ số", "KTC 95%", "Số phiếu", "Hạng", "So với chỉ tiêu"], rows,
              (58, 18, 32, 17, 13, 37))
    pdf.para("Hạng xếp theo ước lượng hiệu chỉnh (Bayes thực nghiệm); đơn vị dưới "
             f"{d.thresholds.ranked} "
             "phiếu không xếp hạng.", size=8.5, style="I")
    if d.rank_withheld:
        pdf.para("Hạng chỉ có nghĩa khi so với tất cả các đơn vị; báo cáo của một đơn vị "
                 "không ghi hạng.", size=8.5, style="I")


def _fields(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading("V. KẾT QUẢ THEO LĨNH VỰC")
    if d.fields.empty:
        pdf.para("Không có lĩnh vực nào có phiếu trong kỳ.")
        return
    rows = [[r.field, _pct(r.estimate), f"{_pct(r.ci_low)}–{_pct(r.ci_high)}",
             _num(r.n_respondents),
             (f"≥ {target_percent(r.target, LOCALE)}" if r.target == r.target and r.target else "–"),
             _status(r.status)] for r in d.fields.itertuples()]
    pdf.table(["Lĩnh vực", "Chỉ số", "KTC 95%", "Số phiếu", "Chỉ tiêu", "Đánh giá"], rows,
              (55, 18, 32, 17, 16, 37))


def _figures(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.add_page()  # the heading stays with its first figure
    pdf.heading("VI. BIỂU ĐỒ")
    target = d.headline["target"] if d.headline else None
    figures = []
    if not d.units.empty:
        figures.append(forest_plot(d.units, label="unit", target=target, locale=LOCALE,
                                   title="Hình 1. Chỉ số hài lòng theo đơn vị"))
    if not d.heatmap.empty:
        figures.append(heatmap(d.heatmap, row="unit", names=d.element_names, locale=LOCALE,
                               min_respondents=d.thresholds.ranked,
                               title="Hình 2. Chỉ số theo đơn vị và yếu tố"))
    if not d.trend.empty:
        figures.append(trend_plot(d.trend, group=None, target=target, locale=LOCALE,
                                  title="Hình 3. Chỉ số hài lòng chung qua các kỳ"))
    if not figures:
        pdf.para("Chưa có số liệu để vẽ biểu đồ.")
    for fig in figures:
        pdf.figure(fig)


QUADRANTS = {"fix first": "ưu tiên cải thiện", "keep up": "duy trì",
             "secondary": "cải thiện sau", "low priority": "theo dõi",
             "importance unknown": "chưa xác định"}
EQUAL_WEIGHTS_NOTE = (
    "Không ước lượng được mức ảnh hưởng: mô hình hồi quy không khớp được với số liệu của "
    "phạm vi này (ví dụ hài lòng chung không thay đổi giữa các phiếu). Mọi yếu tố được coi "
    "là ảnh hưởng như nhau (trọng số bằng nhau), nên thứ tự chỉ theo tỷ lệ chưa hài lòng và "
    "không yếu tố nào được xếp nhóm.")


def _priorities(pdf: ReportPDF, d: Dashboard) -> None:
    """The dashboard's own table (analysis.priority): dissatisfaction × importance, so
    the filed report and the page the analyst saw rank the same elements first."""
    pdf.heading("VII. NỘI DUNG CẦN ƯU TIÊN CẢI THIỆN")
    if d.elements.empty:
        pdf.para("Chưa có số liệu.")
        return
    if d.priority is not None and not d.priority.empty:
        pdf.table(
            ["Thứ tự", "Yếu tố", "Chưa hài lòng", "Mức ảnh hưởng", "Nhóm"],
            [[str(r.rank), d.element_names.get(r.index, r.index), _pct(r.dissatisfaction),
              _pct(r.importance), QUADRANTS.get(r.quadrant, r.quadrant)]
             for r in d.priority.itertuples()],
            (16, 72, 28, 30, 34))
        if d.priority_note == "equal_weights":
            pdf.para(EQUAL_WEIGHTS_NOTE, style="B")
            return
        pdf.para("Mức ảnh hưởng: hồi quy logistic của hài lòng chung theo điểm từng yếu tố "
                 "(sai số chuẩn theo cụm đơn vị); thứ tự = tỷ lệ chưa hài lòng × mức ảnh "
                 "hưởng. Nhóm \"ưu tiên cải thiện\": nhiều người chưa hài lòng và ảnh hưởng "
                 "lớn đến hài lòng chung; yếu tố đứng đầu luôn thuộc nhóm này, và không yếu "
                 "tố nào xếp nhóm cấp bách hơn yếu tố đứng trên nó.")
        return
    why = ("phạm vi quá lớn để tính trực tiếp; hãy lập báo cáo cho một đơn vị hoặc lĩnh vực"
           if d.priority_note == "too_many" else
           f"chưa đủ phiếu (cần ít nhất {d.thresholds.priority} phiếu có câu hỏi hài lòng "
           "chung)")
    worst = d.elements.sort_values("estimate").head(3)
    lines = [f"{i}. {d.element_names.get(r.index, r.index)}: {_pct(r.estimate)} "
             f"(không hài lòng {_pct(1 - r.estimate)})"
             for i, r in enumerate(worst.itertuples(), start=1)]
    pdf.para(f"Chưa xác định được mức ảnh hưởng ({why}). Các yếu tố có tỷ lệ hài lòng thấp "
             "nhất trong phạm vi báo cáo:\n" + "\n".join(lines))


def _sample(pdf: ReportPDF, d: Dashboard) -> None:
    pdf.heading("VIII. CỠ MẪU VÀ LƯU Ý")
    few = d.thresholds.ranked
    small = d.units[d.units["n_respondents"] < few] if not d.units.empty else pd.DataFrame()
    notes = [f"Tổng số phiếu hợp lệ: {_num(d.volumes['responses'])}."]
    if not small.empty:
        notes.append(f"{len(small)} đơn vị có dưới {few} phiếu ("
                     + ", ".join(small["unit"].head(8)) + ("…" if len(small) > 8 else "")
                     + "): khoảng tin cậy rộng, không xếp hạng; nên tăng số phiếu ở kỳ sau.")
    notes += ["Phiếu tự nguyện, không chọn mẫu ngẫu nhiên: người đánh giá có thể khác người "
              "không đánh giá; chỉ số phản ánh ý kiến người đã trả lời.",
              "Phiếu bị đánh dấu nghi vấn (gửi quá nhanh, trùng lặp) không được tính.",
              "Mức ảnh hưởng ở mục VII là ước lượng tương quan từ phiếu, không phải quan hệ "
              "nhân quả; nên đối chiếu với góp ý của người dân trước khi quyết định."]
    pdf.para("\n".join(f"– {n}" for n in notes))


def build_pdf(d: Dashboard, meta: ReportMeta) -> bytes:
    """The report as PDF bytes."""
    pdf = ReportPDF()
    pdf.add_page()
    _title_block(pdf, meta)
    for section in (_scope, _method):
        section(pdf, d, meta) if section is _scope else section(pdf, meta)
    for section in (_headline, _units, _fields, _figures, _priorities, _sample):
        section(pdf, d)
    return bytes(pdf.output())
