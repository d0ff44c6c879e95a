"""Turn an instrument YAML file into an immutable `Instrument`, or say exactly why not.

Every problem is reported as one line naming the file and the problem, e.g.
``sipas-2022.v1.yaml: item A9: unknown element 'Z'``.

A published version is immutable: `published.lock` next to the files records the
checksum of each published (code, version); a file whose content no longer matches
is refused. The checksum is taken over the parsed definition (canonical JSON), so
comments and whitespace may change but meaning may not.
"""

from __future__ import annotations

import hashlib
import json
import re
import reprlib
import unicodedata
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from instruments.model import (
    SECTIONS,
    CommentSpec,
    Element,
    Instrument,
    Option,
    Question,
    Scale,
    Text,
)

FILES_DIR = Path(__file__).with_name("files")
LOCK_FILE = FILES_DIR / "published.lock"

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
ITEM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,31}$")
MAX_OPTION_VALUE = 9  # answers.value has a CHECK 1..9 in the database
MAX_COMMENT = 5000
MAX_VERSION = 1_000_000  # stored in an integer column

TOP_KEYS = {"code", "version", "title", "description", "scales", "elements", "items",
            "questions", "comment"}
ITEM_KEYS = {"code", "element", "text", "scale", "not_applicable", "required", "help"}
QUESTION_KEYS = {"code", "section", "text", "scale", "required", "help", "not_applicable"}


MAX_MESSAGE = 300  # characters of one error line; the values in it are cut shorter still


class InstrumentError(ValueError):
    """A bad instrument file; str() is one line: '<file>: <problem>'."""


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlong = 40
_SHOWN.maxlevel = 2
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 4


def shown(value: Any) -> str:
    """`value` as it may be echoed in an error message: repr() cut to a few dozen
    characters, without building the full repr first. An upload may hold an 8 MB string,
    and a message that echoes it whole becomes an 8 MB error page (or, with YAML
    aliases, an 82 MB one)."""
    return _SHOWN.repr(value)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: ``&a [*b, *b, …]`` nested ten deep
    is a 413-byte file that expands to billions of items (the "billion laughs"). No
    instrument needs them; the shipped files use none."""

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&, *) are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def load_instrument(path: str | Path, *, lock: dict | None = None) -> Instrument:
    """Load and validate one instrument file; check it against the published lock."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InstrumentError(f"{path.name}: cannot read file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InstrumentError(f"{path.name}: not UTF-8 text") from None
    inst = load_instrument_text(text, source=path.name)
    _check_lock(inst, path.name, _read_lock() if lock is None else lock)
    return inst


