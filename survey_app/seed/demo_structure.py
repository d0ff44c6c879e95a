"""The demo's organisation: a FICTIONAL province (tỉnh Hòa Giang) after the 2025 reform.

Before 2025-07-01 (three tiers, kept as history): the district huyện Xuân Hòa with its
offices and twelve communes, and the province's departments under their old names.
From 2025-07-01 (two tiers): the province's public administration service centre with a
branch, eight departments under their 2025 names, two vertical agencies, and twelve
communes and wards, each with its own service centre and one or two reception points.
The lineage links the old units to the new ones (merges, renames, a move, and a split
with a counter rule). Every name and official code here is invented.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

REFORM = date(2025, 7, 1)        # two-tier local government (Resolution 202/2025/QH15)
DEPARTMENTS_MERGED = date(2025, 3, 1)  # the departments' merger (NĐ 45/2025/NĐ-CP)
RESOLUTION = "Nghị quyết sắp xếp đơn vị hành chính cấp xã năm 2025 (giả định, demo)"
DEPARTMENT_ACT = "NĐ 45/2025/NĐ-CP; quyết định của UBND tỉnh (giả định, demo)"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name_vi: str
    name_en: str | None
    kind: str
    level: str
    parent: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    admin_code: str | None = None


@dataclass(frozen=True)
class CounterSpec:
    unit: str
    code: str
    name_vi: str
    name_en: str
    instrument: str  # sipas-2022 (long form) or counter-2018 (short form)
    field: str | None = None  # a counter that serves one field


@dataclass(frozen=True)
class LinkSpec:
    predecessor: str
    successor: str
    change: str
    effective: date
    note: str
    counters: tuple[str, ...] = ()  # a split's rule: the predecessor's counters going here


PROVINCE = UnitSpec("T-HG", "UBND tỉnh Hòa Giang", "Hoa Giang Provincial People's Committee",
                    "tinh", "tinh", None, admin_code="99")

_TODAY = [
    UnitSpec("HCC-T", "Trung tâm Phục vụ hành chính công tỉnh Hòa Giang",
             "Hoa Giang Provincial Public Administration Service Centre", "hcc_tinh", "tinh",
             "T-HG"),
    UnitSpec("HCC-CN-XH", "Chi nhánh Xuân Hòa – Trung tâm Phục vụ hành chính công tỉnh",
             "Xuan Hoa branch of the provincial service centre", "hcc_chi_nhanh", "tinh",
             "HCC-T", valid_from=REFORM),
    UnitSpec("S-TC", "Sở Tài chính", "Department of Finance", "so", "tinh", "T-HG"),
    UnitSpec("S-NNMT", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and "
             "Environment", "so", "tinh", "T-HG", valid_from=DEPARTMENTS_MERGED),
    UnitSpec("S-XD", "Sở Xây dựng", "Department of Construction", "so", "tinh", "T-HG"),
    UnitSpec("S-NV", "Sở Nội vụ", "Department of Home Affairs", "so", "tinh", "T-HG"),
    UnitSpec("S-TP", "Sở Tư pháp", "Department of Justice", "so", "tinh", "T-HG"),
    UnitSpec("S-YT", "Sở Y tế", "Department of Health", "so", "tinh", "T-HG"),
    UnitSpec("S-GDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training", "so",
             "tinh", "T-HG"),
    UnitSpec("S-KHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology", "so",
             "tinh", "T-HG"),
    UnitSpec("CA-HG", "Công an tỉnh Hòa Giang", "Hoa Giang Provincial Police", "nganh_doc",
             "tinh", "T-HG"),
    UnitSpec("THUE-HG", "Thuế tỉnh Hòa Giang", "Hoa Giang Provincial Tax Office", "nganh_doc",
             "tinh", "T-HG", valid_from=REFORM),
    UnitSpec("TTYT-XH", "Trung tâm Y tế khu vực Xuân Hòa", "Xuan Hoa Area Health Centre",
             "su_nghiep", "tinh", "S-YT", valid_from=REFORM),
]

# The old departments, merged into today's on 2025-03-01 (NĐ 45/2025).
OLD_DEPARTMENTS = [
    # code, name, English, successor
    ("S-KHDT", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment", "S-TC"),
    ("S-TNMT", "Sở Tài nguyên và Môi trường", "Department of Natural Resources and "
     "Environment", "S-NNMT"),
    ("S-NNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and "
     "Rural Development", "S-NNMT"),
    ("S-GTVT", "Sở Giao thông vận tải", "Department of Transport", "S-XD"),
    ("S-LDTBXH", "Sở Lao động – Thương binh và Xã hội", "Department of Labour, Invalids and "
     "Social Affairs", "S-NV"),
    ("S-TTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications",
     "S-KHCN"),
]

DISTRICT = UnitSpec("H-XH", "UBND huyện Xuân Hòa", "Xuan Hoa District People's Committee",
                    "huyen", "huyen", "T-HG", valid_to=REFORM, admin_code="991")
DISTRICT_OFFICES = [
    # code, name, kind, successor, change
    ("P-TNMT", "Phòng Tài nguyên và Môi trường", "phong", "S-NNMT", "merge"),
    ("P-KTHT", "Phòng Kinh tế – Hạ tầng", "phong", "S-XD", "merge"),
    ("P-TP", "Phòng Tư pháp", "phong", "C-XHO", "merge"),
    ("P-LDTBXH", "Phòng Lao động – Thương binh và Xã hội", "phong", "C-XHO-VHXH", "merge"),
    ("P-TCKH", "Phòng Tài chính – Kế hoạch", "phong", "S-TC", "merge"),
    ("SN-TTYT", "Trung tâm Y tế huyện Xuân Hòa", "su_nghiep", "TTYT-XH", "move"),
]

# The district's communes until 2025-07-01: code, name, base logit, responses/quarter.
OLD_COMMUNES = [
    ("X-TT", "UBND thị trấn Xuân Hòa", 2.9, 60),
    ("X-AT", "UBND xã An Thạnh", 3.4, 45),
    ("X-BI", "UBND xã Xuân Bình", 1.3, 50),
    ("X-PH", "UBND xã Xuân Phú", 2.2, 35),
    ("X-TH", "UBND xã Xuân Thành", 1.6, 40),
    ("X-HG", "UBND xã Xuân Hưng", 2.6, 30),
    ("X-TR", "UBND xã Xuân Trường", 3.1, 25),
    ("X-LO", "UBND xã Xuân Lộc", 1.9, 35),
    ("X-SO", "UBND xã Suối Cát", 2.4, 25),
    ("X-BT", "UBND xã Bảo Thành", 1.1, 20),
    ("X-LA", "UBND xã Lang Minh", 2.0, 3),   # very few responses
    ("X-SC", "UBND xã Sông Cầu", 2.8, 2),    # very few responses
]


@dataclass(frozen=True)
class Commune:
    code: str
    name: str       # without "UBND": "xã Xuân An", "phường Xuân Hòa", "đặc khu Hòn Mây"
    name_en: str
    base: float     # logit of satisfaction at the centre
    per_quarter: int
    points: tuple[tuple[str, float, float], ...]  # reception points: place, base, per quarter
    predecessors: tuple[str, ...] = ()
    change: str = "merge"


# Today's communes and wards (from 2025-07-01). The first five replace the district's.
COMMUNES = [
    Commune("C-XHO", "phường Xuân Hòa", "Xuan Hoa Ward", 2.7, 55, (("Xuân Hưng", 2.4, 20),),
            ("X-TT", "X-HG")),
    Commune("C-XAN", "xã Xuân An", "Xuan An Commune", 3.4, 40,
            (("Xuân Bình", 3.2, 18), ("Xuân Phú", 3.5, 14)), ("X-AT", "X-BI", "X-PH")),
    Commune("C-TLO", "xã Thành Lộc", "Thanh Loc Commune", 1.2, 40,
            (("Xuân Trường", 1.4, 15), ("Xuân Lộc", 1.0, 15)), ("X-TH", "X-TR", "X-LO")),
    Commune("C-MCA", "xã Minh Cầu", "Minh Cau Commune", 2.2, 30,
            (("Lang Minh", 2.0, 8), ("Sông Cầu", 2.6, 2)), ("X-SO", "X-LA", "X-SC")),
    Commune("C-HTH", "xã Hòa Thành", "Hoa Thanh Commune", 1.3, 25, (("Bảo Thành", 1.5, 8),),
            ("X-BT",), "rename"),
    Commune("C-HGI", "phường Hòa Giang", "Hoa Giang Ward", 3.0, 60,
            (("Bến Đá", 2.8, 20), ("Chợ Mới", 2.9, 15))),
    Commune("C-TLA", "phường Tân Lập", "Tan Lap Ward", 2.4, 45, (("Tân Lập Đông", 2.2, 15),)),
    Commune("C-DHO", "phường Đông Hòa", "Dong Hoa Ward", 1.8, 40, (("Đông Hòa Bắc", 1.7, 12),)),
    Commune("C-PLA", "xã Phú Lâm", "Phu Lam Commune", 2.6, 30,
            (("Phú Lâm Thượng", 2.5, 10), ("Lâm Hạ", 2.4, 8))),
    Commune("C-TMY", "xã Tân Mỹ", "Tan My Commune", 2.0, 30, (("Mỹ Thạnh", 1.8, 10),)),
    Commune("C-LDI", "xã Long Điền", "Long Dien Commune", 3.3, 25, (("Long Điền Tây", 3.1, 8),)),
    Commune("C-HMA", "đặc khu Hòn Mây", "Hon May Special Zone", 2.5, 15, (("Bãi Dài", 2.3, 3),)),
]

WARD_DIVISIONS = [  # the divisions of one ward, as an example of the commune's bodies
    ("C-XHO-VP", "Văn phòng HĐND và UBND phường Xuân Hòa", "xa_van_phong"),
    ("C-XHO-KT", "Phòng Kinh tế, Hạ tầng và Đô thị phường Xuân Hòa", "xa_kinh_te"),
    ("C-XHO-VHXH", "Phòng Văn hóa – Xã hội phường Xuân Hòa", "xa_van_hoa_xh"),
]

SHORT, LONG = "counter-2018", "sipas-2022"
DISTRICT_COUNTERS = [
    CounterSpec("H-XH", "Q1", "Quầy 1 – Đất đai", "Counter 1 – Land", LONG, "dat-dai"),
    CounterSpec("H-XH", "Q2", "Quầy 2 – Xây dựng", "Counter 2 – Construction", LONG, "xay-dung"),
    CounterSpec("H-XH", "Q3", "Quầy 3 – Đầu tư, kinh doanh", "Counter 3 – Investment, "
                "business", SHORT),
    CounterSpec("H-XH", "Q4", "Quầy 4 – Tư pháp, lao động", "Counter 4 – Justice, labour",
                SHORT),
    CounterSpec("P-TP", "CT", "Quầy Chứng thực", "Certification", SHORT, "chung-thuc"),
    CounterSpec("P-LDTBXH", "LD", "Quầy Lao động – Xã hội", "Labour counter", SHORT, "lao-dong"),
    CounterSpec("SN-TTYT", "TN", "Quầy Tiếp nhận", "Reception", SHORT, "y-te"),
    CounterSpec("S-KHDT", "DK", "Bộ phận Một cửa – Đăng ký kinh doanh", "Business registration",
                SHORT),
    CounterSpec("S-TNMT", "MC", "Bộ phận Một cửa Sở TN&MT", "One-stop counter", SHORT),
    CounterSpec("S-LDTBXH", "MC", "Bộ phận Một cửa Sở LĐ-TB&XH", "One-stop counter", SHORT,
                "lao-dong"),
]
# The split of the district (2025-07-01): its counters, by successor.
DISTRICT_SPLIT = {"HCC-CN-XH": ("Q1", "Q2", "Q3"), "C-XHO": ("Q4",)}

PROVINCE_COUNTERS = [
    CounterSpec("HCC-T", "TC", "Quầy Tài chính – Đầu tư", "Finance and investment", SHORT),
    CounterSpec("HCC-T", "NM", "Quầy Nông nghiệp và Môi trường", "Agriculture and environment",
                LONG),
    CounterSpec("HCC-T", "XD", "Quầy Xây dựng – Giao thông", "Construction and transport", LONG),
    CounterSpec("HCC-T", "NV", "Quầy Nội vụ – Lao động", "Home affairs and labour", SHORT),
    CounterSpec("HCC-T", "TP", "Quầy Tư pháp", "Justice", SHORT, "tu-phap-ho-tich"),
    CounterSpec("HCC-T", "YT", "Quầy Y tế – Giáo dục", "Health and education", SHORT),
    CounterSpec("HCC-T", "CA", "Quầy Công an", "Police counter", SHORT, "cu-tru"),
    CounterSpec("HCC-T", "TH", "Quầy Thuế", "Tax counter", SHORT, "thue"),
    CounterSpec("HCC-CN-XH", "Q1", "Quầy 1 – Đất đai", "Counter 1 – Land", LONG, "dat-dai"),
    CounterSpec("HCC-CN-XH", "Q2", "Quầy 2 – Xây dựng", "Counter 2 – Construction", LONG,
                "xay-dung"),
    CounterSpec("HCC-CN-XH", "Q3", "Quầy 3 – Tài chính, kinh doanh", "Counter 3 – Finance, "
                "business", SHORT),
    CounterSpec("TTYT-XH", "TN", "Quầy Tiếp nhận", "Reception", SHORT, "y-te"),
]


def unaccented(name: str) -> str:
    """A Vietnamese place name as English texts write it: "Sông Cầu" → "Song Cau"."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def centre_code(commune: str) -> str:
    return f"{commune}-HCC"


