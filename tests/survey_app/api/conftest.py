"""API clients: demo users with tokens issued the way the CLI issues them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User
from survey_app.services.credentials import issue_user_token as issue_token


@pytest.fixture
def tokens(demo_app) -> dict[str, str]:
    with demo_app.app_context():
        out = {u.username: issue_token(u) for u in db.session.scalars(sa.select(User))}
        db.session.commit()
    return out


@pytest.fixture
def api(demo_app, tokens):
    client = demo_app.test_client()

    def get(username: str | None, query: str = "", token: str | None = None):
        headers = {}
        if username or token:
            headers["Authorization"] = f"Bearer {token or tokens[username]}"
        return client.get(f"/api/v1/indices{query}", headers=headers)
    return get
