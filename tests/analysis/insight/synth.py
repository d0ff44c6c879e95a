"""Synthetic SIPAS answers with Vietnamese names, for tests and sample figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

INSTRUMENT = {  # element code -> items
    "TC": ["TC1", "TC2", "TC3"],
    "TT": ["TT1", "TT2", "TT3"],
    "CC": ["CC1", "CC2", "CC3"],
    "KQ": ["KQ1", "KQ2"],
    "PA": ["PA1", "PA2", "PA3"],
}
ELEMENT_NAMES = {
    "TC": "Tiếp cận dịch vụ",
    "TT": "Thủ tục hành chính",
    "CC": "Công chức trực tiếp giải quyết công việc",
    "KQ": "Kết quả cung ứng dịch vụ",
    "PA": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
}
UNITS = {  # unit -> (respondents per period, latent level)
    "UBND xã Xuân Hòa": (120, 1.6),
    "UBND xã Xuân Bảo": (60, 0.9),
    "UBND thị trấn Gia Ray": (200, 1.3),
    "UBND xã Suối Cát": (8, 0.2),
    "Sở Tài nguyên và Môi trường": (90, 0.5),
    "Sở Tư pháp": (45, 2.0),
    "UBND phường Xuân An": (150, 1.1),
    "Bệnh viện Đa khoa khu vực": (25, 0.7),
    "UBND xã Lang Minh": (70, 1.8),
    "Trường THPT Xuân Lộc": (35, 1.4),
    "UBND xã Xuân Định": (110, 0.4),
    "UBND xã Bảo Hòa": (12, 1.0),
}
FIELDS = ["Đất đai", "Tư pháp – hộ tịch", "Xây dựng"]


def make_answers(seed: int = 1, periods: tuple[str, ...] = ("2024", "2025"),
                 overall_item: str | None = "HL", broken_item: str | None = "TT3",
                 scale: float = 1.0) -> pd.DataFrame:
    """Long answers table (value float, NaN = n/a) with a latent satisfaction per
    respondent; ``broken_item`` answers at random (for reliability tests)."""
    rng = np.random.default_rng(seed)
    frames = []
    n = 0
    for t, period in enumerate(periods):
        for u, (size, level) in UNITS.items():
            m = max(2, int(round(size * scale)))
            latent = level + 0.3 * t * (u.endswith("Hòa")) + rng.normal(0, 1.2, m)
            rid = np.array([f"R{n + i:05d}" for i in range(m)])
            n += m
            field = rng.choice(FIELDS, m)
            items = [(e, i) for e, its in INSTRUMENT.items() for i in its]
            if overall_item:
                items.append(("HL", overall_item))
            for j, (element, item) in enumerate(items):
                shift = {"PA": -0.6, "TT": -0.3, "CC": 0.2}.get(element, 0.0)
                z = latent + shift + rng.normal(0, 0.8, m)
                if item == broken_item:
                    z = rng.normal(1.0, 1.5, m)
                v = np.clip(np.round(3.4 + 0.8 * z), 1, 5)
                v[rng.random(m) < (0.25 if element == "PA" else 0.05)] = np.nan
                if item == overall_item:
                    v = np.clip(np.round(3.3 + 0.9 * (latent + rng.normal(0, 0.6, m))), 1, 5)
                frames.append(pd.DataFrame({
                    "response_id": rid, "unit": u, "field": field, "period": period,
                    "element": element, "item": item, "value": v, "_j": j}))
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values(["response_id", "_j"], kind="stable").drop(columns="_j")
    return df.reset_index(drop=True)


def write_csv(df: pd.DataFrame, path) -> None:
    out = df.copy()
    out["value"] = out["value"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
