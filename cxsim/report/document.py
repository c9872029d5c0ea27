"""What a report is made of: sections of blocks (text, tables, figures, verdicts, listings).

A report kind (a run; later a plan or a sweep) builds a list of ``Section``; the template
renders each block by its ``kind``. Block text is plain text: the template escapes it, so a
scenario's names can hold any character.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cxsim.results.verdicts import RegionVerdict

__all__ = ["Block", "Cell", "Image", "Items", "Listing", "Section", "Table", "Text", "Verdicts"]


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, an optional second line in small type (a 95% interval), and a
    tone the page styles (``number``, ``met``, ``at-risk``, ``missed``, ``go``, ``no-go``)."""

    text: str
    note: str = ""
    tone: str = ""


@dataclass(frozen=True)
class Text:
    """A paragraph."""

    kind: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True)
class Items:
    """A bulleted list."""

    kind: ClassVar[str] = "items"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``notes`` explain the columns (shown as tooltips)."""

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Image:
    """A figure as a data URI, with its size in pixels, a text alternative and a caption."""

    kind: ClassVar[str] = "image"
    source: str
    width: int
    height: int
    alt: str
    caption: str = ""


@dataclass(frozen=True)
class Verdicts:
    """The verdict on every region with its findings."""

    kind: ClassVar[str] = "verdicts"
    verdicts: tuple[RegionVerdict, ...]


@dataclass(frozen=True)
class Listing:
    """Preformatted text (a command, a scenario file), folded away when ``folded``."""

    kind: ClassVar[str] = "listing"
    text: str
    title: str = ""
    folded: bool = False


Block = Text | Items | Table | Image | Verdicts | Listing


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``id`` is its anchor in the page."""

    id: str
    title: str
    blocks: tuple[Block, ...]
