"""Immutable objects an instrument file is turned into.

An `Instrument` is everything the form, the validation, the exports and the index
definitions need; nothing downstream reads the YAML again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# Sections of the questionnaire that are not satisfaction items of an element.
SECTIONS = ("overall", "counter", "perception", "priority", "demographics")


@dataclass(frozen=True)
class Text:
    """A user-facing text in Vietnamese (required) and English (falls back to Vietnamese)."""

    vi: str
    en: str | None = None

    def get(self, locale: str) -> str:
        if locale.startswith("en") and self.en:
            return self.en
        return self.vi


@dataclass(frozen=True)
class Option:
    value: int
    label: Text


@dataclass(frozen=True)
class Scale:
    code: str
    options: tuple[Option, ...]
    # Values that count as "satisfied"; empty for scales that are not satisfaction scales.
    satisfied: frozenset[int] = frozenset()

    @property
    def values(self) -> frozenset[int]:
        return frozenset(o.value for o in self.options)

    @property
    def is_satisfaction(self) -> bool:
        return bool(self.satisfied)


@dataclass(frozen=True)
class Element:
    """A yếu tố of the service (e.g. tiếp cận dịch vụ)."""

    code: str
    name: Text
    item_codes: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One question: an element item (element set) or a question of another section."""

    code: str
    text: Text
    scale: Scale
    element: str | None = None
    section: str | None = None
    not_applicable: bool = False
    required: bool = False
    help: Text | None = None

    @property
    def is_item(self) -> bool:
        return self.element is not None

    def is_satisfied(self, value: int | None) -> bool | None:
        """True/False for a scored answer, None where satisfaction does not apply."""
        if value is None or not self.scale.is_satisfaction:
            return None
        return value in self.scale.satisfied


@dataclass(frozen=True)
class CommentSpec:
    label: Text
    max_length: int = 1000


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: Text
    description: Text | None
    elements: tuple[Element, ...]
    questions: tuple[Question, ...]  # in display order: items of each element, then sections
    comment: CommentSpec | None
    checksum: str
    definition: Mapping = field(default_factory=lambda: MappingProxyType({}), compare=False)

    @property
    def key(self) -> str:
        return f"{self.code}@v{self.version}"

    @property
    def items(self) -> tuple[Question, ...]:
        """The satisfaction items that make up the element indices."""
        return tuple(q for q in self.questions if q.is_item)

    @property
    def overall(self) -> Question | None:
        return next((q for q in self.questions if q.section == "overall"), None)

    def question(self, code: str) -> Question | None:
        return self._by_code.get(code)

    def item_position(self, code: str) -> int | None:
        """Position of an element item in `items` (0-based); None for other questions.

        Stored with each answer, so reporting can build bit masks without matching
        item codes as text (docs/reporting.md)."""
        cache = self.__dict__.get("_item_positions")
        if cache is None:
            cache = {q.code: i for i, q in enumerate(self.items)}
            object.__setattr__(self, "_item_positions", cache)
        return cache.get(code)

    def element(self, code: str) -> Element | None:
        return next((e for e in self.elements if e.code == code), None)

    def section(self, name: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.section == name)

    @property
    def _by_code(self) -> dict[str, Question]:
        cache = self.__dict__.get("_question_index")
        if cache is None:
            cache = {q.code: q for q in self.questions}
            object.__setattr__(self, "_question_index", cache)
        return cache