def load_instrument_text(text: str, *, source: str = "<text>") -> Instrument:
    """Validate instrument YAML given as text (used for uploads); no lock check."""
    try:
        data = yaml.load(text, Loader=_NoAliasLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        why = ": anchors and aliases (&, *) are not allowed" if "aliases" in str(exc) else ""
        raise InstrumentError(f"{source}: not valid YAML{where}{why}") from None
    except RecursionError:  # PyYAML composes nested collections recursively: "[[[[…"
        raise InstrumentError(f"{source}: not valid YAML (nested too deeply)") from None
    return _build(data, source)


def shipped_instruments() -> list[Instrument]:
    """All instruments shipped in instruments/files, validated and lock-checked."""
    lock = _read_lock()
    seen: dict[tuple[str, int], str] = {}
    out = []
    for path in sorted(FILES_DIR.glob("*.yaml")):
        inst = load_instrument(path, lock=lock)
        key = (inst.code, inst.version)
        if key in seen:
            raise InstrumentError(f"{path.name}: {inst.key} is also defined in {seen[key]}")
        seen[key] = path.name
        out.append(inst)
    return out


def checksum_of(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- building -----------------------------------------------------------------------


class _Ctx:
    def __init__(self, source: str):
        self.source = source

    def fail(self, problem: str) -> None:
        message = f"{self.source}: {problem}"
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE - 1] + "…"
        raise InstrumentError(message)


def _build(data: Any, source: str) -> Instrument:
    ctx = _Ctx(source)
    if not isinstance(data, dict):
        ctx.fail("the file must be a mapping with code, version, scales, elements and items")
    unknown = set(data) - TOP_KEYS
    if unknown:  # keys may be numbers or dates too: sort by their text
        ctx.fail(f"unknown key {shown(sorted(unknown, key=str)[0])}")
    for key in ("code", "version", "title", "scales", "elements", "items"):
        if key not in data:
            ctx.fail(f"missing {shown(key)}")

    code = data["code"]
    if not isinstance(code, str) or not CODE_RE.match(code):
        ctx.fail(f"code {shown(code)} must be lower-case letters, digits and '-'")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        ctx.fail(f"version {shown(version)} must be a whole number ≥ 1")
    if version > MAX_VERSION:
        ctx.fail(f"version {shown(version)} must be at most {MAX_VERSION}")

    title = _text(ctx, data["title"], "title")
    description = _text(ctx, data["description"], "description") if "description" in data else None
    scales = _scales(ctx, data["scales"])
    elements_raw = data["elements"]
    if not isinstance(elements_raw, list) or not elements_raw:
        ctx.fail("elements must be a non-empty list")

    element_names: dict[str, Text] = {}
    for i, el in enumerate(elements_raw, 1):
        if not isinstance(el, dict) or set(el) - {"code", "name"} or "code" not in el:
            ctx.fail(f"element #{i} must have a code and a name, nothing else")
        ecode = el["code"]
        if not isinstance(ecode, str) or not ITEM_RE.match(ecode):
            ctx.fail(f"element #{i}: bad code {shown(ecode)}")
        if ecode in element_names:
            ctx.fail(f"duplicate element code {shown(ecode)}")
        element_names[ecode] = _text(ctx, el.get("name"), f"element {ecode} name")

    codes: set[str] = set()
    items: list[Question] = []
    raw_items = data["items"]
    if not isinstance(raw_items, list) or not raw_items:
        ctx.fail("items must be a non-empty list")
    for i, raw in enumerate(raw_items, 1):
        q = _question(ctx, raw, f"item #{i}", ITEM_KEYS, scales, codes, is_item=True)
        if q.element not in element_names:
            ctx.fail(f"item {q.code}: unknown element {shown(q.element)}")
        if not q.scale.is_satisfaction:
            ctx.fail(f"item {q.code}: scale {shown(q.scale.code)} has no 'satisfied' values")
        items.append(q)

    elements = []
    for ecode, name in element_names.items():
        members = tuple(q.code for q in items if q.element == ecode)
        if not members:
            ctx.fail(f"element {ecode}: has no items")
        elements.append(Element(ecode, name, members))

    others: list[Question] = []
    if not isinstance(data.get("questions") or [], list):
        ctx.fail("questions must be a list")
    for i, raw in enumerate(data.get("questions") or [], 1):
        q = _question(ctx, raw, f"question #{i}", QUESTION_KEYS, scales, codes, is_item=False)
        others.append(q)
    overall = [q for q in others if q.section == "overall"]
    if len(overall) > 1:
        ctx.fail(f"question {overall[1].code}: only one question may be in section 'overall'")
    if overall and not overall[0].scale.is_satisfaction:
        ctx.fail(f"question {overall[0].code}: the overall question needs a satisfaction scale")

    comment = None
    if data.get("comment") is not None:
        c = data["comment"]
        if not isinstance(c, dict) or set(c) - {"label", "max_length"}:
            ctx.fail("comment must have a label and optionally max_length")
        max_length = c.get("max_length", 1000)
        if not isinstance(max_length, int) or not 1 <= max_length <= MAX_COMMENT:
            ctx.fail(f"comment max_length must be 1–{MAX_COMMENT}")
        comment = CommentSpec(_text(ctx, c.get("label"), "comment label"), max_length)

    # Display order: element items grouped by element, in element order, then the rest.
    ordered = [q for e in elements for q in items if q.element == e.code]
    return Instrument(
        code=code,
        version=version,
        title=title,
        description=description,
        elements=tuple(elements),
        questions=tuple(ordered + others),
        comment=comment,
        checksum=checksum_of(data),
        definition=MappingProxyType(data),
    )


def _text(ctx: _Ctx, value: Any, what: str) -> Text:
    if isinstance(value, str):
        value = {"vi": value}
    if not isinstance(value, dict):
        ctx.fail(f"{what}: must be a text with 'vi' (and 'en')")
    if set(value) - {"vi", "en"}:
        ctx.fail(f"{what}: only 'vi' and 'en' texts are allowed")
    vi = value.get("vi")
    if not isinstance(vi, str) or not vi.strip():
        ctx.fail(f"{what}: missing Vietnamese text (vi)")
    en = value.get("en")
    if en is not None and (not isinstance(en, str) or not en.strip()):
        ctx.fail(f"{what}: English text (en) is empty")
    for text in (vi, en or ""):
        # YAML escapes ("\0", "\ud800") can put what no page can show in a text: a lone
        # surrogate cannot even be encoded as UTF-8 (the checksum and the page failed).
        if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t" for c in text):
            ctx.fail(f"{what}: contains a control character or an invalid code point")
    return Text(vi.strip(), en.strip() if en else None)


def _scales(ctx: _Ctx, raw: Any) -> dict[str, Scale]:
    if not isinstance(raw, dict) or not raw:
        ctx.fail("scales must be a mapping of scale code to scale")
    scales = {}
    for scode, spec in raw.items():
        if not isinstance(scode, str) or not ITEM_RE.match(scode):
            ctx.fail(f"bad scale code {shown(scode)}: letters, digits, '_' and '.'")
        if not isinstance(spec, dict) or set(spec) - {"options", "satisfied"}:
            ctx.fail(f"bad scale {shown(scode)}: needs options (and satisfied)")
        options_raw = spec.get("options")
        if not isinstance(options_raw, list) or len(options_raw) < 2:
            ctx.fail(f"bad scale {shown(scode)}: needs at least two options")
        options = []
        for opt in options_raw:
            if not isinstance(opt, dict) or "value" not in opt:
                ctx.fail(f"bad scale {shown(scode)}: each option needs a value and a vi label")
            value = opt["value"]
            if not isinstance(value, int) or isinstance(value, bool) or not (
                1 <= value <= MAX_OPTION_VALUE
            ):
                ctx.fail(f"bad scale {shown(scode)}: option value {shown(value)} is not 1–{MAX_OPTION_VALUE}")
            if any(o.value == value for o in options):
                ctx.fail(f"bad scale {shown(scode)}: option value {value} appears twice")
            label = {k: v for k, v in opt.items() if k != "value"}
            options.append(Option(value, _text(ctx, label, f"scale {scode} option {value}")))
        satisfied = spec.get("satisfied", [])
        if not isinstance(satisfied, list) or not all(isinstance(v, int) for v in satisfied):
            ctx.fail(f"bad scale {shown(scode)}: satisfied must be a list of option values")
        values = {o.value for o in options}
        if set(satisfied) - values:
            extra = sorted(set(satisfied) - values, key=str)[0]
            ctx.fail(f"bad scale {shown(scode)}: satisfied value {shown(extra)} is not an option")
        if satisfied and set(satisfied) == values:
            ctx.fail(f"bad scale {shown(scode)}: every option counts as satisfied")
        scales[str(scode)] = Scale(str(scode), tuple(options), frozenset(satisfied))
    return scales


def _question(ctx, raw, what, allowed, scales, codes, *, is_item: bool) -> Question:
    if not isinstance(raw, dict):
        ctx.fail(f"{what}: must be a mapping")
    qcode = raw.get("code")
    if not isinstance(qcode, str) or not ITEM_RE.match(qcode):
        ctx.fail(f"{what}: bad or missing code {shown(qcode)}")
    label = f"{'item' if is_item else 'question'} {qcode}"
    unknown = set(raw) - allowed
    if unknown:
        ctx.fail(f"{label}: unknown key {shown(sorted(unknown, key=str)[0])}")
    if qcode in codes:
        ctx.fail(f"duplicate item code {shown(qcode)}")
    codes.add(qcode)
    scode = raw.get("scale")
    if not isinstance(scode, str) or scode not in scales:  # a list is not even hashable
        ctx.fail(f"{label}: unknown scale {shown(scode)}")
    if is_item and not isinstance(raw.get("element"), str):
        ctx.fail(f"{label}: element must be an element code")
    section = None
    if not is_item:
        section = raw.get("section")
        if section not in SECTIONS:
            ctx.fail(f"{label}: section must be one of {', '.join(SECTIONS)}")
    for flag in ("not_applicable", "required"):
        if flag in raw and not isinstance(raw[flag], bool):
            ctx.fail(f"{label}: {flag} must be true or false")
    return Question(
        code=qcode,
        text=_text(ctx, raw.get("text"), f"{label} text"),
        scale=scales[scode],
        element=raw.get("element") if is_item else None,
        section=section,
        not_applicable=raw.get("not_applicable", False),
        required=raw.get("required", False),
        help=_text(ctx, raw["help"], f"{label} help") if "help" in raw else None,
    )


# --- published lock -----------------------------------------------------------------


def _read_lock() -> dict:
    if not LOCK_FILE.exists():
        return {}
    return yaml.safe_load(LOCK_FILE.read_text("utf-8")) or {}


def _check_lock(inst: Instrument, source: str, lock: dict) -> None:
    published = (lock.get(inst.code) or {}).get(inst.version)
    if published and published != inst.checksum:
        raise InstrumentError(
            f"{source}: {inst.key} is published and may not change; "
            f"give the changed questionnaire a new version"
        )
