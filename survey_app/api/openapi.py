"""The OpenAPI 3 description of the API: the read-only indices, and the receipt links and
dossier events of the one-stop software, kept true by tests/survey_app/api/test_openapi.py
and test_dossier_events.py (every documented parameter is exercised and every real
response validated against it)."""

from __future__ import annotations

from analysis.methods import METHODS

LEVELS = ("overall", "element", "item", "pooled", "all")
PARAMETERS = ("period", "by", "unit", "field", "level", "method", "role", "as_of")
ROLES = ("receiving", "deciding")  # survey_app.reporting.attribution.ATTRIBUTION_ROLES

_NUM = {"type": ["number", "null"]}
_STR = {"type": ["string", "null"]}

ROW = {
    "type": "object",
    "additionalProperties": False,
    "required": ["unit_code", "unit_name", "field_code", "field_name", "level", "index",
                 "estimate", "ci_low", "ci_high", "se", "df", "n_respondents", "n_answers",
                 "method", "unit_note"],
    "properties": {
        "unit_code": {**_STR, "description": "Mã đơn vị (khi by có unit)."},
        "unit_name": _STR,
        "field_code": {**_STR, "description": "Mã lĩnh vực (khi by có field)."},
        "field_name": _STR,
        "level": {"type": "string", "enum": ["overall", "element", "item", "pooled"]},
        "index": {"type": "string",
                  "description": "overall, mã yếu tố (TC, TT, CC, KQ, PA) hoặc "
                                 "<mã bộ câu hỏi>:<mã câu hỏi>."},
        "estimate": {**_NUM, "description": "Tỷ lệ hài lòng, 0–1."},
        "ci_low": _NUM, "ci_high": _NUM, "se": _NUM,
        "df": {**_NUM, "description": "Bậc tự do của khoảng tin cậy."},
        "n_respondents": {"type": "integer", "minimum": 0},
        "n_answers": {"type": "integer", "minimum": 0},
        "method": {"type": "string", "description": "Phương pháp (hoặc phương án dự phòng) "
                                                    "đã dùng cho khoảng tin cậy."},
        "unit_note": {"type": ["string", "null"],
                      "enum": ["split_unassigned", "ended_without_successor", None],
                      "description": "Vì sao một đơn vị cũ vẫn hiện theo tên của nó vào ngày "
                                     "as_of: split_unassigned (đã chia tách, phiếu ở quầy "
                                     "không có quy tắc phân cho đơn vị mới, không chia), "
                                     "ended_without_successor (đã thôi hoạt động, không có "
                                     "đơn vị kế thừa); null cho đơn vị đang hoạt động."},
    },
}

