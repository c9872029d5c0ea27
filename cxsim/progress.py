"""Progress of long work (replications, sweep points, planner iterations), shown as people expect.

On a terminal: a bar with the items done, the time spent and the time left (tqdm). In a Jupyter
notebook: a notebook bar (a widget where ipywidgets is installed). Anywhere else (a log file, a
pipe, CI): one line per finished item with the time left, so that a log shows how far a run
got. Nothing at all when quiet. Everything goes to standard error, so that standard output
carries only results.
"""

from __future__ import annotations

import importlib
import sys
import time
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, TextIO

__all__ = ["Progress", "ProgressCallback", "progress_for"]

# Called with (items done, items in all) after each item.
ProgressCallback = Callable[[int, int], None]

Mode = Literal["quiet", "bar", "notebook", "lines"]


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where a notebook bar shows)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _clock(seconds: float) -> str:
    """``1:05`` for 65 seconds, ``2:03:04`` past an hour."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Shows how many of a known number of items are done, and the time left.

    Callable as ``progress(done, total)``, the callback ``cxsim.run`` takes: it shows the bar at
    the first call (or at once when ``total`` is given) and closes it when ``done`` reaches the
    total. Use it as a context manager to close it on the way out whatever happens.

    Args:
        what: the item counted, singular (``replication``).
        total: items in all, when known now.
        quiet: show nothing.
        stream: where to write (standard error).
        initial: items already done before this run (a resumed sweep): they count as done but
            not in the time per item.
        lines: in line mode, print a line per item (else only ``note`` prints).
    """

    def __init__(
        self,
        what: str = "replication",
        total: int | None = None,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        initial: int = 0,
        lines: bool = True,
    ) -> None:
        self.what = what
        self.total = total
        self.initial = initial
        self.done = initial
        self._lines = lines
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.monotonic()
        self._bar: Any = None
        self._closed = False
        self.mode: Mode = "quiet" if quiet else self._mode()
        if total is not None:
            self._open(total)

    def _mode(self) -> Mode:
        if _in_notebook():
            return "notebook"
        isatty = getattr(self._stream, "isatty", None)
        return "bar" if isatty is not None and isatty() else "lines"

    def _open(self, total: int) -> None:
        self.total = total
        if self._bar is not None or self.mode not in ("bar", "notebook"):
            return
        # tqdm.auto picks the widget bar in a notebook where ipywidgets is installed, and says
        # so in a warning where it is not: the text bar it falls back on is fine there.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bars = importlib.import_module("tqdm.auto" if self.mode == "notebook" else "tqdm")
        self._bar = bars.tqdm(total=total, initial=self.initial, desc=f"{self.what}s",
                         unit=f" {self.what}", file=self._stream, dynamic_ncols=True,
                         leave=True)

    def left_s(self) -> float | None:
        """Seconds left at the pace so far (None before the first item)."""
        counted = self.done - self.initial
        if self.total is None or counted <= 0:
            return None
        return (time.monotonic() - self._started) / counted * (self.total - self.done)

    def __call__(self, done: int, total: int) -> None:
        if self._closed:
            return
        if self.total is None or self._bar is None:
            self._open(total)
        step, self.done = done - self.done, done
        if self._bar is not None:
            self._bar.update(step)
        elif self.mode == "lines" and self._lines:
            self._line(f"{self.what} {done}/{total}")
        if done >= total:
            self.close()

    def note(self, text: str) -> None:
        """Report a milestone (a sweep point written): beside the bar, or as a line."""
        if self.mode == "quiet" or self._closed:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=True)
        else:
            self._line(text)

    def _line(self, text: str) -> None:
        elapsed = time.monotonic() - self._started
        left = self.left_s()
        timing = f"{_clock(elapsed)} elapsed"
        if left is not None and self.total is not None and self.done < self.total:
            timing += f", about {_clock(left)} left"
        print(f"  {text} ({timing})", file=self._stream, flush=True)

    def close(self) -> None:
        """Finish the bar (it stays on screen); later calls show nothing."""
        self._closed = True
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def progress_for(
    show: bool | ProgressCallback | None, what: str, total: int
) -> ProgressCallback | None:
    """The progress callback of a Python API call: ``True`` for a bar (a notebook bar in
    Jupyter), a callable ``(done, total)`` as given, ``False`` or None for none."""
    if show is True:
        return Progress(what, total)
    if show is False or show is None:
        return None
    return show
