"""Every user-visible string has an English translation, and the compiled catalog is current."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "survey_app/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")


def _read(path: Path, reader):
    with path.open("rb") as fh:
        return list(reader(fh))


def test_every_source_string_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
                    "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    source = {m.id for m in _read(pot, read_po) if m.id}
    catalog = {m.id: m for m in _read(PO, read_po) if m.id}
    missing = sorted(str(i) for i in source - set(catalog))
    assert not missing, f"not in messages.po (run python3 dev.py translations): {missing[:5]}"
    untranslated = sorted(str(i) for i in source if not catalog[i].string or catalog[i].fuzzy)
    assert not untranslated, f"no English yet: {untranslated[:5]}"


def test_compiled_catalog_matches_the_po_file():
    po = {m.id: m.string for m in _read(PO, read_po) if m.id and not m.fuzzy}
    mo = {m.id: m.string for m in _read(MO, read_mo) if m.id}
    assert po == mo, "messages.mo is stale: run python3 dev.py translations"
