"""Alembic is the only way the schema changes: upgrading an empty database to head
gives exactly the models' schema, and downgrading to base removes it, on SQLite and
on PostgreSQL."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from survey_app.extensions import db
from tests.conftest import make_app

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    return request.getfixturevalue("pg_schema_url")


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_gives_model_schema_and_downgrade_removes_it(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            assert _differences(conn) == []
            tables = set(sa.inspect(conn).get_table_names())
        assert {"units", "fields", "counters", "instrument_versions", "responses", "answers",
                "comments", "targets", "dossier_volumes", "users", "audit_log"} <= tables

        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade(directory=MIGRATIONS)  # and back up again: downgrade left nothing behind
        db.engine.dispose()


def test_migrated_database_refuses_to_rewrite_the_audit_log(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO audit_log (at, action) VALUES (:at, 'login')"),
                         {"at": "2026-01-01 00:00:00+00:00"})
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                    db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT action FROM audit_log")).scalars().all() == [
                "login"]
        db.engine.dispose()


def test_0002_backfills_item_positions_of_existing_answers(empty_database_url):
    from instruments.loader import FILES_DIR

    app = make_app(empty_database_url)
    source = (FILES_DIR / "counter-2018.v1.yaml").read_text("utf-8")
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0001")
        with db.engine.begin() as conn:
            now = "2026-03-10 01:00:00+00:00"
            conn.execute(sa.text(
                "INSERT INTO instrument_versions (id, code, version, checksum, source, status,"
                " published_at) VALUES (1, 'counter-2018', 1, 'x', :s, 'published', :t)"),
                {"s": source, "t": now})
            conn.execute(sa.text("INSERT INTO units (id, code, name_vi, kind, level, active,"
                                 " publish_results) VALUES (1, 'U', 'Xã', 'xa', 'xa', true, false)"))
            conn.execute(sa.text("INSERT INTO fields (id, code, name_vi, name_en, sort_order,"
                                 " active) VALUES (1, 'dat-dai', 'Đất đai', 'Land', 1, true)"))
            conn.execute(sa.text(
                "INSERT INTO responses (id, instrument_version_id, unit_id, field_id, channel,"
                " submitted_at, locale, submission_key, status) VALUES"
                " (1, 1, 1, 1, 'web', :t, 'vi', 'k', 'valid')"), {"t": now})
            for code, element, value in (("TC", "TC", 5), ("KQ", "KQ", None),
                                         ("PA", "PA", 2), ("OVERALL", None, 3)):
                conn.execute(sa.text(
                    "INSERT INTO answers (response_id, item_code, element_code, value)"
                    " VALUES (1, :c, :e, :v)"), {"c": code, "e": element, "v": value})
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            positions = dict(conn.execute(sa.text(
                "SELECT item_code, item_position FROM answers")).all())
        assert positions == {"TC": 0, "KQ": 3, "PA": 4, "OVERALL": None}
        db.engine.dispose()


def test_0006_carries_units_and_responses_forward_into_two_tiers(empty_database_url):
    """A database of the three-tier era keeps every unit (open validity, no official code)
    and every response (no deciding agency); the new kinds and the lineage then work."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.begin() as conn:
            now = "2026-03-10 01:00:00+00:00"
            conn.execute(sa.text(
                "INSERT INTO instrument_versions (id, code, version, checksum, source, status,"
                " published_at) VALUES (1, 'c', 1, 'x', 'x', 'published', :t)"), {"t": now})
            conn.execute(sa.text(
                "INSERT INTO units (id, code, name_vi, kind, level, active, publish_results)"
                " VALUES (1, 'H-OLD', 'UBND huyện Cũ', 'huyen', 'huyen', true, false),"
                " (2, 'X-OLD', 'UBND xã Cũ', 'xa', 'xa', true, false)"))
            conn.execute(sa.text("INSERT INTO fields (id, code, name_vi, name_en, sort_order,"
                                 " active) VALUES (1, 'dat-dai', 'Đất đai', 'Land', 1, true)"))
            conn.execute(sa.text(
                "INSERT INTO responses (id, instrument_version_id, unit_id, field_id, channel,"
                " submitted_at, locale, submission_key, status) VALUES"
                " (1, 1, 2, 1, 'web', :t, 'vi', 'k', 'valid')"), {"t": now})
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            units = conn.execute(sa.text(
                "SELECT code, kind, valid_from, valid_to, admin_code FROM units ORDER BY id"
            )).all()
            assert [tuple(u) for u in units] == [("H-OLD", "huyen", None, None, None),
                                                 ("X-OLD", "xa", None, None, None)]
            assert conn.execute(sa.text(
                "SELECT unit_id, deciding_unit_id FROM responses")).one() == (2, None)
            conn.execute(sa.text(
                "INSERT INTO units (id, code, name_vi, kind, level, active, publish_results,"
                " admin_code, valid_from) VALUES (3, 'P-NEW', 'Phường Mới', 'xa', 'xa', true,"
                " false, '26734', '2025-07-01'), (4, 'P-HCC', 'Trung tâm PVHCC', 'hcc_xa',"
                " 'xa', true, false, NULL, '2025-07-01')"))
            conn.execute(sa.text(
                "INSERT INTO unit_lineage (predecessor_id, successor_id, effective_date,"
                " change) VALUES (2, 3, '2025-07-01', 'merge')"))
            conn.execute(sa.text("UPDATE responses SET deciding_unit_id = 3"))
        for bad in ("INSERT INTO units (id, code, name_vi, kind, level, active,"
                    " publish_results, admin_code) VALUES (9, 'Z', 'Z', 'xa', 'xa', true,"
                    " false, '26734')",  # the official code is unique
                    "INSERT INTO units (id, code, name_vi, kind, level, active,"
                    " publish_results) VALUES (9, 'Z', 'Z', 'thon', 'xa', true, false)",
                    "UPDATE units SET valid_to = '2025-01-01' WHERE id = 3",  # before from
                    "INSERT INTO unit_lineage (predecessor_id, successor_id, effective_date,"
                    " change) VALUES (2, 2, '2025-07-01', 'merge')",
                    "INSERT INTO unit_lineage (predecessor_id, successor_id, effective_date,"
                    " change) VALUES (1, 3, '2025-07-01', 'absorb')"):
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                conn.execute(sa.text(bad))
        db.engine.dispose()