INDICES = {
    "type": "object",
    "additionalProperties": False,
    "required": ["period", "start", "end", "by", "unit", "field", "level", "method", "role",
                 "fallback_responses", "confidence", "descriptive_only", "as_of", "rows"],
    "properties": {
        "period": {"type": "string", "example": "2026-Q3"},
        "as_of": {"type": "string", "format": "date",
                  "description": "Ngày của cơ cấu tổ chức dùng để trình bày kết quả."},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "by": {"type": "array", "items": {"type": "string", "enum": ["unit", "field"]}},
        "unit": _STR, "field": _STR,
        "level": {"type": "string", "enum": list(LEVELS)},
        "method": {"type": "string", "enum": list(METHODS)},
        "role": {"type": "string", "enum": list(ROLES),
                 "description": "receiving: each response counts for the unit that received "
                                "the dossier; deciding: for the agency that decides it."},
        "fallback_responses": {"type": "integer", "minimum": 0,
                               "description": "deciding: valid responses in the scope with no "
                                              "deciding agency recorded, counted for their "
                                              "receiving unit (0 for receiving)."},
        "confidence": {"type": "number"},
        "descriptive_only": {"type": "boolean", "description": "true for wilson, "
                             "clopper-pearson and jeffreys: intervals that treat answers as "
                             "independent describe, they decide no target"},
        "note": {"type": "string"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/IndexRow"}},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "message", "status"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "status": {"type": "integer"}},
}


RECEIPT_REQUEST = {
    "type": "object",
    "required": ["dossier_code", "counter"],
    "properties": {
        "dossier_code": {"type": "string", "maxLength": 64,
                         "description": "Mã hồ sơ; chỉ giá trị băm có khóa được đưa vào liên kết."},
        "counter": {"type": "string", "maxLength": 32,
                    "description": "Mã quầy (nơi tiếp nhận) thuộc đơn vị của khóa API."},
        "field": {"type": ["string", "null"], "maxLength": 32, "description": "Mã lĩnh vực."},
        "procedure_code": {"type": ["string", "null"], "maxLength": 40,
                           "description": "Mã thủ tục hành chính (mã TTHC)."},
        "deciding_agency": {
            "type": ["string", "null"], "maxLength": 32,
            "description": "Cơ quan có thẩm quyền giải quyết: mã đơn vị hoặc mã đơn vị hành "
                           "chính; phải tồn tại, đang hoạt động và còn hiệu lực hôm nay. Theo "
                           "NĐ 118/2025 nơi tiếp nhận thường không phải cơ quan giải quyết."},
    },
}

RECEIPT_LINK = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url", "expires_at", "unit", "counter", "deciding_agency", "qr_png_base64"],
    "properties": {
        "url": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
        "unit": {"type": "string", "description": "Đơn vị tiếp nhận (của khóa API)."},
        "counter": {"type": "string"},
        "deciding_agency": {**_STR, "description": "Mã đơn vị của cơ quan giải quyết."},
        "qr_png_base64": {"type": "string"},
    },
}

REQUEST_ERROR = {
    "type": "object",
    "required": ["error", "message", "status", "field"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "status": {"type": "integer"},
                   "field": {"type": "string", "enum": ["dossier_code", "counter", "field",
                                                       "procedure_code", "deciding_agency"],
                             "description": "Trường bị từ chối."}},
}


_TIME = {"type": ["string", "null"], "format": "date-time"}

EVENT_REQUEST = {
    "type": "object",
    "required": ["event", "dossier_code", "channel"],
    "properties": {
        "event": {"type": "string", "enum": ["received", "returned"],
                  "description": "Sự kiện: tiếp nhận hoặc trả kết quả hồ sơ. Lặp lại cùng "
                                 "(đơn vị, hồ sơ, sự kiện) không tạo gì mới (idempotent)."},
        "dossier_code": {"type": "string", "maxLength": 64,
                         "description": "Mã hồ sơ; chỉ lưu giá trị băm có khóa."},
        "receiving_unit": {"type": ["string", "null"], "maxLength": 32,
                           "description": "Nơi tiếp nhận: mã đơn vị (hoặc mã đơn vị hành "
                                          "chính) của khóa API hoặc một đơn vị trực thuộc. "
                                          "Mặc định: đơn vị của khóa."},
        "counter": {"type": ["string", "null"], "maxLength": 32,
                    "description": "Mã quầy của nơi tiếp nhận cho liên kết khảo sát; mặc "
                                   "định quầy đầu tiên đang hoạt động."},
        "deciding_agency": {"type": ["string", "null"], "maxLength": 32,
                            "description": "Cơ quan có thẩm quyền giải quyết (mã đơn vị hoặc "
                                           "mã đơn vị hành chính)."},
        "field": {"type": ["string", "null"], "maxLength": 32, "description": "Mã lĩnh vực."},
        "procedure_code": {"type": ["string", "null"], "maxLength": 40,
                           "description": "Mã thủ tục hành chính."},
        "channel": {"type": "string", "enum": ["counter", "online", "postal"],
                    "description": "Kênh nộp hồ sơ: tại quầy, trực tuyến, bưu chính."},
        "received_at": {**_TIME, "description": "Thời điểm tiếp nhận (ISO 8601 có múi giờ); "
                                                "bắt buộc với event=received."},
        "returned_at": {**_TIME, "description": "Thời điểm trả kết quả; bắt buộc với "
                                                "event=returned."},
        "contact": {
            "type": ["object", "null"], "additionalProperties": False,
            "properties": {"phone": {"type": "string", "description": "Số di động Việt Nam."},
                           "email": {"type": "string", "maxLength": 254}},
            "description": "Liên hệ để mời đánh giá sau khi người dân đã về (chỉ với "
                           "event=returned; đúng một trong phone, email). Lưu mã hóa và xóa "
                           "ngay khi lời mời đã gửi, thất bại hẳn hoặc hết hạn."},
    },
}

DOSSIER_EVENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event", "created", "receiving_unit", "deciding_agency", "channel", "arm",
                 "link", "invitation"],
    "properties": {
        "event": {"type": "string", "enum": ["received", "returned"]},
        "created": {"type": "boolean", "description": "false: sự kiện đã có từ trước, không "
                                                      "có gì thay đổi."},
        "receiving_unit": {"type": "string"},
        "deciding_agency": _STR,
        "channel": {"type": "string", "enum": ["counter", "online", "postal"]},
        "arm": {"type": ["string", "null"], "enum": ["counter", "later", None],
                "description": "counter: in liên kết lên phiếu trả kết quả; later: lời mời gửi "
                               "sau; null với event=received."},
        "link": {
            "type": ["object", "null"], "additionalProperties": False,
            "required": ["url", "expires_at", "counter", "qr_png_base64"],
            "properties": {"url": {"type": "string"},
                           "expires_at": {"type": "string", "format": "date-time"},
                           "counter": {"type": "string"},
                           "qr_png_base64": {"type": "string"}},
            "description": "Chỉ với arm=counter: liên kết đã ký và mã QR để in."},
        "invitation": {
            "type": ["object", "null"], "additionalProperties": False,
            "required": ["channel", "status", "send_after"],
            "properties": {"channel": {"type": "string", "enum": ["email", "sms", "zalo"]},
                           "status": {"type": "string", "enum": [
                               "pending", "sent", "delivered", "failed", "expired"]},
                           "send_after": {"type": "string", "format": "date-time"}},
            "description": "Chỉ với arm=later: lời mời trong hàng đợi (không bao giờ trả lại "
                           "thông tin liên hệ)."},
    },
}

