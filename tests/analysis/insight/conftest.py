from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from analysis.indices import compute_indices
from analysis.priority import split_overall
from tests.analysis.insight.synth import make_answers

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def answers_all() -> pd.DataFrame:
    return make_answers(seed=1)


@pytest.fixture(scope="session")
def split(answers_all: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return split_overall(answers_all, "HL")


@pytest.fixture(scope="session")
def results(split) -> pd.DataFrame:
    return compute_indices(split[0], by=["period", "unit"])


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(os.environ.get("SIPAS_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "figures"
    path.mkdir(parents=True, exist_ok=True)
    return path
