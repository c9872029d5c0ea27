"""The base of every scenario model: frozen, strict, no unknown keys, finite numbers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Ref", "Spec"]


class Spec(BaseModel):
    """A frozen, validated part of a scenario.

    Strict: a number written as text, or ``true`` where a count belongs, is an error rather than
    a silent conversion; unknown keys are errors (a misspelt field must never be ignored).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Ref:
    """Marks a string field as the name of an entry in a top-level mapping of the scenario.

    ``region: Annotated[str, Ref("regions")]`` must name a key of ``regions``. The loader checks
    every such field, wherever it sits, and reports a name that does not exist.
    """

    __slots__ = ("builtin", "collection")

    def __init__(self, collection: str, builtin: tuple[str, ...] = ()) -> None:
        self.collection = collection
        # Names that need no entry, such as the reason 'general'.
        self.builtin = builtin

    def __repr__(self) -> str:
        return f"Ref({self.collection!r})"