def test_0008_carries_fields_forward_with_open_validity(empty_database_url):
    """Fields of a 0006 database stay, open-ended, with their counters and responses; a
    field then ends on a date, and an end before its start is refused."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.begin() as conn:
            now = "2026-03-10 01:00:00+00:00"
            conn.execute(sa.text(
                "INSERT INTO instrument_versions (id, code, version, checksum, source, status,"
                " published_at) VALUES (1, 'c', 1, 'x', 'x', 'published', :t)"), {"t": now})
            conn.execute(sa.text(
                "INSERT INTO units (id, code, name_vi, kind, level, active, publish_results)"
                " VALUES (1, 'X-OLD', 'UBND xã Cũ', 'xa', 'xa', true, false)"))
            conn.execute(sa.text(
                "INSERT INTO fields (id, code, name_vi, name_en, sort_order, active) VALUES"
                " (1, 'giao-thong', 'Giao thông vận tải', 'Transport', 1, true),"
                " (2, 'dat-dai', 'Đất đai', 'Land', 2, true)"))
            conn.execute(sa.text(
                "INSERT INTO responses (id, instrument_version_id, unit_id, field_id, channel,"
                " submitted_at, locale, submission_key, status) VALUES"
                " (1, 1, 1, 1, 'web', :t, 'vi', 'k', 'valid')"), {"t": now})
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:
            rows = conn.execute(sa.text(
                "SELECT code, active, valid_from, valid_to FROM fields ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [("giao-thong", True, None, None),
                                                ("dat-dai", True, None, None)]
            assert conn.execute(sa.text("SELECT field_id FROM responses")).scalar_one() == 1
            conn.execute(sa.text("UPDATE fields SET valid_to = '2025-03-01' WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE fields SET valid_from = '2025-06-01' WHERE id = 1"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM fields WHERE id = 1"))  # responses refer to it
        downgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM fields")).scalar_one() == 2
        db.engine.dispose()


def test_0004_chains_existing_audit_rows_and_versions_existing_users(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.begin() as conn:
            for i, (at, action) in enumerate([("2026-01-01 00:00:00.250000+00:00", "login"),
                                               ("2026-01-02 08:30:00+00:00", "user.create")]):
                conn.execute(sa.text(
                    "INSERT INTO audit_log (at, username, action, object_id, detail)"
                    " VALUES (:at, 'quantri', :a, :o, :d)"),
                    {"at": at, "a": action, "o": str(i), "d": '{"tên": "Xuân An", "n": [1, 2.5]}'})
            conn.execute(sa.text(
                "INSERT INTO users (username, password_hash, role, active, created_at)"
                " VALUES ('quantri', 'x', 'admin', true, '2026-01-01 00:00:00+00:00')"))
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            versions = conn.execute(sa.text("SELECT session_version FROM users")).scalars().all()
            assert all(v and len(v) == 32 for v in versions)
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "2 rows, chain intact" in result.output, result.output
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                    db.engine.begin() as conn:
                conn.execute(sa.text(statement))  # the triggers are back
        db.engine.dispose()  # else the pool is collected in a later test: ResourceWarning


def test_0005_scopes_dossier_uniqueness_to_the_unit_and_keeps_the_rows(empty_database_url):
    app = make_app(empty_database_url)
    insert = ("INSERT INTO responses (id, instrument_version_id, unit_id, field_id, channel,"
              " submitted_at, locale, submission_key, status, dossier_hash) VALUES"
              " (:id, 1, :unit, 1, 'receipt_qr', '2026-03-10 01:00:00+00:00', 'vi', :k,"
              " 'valid', :h)")
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO instrument_versions (id, code, version, checksum, source, status,"
                " published_at) VALUES (1, 'x', 1, 'x', 'x', 'published',"
                " '2026-03-10 01:00:00+00:00')"))
            for unit in (1, 2):
                conn.execute(sa.text(
                    "INSERT INTO units (id, code, name_vi, kind, level, active,"
                    " publish_results) VALUES (:i, :c, 'Xã', 'xa', 'xa', true, false)"),
                    {"i": unit, "c": f"U{unit}"})
            conn.execute(sa.text("INSERT INTO fields (id, code, name_vi, name_en, sort_order,"
                                 " active) VALUES (1, 'dat-dai', 'Đất đai', 'Land', 1, true)"))
            conn.execute(sa.text(insert), {"id": 1, "unit": 1, "k": "k1", "h": "a" * 64})
        upgrade(directory=MIGRATIONS)
        with db.engine.begin() as conn:  # the same dossier hash at another unit: accepted
            conn.execute(sa.text(insert), {"id": 2, "unit": 2, "k": "k2", "h": "a" * 64})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"id": 3, "unit": 1, "k": "k3", "h": "a" * 64})
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id, unit_id FROM responses ORDER BY id")
                                ).all() == [(1, 1), (2, 2)]
            assert conn.execute(sa.text("SELECT count(*) FROM receipt_link_counts")
                                ).scalar() == 0
        db.engine.dispose()


def test_0005_keeps_answers_comments_and_indexes_on_sqlite(tmp_path):
    """SQLite rebuilds `responses` for the new constraint: its children and its partial
    reporting index must come through."""
    app = make_app(f"sqlite:///{tmp_path / 'keep.sqlite3'}")
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0003")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO instrument_versions (id, code, version, checksum, source, status,"
                " published_at) VALUES (1, 'x', 1, 'x', 'x', 'published',"
                " '2026-03-10 01:00:00+00:00')"))
            conn.execute(sa.text("INSERT INTO units (id, code, name_vi, kind, level, active,"
                                 " publish_results) VALUES (1, 'U', 'Xã', 'xa', 'xa', 1, 0)"))
            conn.execute(sa.text("INSERT INTO fields (id, code, name_vi, name_en, sort_order,"
                                 " active) VALUES (1, 'dat-dai', 'Đất đai', 'Land', 1, 1)"))
            conn.execute(sa.text(
                "INSERT INTO responses (id, instrument_version_id, unit_id, field_id, channel,"
                " submitted_at, locale, submission_key, status) VALUES"
                " (1, 1, 1, 1, 'counter_qr', '2026-03-10 01:00:00+00:00', 'vi', 'k', 'valid')"))
            conn.execute(sa.text("INSERT INTO answers (response_id, item_code, value)"
                                 " VALUES (1, 'OVERALL', 4)"))
            conn.execute(sa.text("INSERT INTO comments (response_id, text, status, created_at)"
                                 " VALUES (1, 'Tốt', 'approved', '2026-03-10 01:00:00+00:00')"))
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            counts = [conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("responses", "answers", "comments")]
            index = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name ="
                                         " 'ix_responses_valid_submitted_at'")).scalar()
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert counts == [1, 1, 1]
        assert index and "WHERE" in index
        db.engine.dispose()


def test_0007_keeps_every_unit_at_the_counter_and_guards_the_contact(empty_database_url):
    """Existing units get a later-invitation share of 0 (today's behaviour); the new tables
    refuse a second (unit, dossier, event), a share outside 0–1, and a contact on an
    invitation that is no longer pending."""
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO units (id, code, name_vi, kind, level, active,"
                                 " publish_results) VALUES (1, 'U', 'Xã', 'xa', 'xa', true, false)"))
        upgrade(directory=MIGRATIONS, revision="0007")
        event = ("INSERT INTO dossier_events (id, unit_id, dossier_hash, event, channel,"
                 " returned_at, recorded_at, source, arm, randomised) VALUES (:id, 1, :h,"
                 " 'returned', 'counter', :t, :t, 'api', 'later', true)")
        now = "2026-11-20 02:00:00+00:00"
        invitation = ("INSERT INTO invitations (id, event_id, channel, contact_cipher, status,"
                      " created_at, send_after, expires_at, next_attempt_at, attempts) VALUES"
                      " (1, 1, 'email', 'gAAAA-cipher', 'pending', :t, :t, :t, :t, 0)")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT invite_later_share FROM units")).scalar() == 0
            conn.execute(sa.text(event), {"id": 1, "h": "a" * 64, "t": now})
            conn.execute(sa.text(invitation), {"t": now})
            conn.execute(sa.text("UPDATE invitations SET status = 'sent', contact_cipher = NULL"))
        for bad, params in ((event, {"id": 2, "h": "a" * 64, "t": now}),
                            ("UPDATE units SET invite_later_share = 1.5", {}),
                            ("UPDATE invitations SET contact_cipher = 'x'", {}),
                            ("UPDATE invitations SET status = 'pending'", {})):
            with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                conn.execute(sa.text(bad), params)
        downgrade(directory=MIGRATIONS, revision="0006")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            columns = {c["name"] for c in sa.inspect(conn).get_columns("units")}
            assert conn.execute(sa.text("SELECT code FROM units")).scalar() == "U"
        assert not {"dossier_events", "invitations"} & tables
        assert "invite_later_share" not in columns
        db.engine.dispose()