def point_code(commune: str, i: int) -> str:
    return f"{commune}-D{i}"


def unit_specs() -> list[UnitSpec]:
    """Every unit, parents first (the province first: it is the locality's root)."""
    specs = [PROVINCE, *_TODAY]
    specs += [UnitSpec(code, name, en, "so", "tinh", "T-HG", valid_to=DEPARTMENTS_MERGED)
              for code, name, en, _succ in OLD_DEPARTMENTS]
    specs.append(DISTRICT)
    specs += [UnitSpec(code, name, None, kind, "huyen", "H-XH", valid_to=REFORM)
              for code, name, kind, _succ, _change in DISTRICT_OFFICES]
    specs += [UnitSpec(code, name, None, "xa", "xa", "H-XH", valid_to=REFORM,
                       admin_code=f"991{i:02d}")
              for i, (code, name, _base, _n) in enumerate(OLD_COMMUNES, 1)]
    for i, c in enumerate(COMMUNES, 1):
        specs.append(UnitSpec(c.code, f"UBND {c.name}", f"{c.name_en} People's Committee",
                              "xa", "xa", "T-HG", valid_from=REFORM, admin_code=f"995{i:02d}"))
        specs.append(UnitSpec(centre_code(c.code), f"Trung tâm Phục vụ hành chính công {c.name}",
                              f"{c.name_en} Public Administration Service Centre", "hcc_xa",
                              "xa", c.code, valid_from=REFORM))
        specs += [UnitSpec(point_code(c.code, j), f"Điểm tiếp nhận {place} ({c.name})",
                           f"{unaccented(place)} reception point ({c.name_en})", "diem_tiep_nhan", "xa",
                           centre_code(c.code), valid_from=REFORM)
                  for j, (place, _base, _n) in enumerate(c.points, 1)]
    specs += [UnitSpec(code, name, None, kind, "xa", "C-XHO", valid_from=REFORM)
              for code, name, kind in WARD_DIVISIONS]
    return specs


