"""The instrument loader: shipped files are valid, bad files give one-line errors."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from instruments import InstrumentError, load_instrument, load_instrument_text, shipped_instruments
from instruments.loader import FILES_DIR, LOCK_FILE

ROOT = Path(__file__).resolve().parents[2]
SIPAS = FILES_DIR / "sipas-2022.v1.yaml"


def sipas_data() -> dict:
    return yaml.safe_load(SIPAS.read_text("utf-8"))


def test_shipped_sipas_has_five_elements_with_the_domain_items():
    inst = load_instrument(SIPAS)
    assert [e.code for e in inst.elements] == ["TC", "TT", "CC", "KQ", "PA"]
    assert [len(e.item_codes) for e in inst.elements] == [5, 4, 5, 3, 3]
    assert inst.overall is not None and inst.overall.scale.satisfied == {4, 5}
    assert {q.code for q in inst.section("demographics")} == {
        "GENDER", "AGE", "EDUCATION", "OCCUPATION"}
    assert all(not q.required for q in inst.section("demographics"))
    assert len(inst.section("priority")) == 6
    assert inst.comment is not None
    # every text exists in both languages
    for q in inst.questions:
        assert q.text.vi and q.text.en, q.code
        for o in q.scale.options:
            assert o.label.vi and o.label.en


def test_shipped_counter_form_is_short():
    inst = next(i for i in shipped_instruments() if i.code == "counter-2018")
    # one item per element at most, plus the TT 01/2018 items and the overall rating
    assert all(len(e.item_codes) <= 1 for e in inst.elements)
    assert {q.code for q in inst.section("counter")} == {"RETURNS", "AGENCIES", "POSTED"}
    assert inst.overall.scale.satisfied == {2, 3}
    assert len(inst.questions) <= 10


def test_satisfied_is_four_or_five():
    item = load_instrument(SIPAS).question("CC1")
    assert [item.is_satisfied(v) for v in (1, 2, 3, 4, 5)] == [False, False, False, True, True]
    assert item.is_satisfied(None) is None


def test_texts_in_english_fall_back_to_vietnamese():
    item = load_instrument(SIPAS).question("TC2")
    assert item.text.get("en").startswith("The reception")
    assert item.text.get("vi").startswith("Nơi tiếp nhận")


def test_every_shipped_version_is_in_the_published_lock():
    lock = yaml.safe_load(LOCK_FILE.read_text("utf-8"))
    for inst in shipped_instruments():
        assert lock[inst.code][inst.version] == inst.checksum


def _broken(mutate) -> str:
    data = sipas_data()
    mutate(data)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["items"][0].update(element="ZZ"), "item TC1: unknown element 'ZZ'"),
        (lambda d: d["items"][1].update(code="TC1"), "duplicate item code 'TC1'"),
        (lambda d: d["items"][0]["text"].pop("vi"), "item TC1 text: missing Vietnamese text (vi)"),
        (lambda d: d["items"][0].update(scale="likert7"), "item TC1: unknown scale 'likert7'"),
        (lambda d: d["scales"]["likert5"].update(satisfied=[4, 6]),
         "bad scale 'likert5': satisfied value 6 is not an option"),
        (lambda d: d["scales"]["likert5"]["options"][0].update(value=12),
         "bad scale 'likert5': option value 12 is not 1–9"),
        (lambda d: d["scales"]["likert5"]["options"][1].update(value=1),
         "bad scale 'likert5': option value 1 appears twice"),
        (lambda d: d.update(colour="red"), "unknown key 'colour'"),
        (lambda d: d.pop("elements"), "missing 'elements'"),
        (lambda d: d.update(version=0), "version 0 must be a whole number ≥ 1"),
        (lambda d: d["items"][0].update(scale="gender"),
         "item TC1: scale 'gender' has no 'satisfied' values"),
        (lambda d: d["questions"][0].update(section="misc"), "section must be one of"),
        (lambda d: d["elements"].append({"code": "XX", "name": "Thừa"}), "element XX: has no items"),
        (lambda d: d["comment"].update(max_length=10**6), "comment max_length must be"),
        # Found by tests/hostile: each of these was a TypeError, a 500 on upload.
        (lambda d: d["items"][0].update(scale=["x"]), "item TC1: unknown scale ['x']"),
        (lambda d: d["items"][0].update(element={"a": 1}), "item TC1: element must be"),
        (lambda d: d.update(questions=5), "questions must be a list"),
        (lambda d: d.update(version=2**40), "must be at most 1000000"),
        (lambda d: d["title"].update(vi="Phiếu\x00"), "title: contains a control character"),
    ],
)
def test_bad_file_gives_one_line_error_naming_file_and_problem(tmp_path, mutate, message):
    path = tmp_path / "bad.yaml"
    path.write_text(_broken(mutate), "utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path, lock={})
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith("bad.yaml: ")
    assert message in text


def test_not_yaml_and_not_utf8(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("code: [unclosed", "utf-8")
    with pytest.raises(InstrumentError, match=r"^x.yaml: not valid YAML at line 1$"):
        load_instrument(bad, lock={})
    bad.write_bytes("code: Hà Nội".encode("latin-1", "replace") + b"\xff\xfe")
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument(bad, lock={})
    with pytest.raises(InstrumentError, match="cannot read file"):
        load_instrument(tmp_path / "missing.yaml")


def test_changed_published_version_is_refused(tmp_path):
    data = sipas_data()
    data["items"][0]["text"]["vi"] = "Câu hỏi đã sửa"
    path = tmp_path / "sipas-2022.v1.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(InstrumentError, match="sipas-2022@v1 is published and may not change"):
        load_instrument(path)
    data["version"] = 2  # the right way: a new version
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert load_instrument(path).version == 2


def test_comments_and_layout_do_not_change_the_checksum(tmp_path):
    path = tmp_path / "same.yaml"
    path.write_text("# reformatted\n" + yaml.safe_dump(sipas_data(), allow_unicode=True), "utf-8")
    assert load_instrument(path).checksum == load_instrument(SIPAS).checksum


def test_instrument_is_immutable():
    inst = load_instrument(SIPAS)
    with pytest.raises(AttributeError):
        inst.version = 3  # type: ignore[misc]


def test_command_line_check(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "instruments", "check"], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "ok sipas-2022@v1" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(_broken(lambda d: d["items"][0].update(element="ZZ")), "utf-8")
    run = subprocess.run([sys.executable, "-m", "instruments", "check", str(bad)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip() == "error: bad.yaml: item TC1: unknown element 'ZZ'"


@pytest.mark.parametrize("text, message", [
    ("[" * 50_000, "nested too deeply"),
    ("1: a\nb: c\n", "unknown key 1"),
    (SIPAS.read_text("utf-8").replace("  likert5:", "  2020-01-01:"), "bad scale code"),
    (SIPAS.read_text("utf-8").replace("  vi: Khảo sát sự hài lòng về sự phục vụ hành chính\n",
                                      '  vi: "\\ud800"\n', 1), "title: contains"),
])
def test_hostile_yaml_is_an_error_not_a_crash(text, message):
    with pytest.raises(InstrumentError, match=message):
        load_instrument_text(text)


def test_upload_text_without_vi_title():
    with pytest.raises(InstrumentError, match="<upload>: title: missing Vietnamese text"):
        load_instrument_text(_broken(lambda d: d.update(title={"en": "Only English"})),
                             source="<upload>")
