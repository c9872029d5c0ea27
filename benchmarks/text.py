"""Plain-text output of the benchmarks: counts with thousands separators, aligned tables."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["fmt_count", "print_table"]


def fmt_count(value: float) -> str:
    return f"{value:,.0f}"


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], text: Sequence[int] = (0,)
) -> None:
    """Columns ``text`` aligned left, the others (numbers) right, two spaces between columns."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = [cell.ljust(width) if i in text else cell.rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths, strict=True))]
        print("  " + "  ".join(cells).rstrip())