def counter_specs() -> list[CounterSpec]:
    specs = [*DISTRICT_COUNTERS, *PROVINCE_COUNTERS]
    for code, _name, _base, per_quarter in OLD_COMMUNES:
        specs.append(CounterSpec(code, "MC", "Bộ phận Một cửa", "One-stop counter", SHORT))
        if per_quarter >= 45:
            specs.append(CounterSpec(code, "HT", "Quầy Hộ tịch – Chứng thực",
                                     "Civil status counter", LONG, "tu-phap-ho-tich"))
    for c in COMMUNES:
        centre = centre_code(c.code)
        specs.append(CounterSpec(centre, "MC", "Quầy Một cửa", "One-stop counter", SHORT))
        if c.per_quarter >= 40:
            specs.append(CounterSpec(centre, "HT", "Quầy Hộ tịch – Chứng thực",
                                     "Civil status counter", LONG, "tu-phap-ho-tich"))
        specs += [CounterSpec(point_code(c.code, j), "TN", "Quầy tiếp nhận", "Reception desk",
                              SHORT) for j in range(1, len(c.points) + 1)]
    return specs


def link_specs() -> list[LinkSpec]:
    """predecessor → successor, as the lineage import would take them (docs/admin.md)."""
    links = [LinkSpec(code, succ, "merge", DEPARTMENTS_MERGED, DEPARTMENT_ACT)
             for code, _name, _en, succ in OLD_DEPARTMENTS]
    links += [LinkSpec("H-XH", succ, "split", REFORM, RESOLUTION, counters)
              for succ, counters in DISTRICT_SPLIT.items()]
    links += [LinkSpec(code, succ, change, REFORM, RESOLUTION)
              for code, _name, _kind, succ, change in DISTRICT_OFFICES]
    for c in COMMUNES:
        links += [LinkSpec(old, c.code, c.change, REFORM, RESOLUTION) for old in c.predecessors]
    return links


__all__ = ["COMMUNES", "DEPARTMENTS_MERGED", "DISTRICT", "OLD_COMMUNES", "PROVINCE", "REFORM",
           "CounterSpec", "LinkSpec", "UnitSpec", "centre_code", "counter_specs",
           "link_specs", "point_code", "unit_specs"]
