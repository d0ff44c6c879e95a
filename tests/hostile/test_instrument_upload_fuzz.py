"""The instrument YAML upload under hostile files: a shipped instrument with random
parts replaced (wrong types, numbers and dates as keys, payloads, huge versions) and
raw bytes or text (deep nesting, aliases, tags, escapes to NUL and lone surrogates).
The answer is the published instrument (302) or the page with the loader's one-line
error (4xx), never a 5xx; a refused file changes nothing (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from instruments import FILES_DIR
from tests.hostile.conftest import (
    FUZZ,
    PAYLOADS,
    post_file,
    table_counts,
    without,
)

pytestmark = pytest.mark.slow  # hypothesis: many uploads per test

SHIPPED = yaml.safe_load((FILES_DIR / "counter-2018.v1.yaml").read_text("utf-8"))
yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
              st.sampled_from(PAYLOADS), st.text(max_size=20), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.text(max_size=8), st.integers()),
                                            inner, max_size=3)),
    max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = list(_paths(SHIPPED))[1:]


def mutate(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def upload_yaml(client, content: bytes, filename: str = "phieu.yaml"):
    return post_file(client, "/admin/phieu-khao-sat", client.csrf_token, content, filename)


def check_yaml_reply(app, client, before, reply) -> None:
    assert reply.status_code in (302, 400, 413, 422), reply.get_data()[:300]
    after = table_counts(app)
    if reply.status_code == 302:  # published: one new version and its audit entry at most
        assert without(after, "instrument_versions", "audit_log") == without(
            before, "instrument_versions", "audit_log")
        page = client.get("/admin/phieu-khao-sat")
        assert page.status_code == 200 and b"<script>alert(1)" not in page.data
    else:
        assert after == before
        assert b"<script>alert(1)" not in reply.data


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), yaml_values), min_size=1, max_size=3),
       version=st.one_of(st.integers(2, 50), st.integers(2**31, 2**70), st.sampled_from(
           [0, -1, "2", 2.5, True, None])))
def test_mutated_instrument_yaml(any_app, any_admin_client, edits, version):
    doc = dict(SHIPPED, version=version)
    for path, value in edits:
        try:
            doc = mutate(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced the parent
    text = yaml.safe_dump(doc, allow_unicode=True)
    before = table_counts(any_app)
    check_yaml_reply(any_app, any_admin_client, before, upload_yaml(any_admin_client, text.encode()))


YAML_FILES = {
    "deep": b"[" * 50_000, "deep mapping": b"a: " * 5_000 + b"1", "self alias": b"a: &a [*a]\n",
    "mixed keys": b"1: a\nb: c\ncode: x\n", "python tag": b"!!python/object/apply:os.system ['true']",
    "binary": b"code: !!binary aGVsbG8=\n", "NUL escape": b'title: "\\0"\n',
    "surrogate escape": b'title: "\\ud800"\n', "bom": b"\xef\xbb\xbfcode: x\n",
    "utf-16 bom": b"\xff\xfe", "too big": b"x" * 600_000,
    "NUL in a valid file": re.sub(
        rb"vi: (.*)", rb'vi: "\\0\1"', (FILES_DIR / "counter-2018.v1.yaml").read_bytes()
        .replace(b"version: 1", b"version: 7"), count=1),
}


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                         st.sampled_from(sorted(YAML_FILES)).map(YAML_FILES.get)))
def test_any_bytes_as_an_instrument_file(any_app, any_admin_client, content):
    before = table_counts(any_app)
    check_yaml_reply(any_app, any_admin_client, before, upload_yaml(any_admin_client, content))
