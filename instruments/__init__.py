"""Versioned questionnaires (YAML) and the loader that validates them.

Usage::

    from instruments import load_instrument, shipped_instruments
    inst = load_instrument("instruments/files/sipas-2022.v1.yaml")

Only the standard library and PyYAML are imported here (docs/ARCHITECTURE.md).
"""

from instruments.loader import (
    FILES_DIR,
    InstrumentError,
    load_instrument,
    load_instrument_text,
    shipped_instruments,
)
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

__all__ = [
    "FILES_DIR",
    "SECTIONS",
    "CommentSpec",
    "Element",
    "Instrument",
    "InstrumentError",
    "Option",
    "Question",
    "Scale",
    "Text",
    "load_instrument",
    "load_instrument_text",
    "shipped_instruments",
]