EVENT_FIELDS = ["event", "dossier_code", "receiving_unit", "counter", "deciding_agency", "field",
                "procedure_code", "channel", "received_at", "returned_at", "contact"]
EVENT_ERROR = {
    "type": "object",
    "required": ["error", "message", "status", "field"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "status": {"type": "integer"},
                   "field": {"type": "string", "enum": EVENT_FIELDS,
                             "description": "Trường bị từ chối."}},
}


DELIVERY_REQUEST = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string", "maxLength": 100,
               "description": "sipas-invitation-<số> (khóa chống trùng đã gửi cho nhà cung cấp) "
                              "hoặc mã tham chiếu của nhà cung cấp."},
        "status": {"type": "string", "enum": ["delivered", "failed"]},
        "reason": {"type": "string", "description": "Lý do khi thất bại (không bắt buộc)."},
    },
}

DELIVERY_ERROR = {
    "type": "object",
    "required": ["error", "message", "status", "field"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                   "status": {"type": "integer"},
                   "field": {"type": "string", "enum": ["id", "status"]}},
}

DELIVERY_REPLY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "status"],
    "properties": {"id": {"type": "string"},
                   "status": {"type": "string", "enum": ["sent", "delivered", "failed"]}},
}


_COUNT = {"type": "integer", "minimum": 0}
COVERAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["period", "start", "end", "rows"],
    "properties": {
        "period": {"type": "string"}, "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "rows": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["unit_code", "field_code", "channel", "returned", "invited",
                         "delivered", "responses", "responses_counter_arm",
                         "responses_later_arm", "response_rate"],
            "properties": {
                "unit_code": {"type": "string", "description": "Nơi tiếp nhận."},
                "field_code": _STR,
                "channel": {"type": "string", "enum": ["counter", "online", "postal"]},
                "returned": {**_COUNT, "description": "Hồ sơ trả kết quả trong kỳ."},
                "invited": {**_COUNT, "description": "Lời mời đã gửi (gồm đã đến)."},
                "delivered": {**_COUNT, "description": "Lời mời đã đến người nhận."},
                "responses": {**_COUNT, "description": "Phiếu hợp lệ qua liên kết hồ sơ."},
                "responses_counter_arm": _COUNT, "responses_later_arm": _COUNT,
                "response_rate": {**_NUM, "description": "responses / returned."}}}},
    },
}


