"""Logged-in clients on the seeded demo province (analyst, admin, the unit user of xã Xuân An,
the office user of Sở Nông nghiệp và Môi trường)."""

from __future__ import annotations

import pytest

from tests.conftest import StaffAuth

PASSWORDS = {"admin": "demo-admin", "phantich": "demo-analyst", "xuanan": "demo-unit",
             "tnmt": "demo-unit"}


@pytest.fixture
def login(demo_app):
    def _login(username: str):
        client = demo_app.test_client()
        assert StaffAuth(client).login(username, PASSWORDS[username]).status_code == 302
        return client
    return _login
