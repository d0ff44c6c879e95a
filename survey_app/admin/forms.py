"""Flask-WTF forms of the admin pages: every POST carries a CSRF token, every message is
Vietnamese. Choices that depend on the database are filled in by the views; checks that
need the database (unique codes, tree cycles) live in the views that own them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from survey_app.models import ROLES, TARGET_METRICS, TARGET_SCOPES, UNIT_KINDS, UNIT_LEVELS
from survey_app.web.inputs import whole_number

REQUIRED = _l("Vui lòng nhập thông tin này.")
# WTForms' own messages are English only (it ships no Vietnamese): every length rule says
# its message in the user's language.
TOO_LONG = _l("Tối đa %(max)d ký tự.")
BETWEEN = _l("Cần từ %(min)d đến %(max)d ký tự.")
CODE_RULE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                   message=_l("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."))

KIND_LABELS = {
    "tinh": _l("UBND tỉnh/thành phố"),
    "so": _l("Sở, ban, ngành"),
    "hcc_tinh": _l("Trung tâm Phục vụ hành chính công cấp tỉnh"),
    "hcc_chi_nhanh": _l("Chi nhánh Trung tâm Phục vụ hành chính công"),
    "hcc_xa": _l("Trung tâm Phục vụ hành chính công cấp xã"),
    "diem_tiep_nhan": _l("Điểm tiếp nhận"),
    "xa": _l("UBND xã/phường/đặc khu"),
    "xa_van_phong": _l("Văn phòng HĐND và UBND cấp xã"),
    "xa_kinh_te": _l("Phòng Kinh tế (Kinh tế – Hạ tầng – Đô thị)"),
    "xa_van_hoa_xh": _l("Phòng Văn hóa – Xã hội"),
    "nganh_doc": _l("Cơ quan ngành dọc (Công an, Thuế, BHXH)"),
    "su_nghiep": _l("Đơn vị sự nghiệp"),
    "phong": _l("Phòng chuyên môn"),
    "huyen": _l("UBND huyện (trước 01/7/2025)"),
}
LEVEL_LABELS = {"tinh": _l("Cấp tỉnh"), "xa": _l("Cấp xã"),
                "huyen": _l("Cấp huyện (trước 01/7/2025)")}
ROLE_LABELS = {"admin": _l("Quản trị (Nội vụ)"), "analyst": _l("Phân tích (Nội vụ)"),
               "unit": _l("Cán bộ đơn vị")}
SCOPE_LABELS = {"overall": _l("Toàn địa phương"), "field": _l("Theo lĩnh vực"),
                "unit_kind": _l("Theo loại đơn vị")}
METRIC_LABELS = {"sipas": _l("Chỉ số SIPAS"), "tthc": _l("Hài lòng về giải quyết TTHC"),
                 "service": _l("Hài lòng về sự phục vụ của cơ quan hành chính"),
                 "public_service": _l("Hài lòng về dịch vụ y tế, giáo dục công")}


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms 3.3 wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


def choice(value, allowed) -> None:
    """The choice check WTForms would do, with our Vietnamese message."""
    if value not in allowed:
        raise ValidationError(_l("Vui lòng chọn một giá trị trong danh sách."))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class BulkForm(FlaskForm):
    action = HiddenField()


class UnitForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(REQUIRED), Length(max=32, message=TOO_LONG),
                                                    CODE_RULE])
    name_vi = StringField(_l("Tên tiếng Việt"), validators=[DataRequired(REQUIRED),
                                                           Length(max=200, message=TOO_LONG)])
    name_en = StringField(_l("Tên tiếng Anh (không bắt buộc)"), validators=[Optional(),
                                                                          Length(max=200, message=TOO_LONG)])
    kind = SelectField(_l("Loại đơn vị"), choices=options(KIND_LABELS.items()),
                       validate_choice=False)
    level = SelectField(_l("Cấp hành chính"), choices=options(LEVEL_LABELS.items()),
                        validate_choice=False)
    parent_id = SelectField(_l("Đơn vị cấp trên"), choices=[], validate_choice=False)
    admin_code = StringField(_l("Mã đơn vị hành chính (không bắt buộc)"),
                             validators=[Optional(), Length(max=32, message=TOO_LONG), CODE_RULE])
    valid_from = StringField(_l("Có hiệu lực từ ngày (không bắt buộc)"), validators=[Optional()])
    valid_to = StringField(_l("Thôi có hiệu lực từ ngày (không bắt buộc)"),
                           validators=[Optional()])
    publish_results = BooleanField(_l("Công khai kết quả trên trang công khai (chỉ chỉ số chung)"))
    invite_later_percent = StringField(_l("Tỷ lệ hồ sơ mời đánh giá sau khi người dân đã về (%)"),
                                       validators=[Optional()])

    def validate_invite_later_percent(self, field):
        if later_share(field.data) is None:
            raise ValidationError(_l("Nhập một số từ 0 đến 100, ví dụ 50 hoặc 12,5."))

    def validate_kind(self, field):
        choice(field.data, UNIT_KINDS)

    def validate_level(self, field):
        choice(field.data, UNIT_LEVELS)

    def validate_valid_from(self, field):
        _date_field(field)

    def validate_valid_to(self, field):
        _date_field(field)


def later_share(text: str | None) -> float | None:
    """A percentage typed by the admin (0–100, comma or point) as a share 0–1; "" is 0."""
    text = (text or "").strip().replace(",", ".").removesuffix("%").strip()
    if not text:
        return 0.0
    if len(text) > 8 or not all(c.isascii() and (c.isdigit() or c == ".") for c in text) \
            or text.count(".") > 1 or text == ".":
        return None
    value = float(text)
    return value / 100 if 0 <= value <= 100 else None


def _date_field(field) -> None:
    from survey_app.admin.unit_validity import parse_date

    if (field.data or "").strip() and parse_date(field.data) is None:
        raise ValidationError(_l("Ngày không hợp lệ; ví dụ 2025-07-01 hoặc 01/07/2025."))


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp CSV (UTF-8) hoặc XLSX"))


class ConfirmImportForm(FlaskForm):
    token = HiddenField()
    fingerprint = HiddenField()


class UserForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(REQUIRED), Length(min=3, max=64, message=BETWEEN),
        Regexp(r"^[a-z0-9][a-z0-9._-]*$",
               message=_l("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch "
                          "ngang, gạch dưới."))])
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    role = SelectField(_l("Vai trò"), choices=options((r, ROLE_LABELS[r]) for r in ROLES),
                       validate_choice=False)
    unit_id = SelectField(_l("Đơn vị (bắt buộc với vai trò cán bộ đơn vị)"), choices=[],
                          validate_choice=False)

    def validate_role(self, field):
        choice(field.data, ROLES)


class PasswordMixin:
    password = PasswordField(_l("Mật khẩu (ít nhất 10 ký tự, khó đoán)"), validators=[
        DataRequired(REQUIRED), Length(min=10, max=200,
                                       message=_l("Mật khẩu phải có từ 10 đến 200 ký tự."))])
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[
        EqualTo("password", message=_l("Hai lần nhập mật khẩu không khớp."))])
    # The account's username and full name when they are not fields of the form (reset).
    account_names: tuple[str | None, ...] = ()

    def validate_password(self, field):
        from survey_app.services.passwords import password_problem

        names = self.account_names or (
            getattr(getattr(self, "username", None), "data", None),
            getattr(getattr(self, "full_name", None), "data", None))
        problem = password_problem(field.data or "", names)
        if problem:
            raise ValidationError(problem)


class NewUserForm(UserForm, PasswordMixin):
    pass


class PasswordForm(FlaskForm, PasswordMixin):
    pass


class CounterForm(FlaskForm):
    code = StringField(_l("Mã quầy (duy nhất trong đơn vị)"), validators=[
        DataRequired(REQUIRED), Length(max=32, message=TOO_LONG), CODE_RULE])
    name_vi = StringField(_l("Tên quầy"), validators=[DataRequired(REQUIRED),
                                                     Length(max=200, message=TOO_LONG)])
    name_en = StringField(_l("Tên tiếng Anh (không bắt buộc)"), validators=[Optional(),
                                                                          Length(max=200, message=TOO_LONG)])
    field_id = SelectField(_l("Lĩnh vực (nếu quầy chỉ phục vụ một lĩnh vực)"), choices=[],
                           validate_choice=False)
    instrument_version_id = SelectField(_l("Phiếu khảo sát"), choices=[], validate_choice=False)
    active = BooleanField(_l("Đang hoạt động"), default=True)


class InstrumentUploadForm(FlaskForm):
    file = FileField(_l("Tệp YAML của phiếu khảo sát"))


class TargetForm(FlaskForm):
    # Text fields parsed here: WTForms' own number messages exist in English only.
    year = StringField(_l("Năm"), validators=[InputRequired(_l("Vui lòng nhập năm."))])
    scope = SelectField(_l("Phạm vi"), choices=options((s, SCOPE_LABELS[s]) for s in TARGET_SCOPES),
                        validate_choice=False)
    scope_code = StringField(_l("Mã lĩnh vực hoặc loại đơn vị"),
                             validators=[Optional(), Length(max=32, message=TOO_LONG)])
    metric = SelectField(_l("Chỉ tiêu về"), choices=options((m, METRIC_LABELS[m]) for m in TARGET_METRICS),
                         validate_choice=False)
    value = StringField(_l("Mức tối thiểu (%)"), validators=[
        InputRequired(_l("Vui lòng nhập mức chỉ tiêu (%)."))])
    source = StringField(_l("Văn bản giao chỉ tiêu"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=300, message=TOO_LONG)])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000, message=TOO_LONG)])

    def validate_scope(self, field):
        choice(field.data, TARGET_SCOPES)

    def validate_metric(self, field):
        choice(field.data, TARGET_METRICS)

    def validate_year(self, field):
        year = whole_number(field.data)
        if year is None or not 2000 <= year <= 2100:
            raise ValidationError(_l("Năm phải là số từ 2000 đến 2100."))

    def validate_value(self, field):
        try:
            percent = float((field.data or "").strip().replace(",", "."))
        except ValueError:
            raise ValidationError(_l("Mức chỉ tiêu phải là một số, ví dụ 90 hoặc 92,5.")) from None
        if not 0 < percent <= 100 or percent != percent:
            raise ValidationError(_l("Mức chỉ tiêu phải lớn hơn 0 và không quá 100%."))

    @property
    def share(self) -> float:
        """The percent typed in the form as the stored share (0–1)."""
        return round(float(self.value.data.strip().replace(",", ".")) / 100, 6)


class FieldForm(FlaskForm):
    code = StringField(_l("Mã lĩnh vực"), validators=[DataRequired(REQUIRED),
                                                      Length(max=32, message=TOO_LONG), CODE_RULE])
    name_vi = StringField(_l("Tên tiếng Việt"), validators=[DataRequired(REQUIRED),
                                                           Length(max=200, message=TOO_LONG)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[DataRequired(REQUIRED),
                                                          Length(max=200, message=TOO_LONG)])
    sort_order = StringField(_l("Thứ tự hiển thị"), default="100")
    active = BooleanField(_l("Đang sử dụng"), default=True)
    valid_from = StringField(_l("Có hiệu lực từ ngày (không bắt buộc)"), validators=[Optional()])
    valid_to = StringField(_l("Thôi có hiệu lực từ ngày (không bắt buộc)"),
                           validators=[Optional()])

    def validate_sort_order(self, field):
        if whole_number(field.data, maximum=100_000) is None:
            raise ValidationError(_l("Thứ tự là số nguyên từ 0 đến 100000."))

    def validate_valid_from(self, field):
        _date_field(field)

    def validate_valid_to(self, field):
        _date_field(field)
