"""Result directories: where cxsim may write, and replacing an earlier result atomically.

cxsim writes a result only where that cannot lose a planner's data: a new directory, an empty
one, or one that holds an earlier cxsim result and nothing else (its ``run.json`` lists the
files cxsim wrote there). Anything else is refused before a simulation starts, with the reason:
a file, a folder with other files, the working directory or a folder holding it, a folder
holding the scenario file, a name too long or not UTF-8, a place that cannot be written.

Files are written into a hidden staging directory beside the target, which then takes the
target's place in one step: on Linux by exchanging the two names atomically, elsewhere by two
renames with interrupts held off between them. An interrupt at any instant leaves either the
earlier result or the new one under the name, never neither, and never a mix.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

__all__ = ["LEFTOVER", "MARKER", "NAME_MAX", "OutputError", "ResultDir", "add_result_file",
           "check_output_dir", "result_files", "save_result"]

MARKER = "run.json"
# A staging folder or file cxsim leaves when stopped: a hidden name, ".tmp-" or ".old-", and
# the 8 characters of mkdtemp or a uuid.
LEFTOVER = re.compile(r"^\..+\.(?:tmp|old)-[a-z0-9_]{8}$")
NAME_MAX = 255  # bytes in one file name, on every common file system
_STAGING = ".{name}.tmp-"  # mkdtemp adds 8 characters
_SHOWN = 60  # characters of a name shown in a message


class OutputError(ValueError):
    """A result directory cxsim must not or cannot write; the message says why."""


def _show(path: Path | str) -> str:
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if len(text) <= _SHOWN else "..." + text[-(_SHOWN - 3):]


def _contains(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def _earlier_files(folder: Path) -> frozenset[str] | None:
    """The files cxsim wrote in ``folder`` if it holds an earlier cxsim result, else None."""
    marker = folder / MARKER
    if not marker.is_file():
        return None
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # cxsim marks what it wrote with its version and the list of its files. A run.json without
    # them (another tool's, or hand-made) marks nothing as cxsim's, so nothing is replaced.
    if not isinstance(meta, dict) or "cxsim" not in meta:
        return None
    files = meta.get("files")
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return frozenset(files) | {MARKER}
    return None


def _foreign(folder: Path, ours: frozenset[str]) -> list[str]:
    """What in the cxsim result ``folder`` (``ours``: the files it lists) cxsim did not write:
    names it does not list, and inside a folder it lists (a sweep's points) anything but
    results that hold only their own files, or the staging cxsim leaves when stopped."""
    found = []
    for entry in sorted(folder.iterdir(), key=lambda path: path.name):
        if entry.name not in ours:
            found.append(entry.name)
            continue
        if not entry.is_dir() or entry.is_symlink():
            continue
        for inner in sorted(entry.iterdir(), key=lambda path: path.name):
            if LEFTOVER.match(inner.name):
                continue
            inner_ours = (_earlier_files(inner) if inner.is_dir() and not inner.is_symlink()
                          else None)
            if inner_ours is None:
                found.append(f"{entry.name}/{inner.name}")
            else:
                found += [f"{entry.name}/{inner.name}/{name}"
                          for name in _foreign(inner, inner_ours)]
    return found


def result_files(folder: str | Path) -> frozenset[str] | None:
    """The files cxsim wrote in ``folder`` (its ``run.json`` lists them), or None when the
    folder holds no cxsim result."""
    return _earlier_files(Path(folder))


def add_result_file(folder: str | Path, name: str) -> None:
    """List ``name`` among the files cxsim wrote in the result ``folder`` (a report written
    beside the tables), so that a later run may replace the folder whole."""
    marker = Path(folder) / MARKER
    meta = json.loads(marker.read_text(encoding="utf-8"))
    meta["files"] = sorted({*meta.get("files", []), name})
    staging = marker.with_name(f".{MARKER}.tmp")
    staging.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    os.replace(staging, marker)


def check_output_dir(directory: str | Path, protect: Iterable[str | Path] = ()) -> Path:
    """The absolute path of ``directory`` if cxsim may write a result there; else OutputError.

    Args:
        directory: where the result should go.
        protect: files whose folders must never be replaced (say the scenario file).
    """
    text = os.fspath(directory)
    if not text.strip():
        raise OutputError("the directory name is empty (a path to a new or empty directory)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise OutputError(f"'{_show(text)}' is not a valid UTF-8 name (a name in UTF-8)") from None
    target = Path(text).expanduser().absolute()
    # The folder the name is in is resolved (links followed), the name itself kept: a link as
    # --out is refused below, never followed to somewhere else.
    if target.name in ("", ".", ".."):
        target = target.resolve()
    else:
        target = target.parent.resolve() / target.name
    for part in target.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputError(f"'{_show(part)}' is a name longer than {NAME_MAX} bytes "
                              "(a shorter name)")
    if len(os.fsencode(_STAGING.format(name=target.name))) + 8 > NAME_MAX:
        raise OutputError(f"'{_show(target.name)}' is too long to stage a result beside it "
                          f"(a name of at most {NAME_MAX - 20} bytes)")
    cwd = Path.cwd().resolve()
    if _contains(target, cwd):
        raise OutputError(f"'{_show(text)}' holds the working directory (a new or empty "
                          "directory inside it)")
    for path in protect:
        kept = Path(path).expanduser().absolute().resolve()
        if _contains(target, kept) and target != kept:  # (the file itself: said below)
            raise OutputError(f"'{_show(text)}' holds {_show(kept.name)} (a directory that "
                              "holds no input)")
    if target.exists() or target.is_symlink():
        if target.is_symlink() or not target.is_dir():
            what = "a link" if target.is_symlink() else "a file"
            raise OutputError(f"'{_show(text)}' is {what}, not a directory (a new or empty "
                              "directory, or an earlier cxsim result)")
        entries = sorted(entry.name for entry in target.iterdir())
        if entries:
            ours = _earlier_files(target)
            if ours is None:
                raise OutputError(f"'{_show(text)}' holds files that are not a cxsim result "
                                  f"({', '.join(map(_show, entries[:3]))}"
                                  f"{', ...' if len(entries) > 3 else ''}; a new or empty "
                                  "directory, or an earlier cxsim result)")
            foreign = _foreign(target, ours)
            if foreign:
                raise OutputError(f"'{_show(text)}' is an earlier result that also holds files "
                                  f"cxsim did not write ({', '.join(map(_show, foreign[:3]))}"
                                  f"{', ...' if len(foreign) > 3 else ''}; move them, or "
                                  "choose another directory)")
    existing = target.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"'{_show(existing)}' is a file, so '{_show(text)}' cannot be made "
                          "(a path through directories)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in '{_show(existing)}' (a directory you may write in)")
    return target


class ResultDir:
    """A result directory being written: staged beside the target, then put in its place.

    ``ResultDir(path)`` checks the place (``check_output_dir``); ``stage()`` makes the staging
    directory (and missing parents) before any long computation, so that a place that cannot be
    written is found at once; files go into ``staging``; ``commit()`` puts them in place;
    ``discard()`` removes the staging directory and any parents it made.
    """

    def __init__(self, directory: str | Path, protect: Iterable[str | Path] = ()) -> None:
        self.target = check_output_dir(directory, protect)
        self._protect = list(protect)
        self._staging: Path | None = None
        self._made: list[Path] = []

    @property
    def staging(self) -> Path:
        """The staging directory (``stage()`` makes it)."""
        if self._staging is None:
            raise RuntimeError("stage() the result directory first")
        return self._staging

    def stage(self) -> Path:
        """Make the staging directory beside the target; OutputError if it cannot be made."""
        if self._staging is not None:
            return self._staging
        missing = []
        folder = self.target.parent
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self._made.append(folder)
            self._staging = Path(tempfile.mkdtemp(
                prefix=_STAGING.format(name=self.target.name), dir=self.target.parent))
            # mkdtemp makes a private folder (0700); a result folder is made like any other,
            # as the user's umask allows.
            self._staging.chmod(0o777 & ~_umask())
        except OSError as error:
            self.discard()
            raise OutputError(f"cannot write '{_show(self.target)}': "
                              f"{error.strerror or error}") from None
        return self._staging

    def commit(self) -> Path:
        """Put the staged files in the target's place, atomically; returns the target.

        The place is checked again: if it changed during the run so that it may no longer be
        replaced, the staged result is kept where it is and OutputError says where.
        """
        staging = self.staging
        try:
            check_output_dir(self.target, self._protect)
        except OutputError as error:
            raise OutputError(f"{error}; the new result is kept in '{_show(staging)}'") from None
        if not self.target.exists():
            os.replace(staging, self.target)
        else:
            with _interrupts_held():
                if not _exchange(staging, self.target):
                    retired = Path(tempfile.mkdtemp(
                        prefix=f".{self.target.name}.old-", dir=self.target.parent))
                    retired.rmdir()
                    os.replace(self.target, retired)
                    os.replace(staging, self.target)
                    staging = retired
            # ``staging`` now holds the earlier result.
            shutil.rmtree(staging, ignore_errors=True)
        self._staging = None
        self._made.clear()
        return self.target

    def discard(self) -> None:
        """Remove the staging directory and the parents ``stage`` made, if still empty."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made.clear()


def _umask() -> int:
    """The process's file mode creation mask (read by setting it, then restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_result(
    directory: str | Path, write: Callable[[Path], object], protect: Iterable[str | Path] = ()
) -> Path:
    """Write a result into ``directory`` atomically: ``write(folder)`` fills a staging folder
    that then takes the directory's place; nothing is left behind if it fails."""
    out = ResultDir(directory, protect)
    out.stage()
    try:
        write(out.staging)
        return out.commit()
    except BaseException:
        out.discard()
        raise


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directory names in one atomic step (Linux renameat2); False where the system
    or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second),
                       rename_exchange)
    return bool(result == 0)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold off SIGINT and SIGTERM for a few instructions (delivered when the block ends)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