def _param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SIPAS – API chỉ số hài lòng (chỉ đọc)",
            "version": "1.0.0",
            "description": (
                "Chỉ số hài lòng về sự phục vụ hành chính theo đơn vị, lĩnh vực và kỳ báo cáo, "
                "tính bằng cùng công cụ với bảng điều khiển. Mỗi người dùng có một mã truy cập "
                "riêng (quản trị viên cấp); phạm vi dữ liệu như trên bảng điều khiển: cán bộ "
                "đơn vị chỉ thấy đơn vị mình và các đơn vị trực thuộc."),
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"userToken": {"type": "http", "scheme": "bearer",
                                              "description": "Mã truy cập cá nhân."},
                                "deliveryKey": {"type": "http", "scheme": "bearer",
                                                "description": "Khóa của cổng gửi tin "
                                                               "(SIPAS_DELIVERY_REPORT_KEY)."},
                                "unitKey": {"type": "http", "scheme": "bearer",
                                            "description": "Khóa API của đơn vị (phần mềm "
                                                           "một cửa)."}},
            "schemas": {"Indices": INDICES, "IndexRow": ROW, "Error": ERROR,
                        "ReceiptLinkRequest": RECEIPT_REQUEST, "ReceiptLink": RECEIPT_LINK,
                        "RequestError": REQUEST_ERROR, "DossierEventRequest": EVENT_REQUEST,
                        "DossierEvent": DOSSIER_EVENT, "DossierEventError": EVENT_ERROR,
                        "DeliveryReport": DELIVERY_REQUEST, "DeliveryStatus": DELIVERY_REPLY,
                        "DeliveryError": DELIVERY_ERROR, "Coverage": COVERAGE},
        },
        "paths": {
            "/indices": {
                "get": {
                    "summary": "Chỉ số hài lòng của một kỳ, theo đơn vị và/hoặc lĩnh vực",
                    "operationId": "getIndices",
                    "security": [{"userToken": []}],
                    "parameters": [
                        _param("period", "Kỳ báo cáo: 2026-Q1…Q4 (quý CCHC: 10/12–9/3, …), "
                               "2026-H1, 2026-H2, 2026-9M, 2026-Y. Mặc định: quý vừa kết thúc.",
                               {"type": "string", "pattern": r"^\d{4}-(Q[1-4]|H[12]|9M|Y)$"}),
                        _param("by", "Nhóm theo đơn vị, lĩnh vực hoặc cả hai; bỏ trống: "
                               "toàn phạm vi.",
                               {"type": "string", "enum": ["unit", "field", "unit,field"]}),
                        _param("unit", "Mã đơn vị: đơn vị này và các đơn vị trực thuộc.",
                               {"type": "string"}),
                        _param("field", "Mã lĩnh vực.", {"type": "string"}),
                        _param("level", "Cấp chỉ số trả về (mặc định overall).",
                               {"type": "string", "enum": list(LEVELS), "default": "overall"}),
                        _param("method", "Phương pháp khoảng tin cậy (mặc định logit).",
                               {"type": "string", "enum": list(METHODS), "default": "logit"}),
                        _param("role", "Tính mỗi phiếu cho đơn vị nào: receiving (đơn vị tiếp "
                               "nhận hồ sơ, mặc định) hoặc deciding (cơ quan có thẩm quyền "
                               "giải quyết; phiếu không ghi cơ quan giải quyết được tính cho "
                               "đơn vị tiếp nhận). Phạm vi đơn vị (unit) và nhóm theo đơn vị "
                               "(by=unit) đều theo vai trò này.",
                               {"type": "string", "enum": list(ROLES), "default": "receiving"}),
                        _param("as_of", "Ngày của cơ cấu tổ chức (YYYY-MM-DD; mặc định hôm nay "
                               "theo giờ Việt Nam): kết quả của đơn vị đã sáp nhập, đổi tên, "
                               "chia tách được tính cho đơn vị kế thừa vào ngày đó, cả ở các "
                               "kỳ trước; unit là một đơn vị của ngày đó.",
                               {"type": "string", "format": "date"}),
                    ],
                    "responses": {
                        "200": {"description": "Các chỉ số",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Indices"}}}},
                        "400": _error("Tham số không hợp lệ"),
                        "401": _error("Thiếu hoặc sai mã truy cập"),
                        "404": _error("Không tìm thấy đơn vị (hoặc không thuộc phạm vi)"),
                        "429": _error("Quá nhiều yêu cầu"),
                    },
                },
            },
            "/receipt-links": {
                "post": {
                    "summary": "Liên kết khảo sát và mã QR in trên phiếu hẹn của một hồ sơ",
                    "operationId": "createReceiptLink",
                    "security": [{"unitKey": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ReceiptLinkRequest"}}}},
                    "responses": {
                        "201": {"description": "Liên kết đã ký, có hạn",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/ReceiptLink"}}}},
                        "400": _error("Thân yêu cầu không phải đối tượng JSON"),
                        "401": _error("Thiếu hoặc sai khóa API của đơn vị"),
                        "422": {"description": "Một trường không hợp lệ (tên trường trong "
                                               "field)",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/RequestError"}}}},
                        "429": _error("Quá nhiều yêu cầu"),
                    },
                },
            },
            "/dossier-events": {
                "post": {
                    "summary": "Sự kiện hồ sơ từ phần mềm một cửa: tiếp nhận, trả kết quả",
                    "description": "Idempotent theo (nơi tiếp nhận, mã hồ sơ, sự kiện). Khi trả "
                                   "kết quả, hồ sơ được chia ngẫu nhiên (tỷ lệ của đơn vị) vào "
                                   "nhóm counter (in QR trên phiếu) hoặc later (mời đánh giá sau "
                                   "khi người dân đã về). Mỗi hồ sơ chỉ được đánh giá một lần.",
                    "operationId": "recordDossierEvent",
                    "security": [{"unitKey": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/DossierEventRequest"}}}},
                    "responses": {
                        "201": {"description": "Đã ghi sự kiện",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/DossierEvent"}}}},
                        "200": {"description": "Sự kiện đã có từ trước; không có gì thay đổi",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/DossierEvent"}}}},
                        "400": _error("Thân yêu cầu không phải đối tượng JSON"),
                        "401": _error("Thiếu hoặc sai khóa API của đơn vị"),
                        "422": {"description": "Một trường không hợp lệ (tên trường trong "
                                               "field)",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/DossierEventError"}}}},
                        "429": _error("Quá nhiều yêu cầu hoặc hết hạn mức liên kết trong ngày"),
                    },
                },
            },
            "/coverage": {
                "get": {
                    "summary": "Độ bao phủ của một kỳ từ sự kiện hồ sơ: trả kết quả, lời mời, "
                               "phiếu trả lời, tỷ lệ trả lời theo nơi tiếp nhận × lĩnh vực × kênh",
                    "operationId": "getCoverage",
                    "security": [{"userToken": []}],
                    "parameters": [_param("period", "Kỳ báo cáo (như /indices).",
                                          {"type": "string"})],
                    "responses": {
                        "200": {"description": "Độ bao phủ",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Coverage"}}}},
                        "400": _error("Tham số không hợp lệ"),
                        "401": _error("Thiếu hoặc sai mã truy cập"),
                        "429": _error("Quá nhiều yêu cầu"),
                    },
                },
            },
            "/delivery-reports": {
                "post": {
                    "summary": "Cổng gửi tin báo kết quả chuyển phát một lời mời",
                    "operationId": "reportDelivery",
                    "security": [{"deliveryKey": []}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/DeliveryReport"}}}},
                    "responses": {
                        "200": {"description": "Trạng thái mới của lời mời",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/DeliveryStatus"}}}},
                        "400": _error("Thân yêu cầu không phải đối tượng JSON"),
                        "401": _error("Thiếu hoặc sai khóa"),
                        "404": _error("Không có lời mời này (hoặc chưa bật báo cáo chuyển phát)"),
                        "409": _error("Lời mời chưa gửi, đã hết hạn hoặc đã đến người nhận"),
                        "422": {"description": "Một trường không hợp lệ",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/DeliveryError"}}}},
                    },
                },
            },
        },
    }
