"""CLI: reference data, demo seed, users."""

from datetime import date

import pytest
import sqlalchemy as sa
import yaml
from werkzeug.security import check_password_hash

from instruments.loader import FILES_DIR
from survey_app.extensions import db
from survey_app.models import Field, InstrumentVersion, Response, Target, Unit, User
from survey_app.seed.reference import DATA_DIR, ReferenceDataError, register_instrument


def _count(model):
    return db.session.scalar(db.select(sa.func.count()).select_from(model))


def test_init_data_is_idempotent(app, runner):
    first = runner.invoke(args=["init-data"])
    assert first.exit_code == 0, first.output
    assert "added: 0 instruments, 0 fields, 0 targets" in first.output  # fixture loaded them
    with app.app_context():
        shipped = yaml.safe_load((DATA_DIR / "fields.yaml").read_text("utf-8"))
        assert _count(InstrumentVersion) == 2 and _count(Target) == 14
        assert _count(Field) == len(shipped) == 21  # ended fields are kept, not deleted


def test_database_refuses_a_changed_published_instrument(app):
    from instruments import load_instrument_text

    text = (FILES_DIR / "counter-2018.v1.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    data["items"][0]["text"]["vi"] = "Nội dung đã bị sửa"
    changed = yaml.safe_dump(data, allow_unicode=True)
    with app.app_context(), pytest.raises(ReferenceDataError, match="already published"):
        register_instrument(load_instrument_text(changed), changed)


def test_create_user(app, runner):
    result = runner.invoke(args=["create-user", "noivu", "--role", "admin", "--password-stdin"],
                           input="mot-mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="noivu"))
        assert user.role == "admin"
        assert user.password_hash != "mot-mat-khau-dai"
        assert check_password_hash(user.password_hash, "mot-mat-khau-dai")
    again = runner.invoke(args=["create-user", "noivu", "--role", "admin", "--password-stdin"],
                          input="mot-mat-khau-dai\n")
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-user", "x", "--role", "analyst", "--password-stdin"],
                          input="ngan\n")
    assert short.exit_code != 0 and "10" in short.output
    nounit = runner.invoke(args=["create-user", "y", "--role", "unit", "--password-stdin"],
                           input="mot-mat-khau-dai\n")
    assert nounit.exit_code != 0 and "needs --unit" in nounit.output


def test_demo_seed_is_realistic_and_idempotent(demo_app):
    from survey_app.seed.demo import seed_demo

    with demo_app.app_context():
        responses = _count(Response)
        assert responses >= 2000
        units_with_responses = db.session.scalar(
            db.select(sa.func.count(sa.distinct(Response.unit_id))))
        fields_with_responses = db.session.scalar(
            db.select(sa.func.count(sa.distinct(Response.field_id))))
        assert units_with_responses >= 10 and fields_with_responses >= 6
        assert _count(Unit) >= 1 + 10 + 3
        roles = set(db.session.scalars(db.select(User.role)))
        assert roles == {"admin", "analyst", "unit"}

        # realistic variation between units: some ≥ 95%, some < 85%, some tiny samples
        rows = db.session.execute(sa.text(
            "SELECT r.unit_id, COUNT(DISTINCT r.id), AVG(CASE WHEN a.satisfied THEN 1.0 ELSE 0 END)"
            " FROM responses r JOIN answers a ON a.response_id = r.id"
            " WHERE a.element_code IS NOT NULL AND a.value IS NOT NULL GROUP BY r.unit_id")).all()
        shares = [share for _, _, share in rows]
        assert max(shares) >= 0.95 and min(shares) < 0.85
        assert min(n for _, n, _ in rows) < 20

        again = seed_demo(today=date(2026, 11, 21))
        assert again["responses_added"] == 0 and again["volumes_added"] == 0
        assert _count(Response) == responses
