"""The build's output folder: written only if the build owns it, replaced whole and atomically.

A build owns its output folder when the folder is new (absent or empty) or carries the marker file `.hqkg-build`
that every build writes into its output. Anything else — a folder with other files, the project's own root, a
parent of the build's inputs, a file — is refused with `OutFolderError` before anything is written.

The build writes into a staging folder beside the target (`.<name>.staging-XXXXXXXX`, marked and locked from its
first moment) and then swaps it in with one `renameat2(RENAME_EXCHANGE)`: readers of `<name>/` see the old complete
output or the new one, never neither, even when the build is killed at any instant. The old output, now at the
staging path, is then removed. A build killed before that leaves a marked, unlocked folder of that name, which the
next build removes (`clean_leftovers`); the lock (`flock` on the marker) tells a dead build's folder from one a
running build is still writing.

Why rename-exchange rather than a symlink `build -> .build.v-N` switched by one rename: measured here (ext4,
kernel 6.18), the exchange takes 0.13 ms and keeps `build/` a real folder, so every reader (graph_file, the server,
the tests, a user's file manager, `rm -r`), `.gitignore` and `hqkg build --out X` stay as they are; a symlink would
make X a link, leave a versioned folder per build to clean, and strand a server that resolved the old target.
Where the exchange is unavailable (not Linux, glibc < 2.28, a filesystem without it) the swap falls back to two
renames, out -> `.<name>.old-XXXXXXXX` then staging -> out, undone if the second fails; a build killed between
the two leaves the old output at the old path, which the next build moves back before anything else.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MARKER = ".hqkg-build"
MARKER_TEXT = ("hongqiao-kg build folder: written by `hqkg build`, which replaces this whole folder on the next "
               "build. Do not keep other files here.\n")
# A build folder from before the marker existed: it has these, and only names a build writes (checked at the swap).
LEGACY_SIGNS = ("build-report.json", "graph.ttl")

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutFolderError(RuntimeError):
    """The output folder cannot be (or may not be) written; the message says which folder and why."""


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap the two paths atomically; False when the platform or filesystem cannot (the caller falls back)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


# --- ownership ---------------------------------------------------------------------------------------------------

def is_marked(folder: Path) -> bool:
    """The folder carries a build's marker (a regular file with the marker's text)."""
    marker = folder / MARKER
    try:
        return not marker.is_symlink() and marker.is_file() and marker.read_text(encoding="utf-8") == MARKER_TEXT
    except (OSError, UnicodeDecodeError):
        return False


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _entries(folder: Path) -> list[str]:
    return sorted(entry.name for entry in os.scandir(folder))


def _show(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def resolve_out(out: Path) -> Path:
    """The absolute folder a build writes: symbolic links followed, so the swap replaces the real folder and a
    link to it keeps pointing there."""
    return Path(os.path.abspath(out)).resolve()


def check_owned(out: Path, protected: Iterable[tuple[str, Path]] = ()) -> str:
    """Why the build may write `out` ('new', 'empty', 'marked' or 'legacy'); OutFolderError if it may not.

    `protected`: (what, path) pairs — the build's inputs and the project's root; `out` may be none of them and
    hold none of them.
    """
    out = resolve_out(out)
    for what, path in protected:
        path = resolve_out(path)
        if _is_within(path, out):
            where = f"it is {what}" if path == out else f"it holds {what}, {path}"
            raise OutFolderError(f"{out}: refusing to write the build there: {where}, and a build replaces its "
                                 "output folder whole; give --out a folder of its own (default: build/)")
    if not out.exists():
        for parent in out.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutFolderError(f"{out}: cannot be created: {parent} is a file, not a folder")
                break
        return "new"
    if not out.is_dir():
        raise OutFolderError(f"{out}: is a file, not a folder; choose another --out")
    try:
        names = _entries(out)
    except OSError as error:
        raise OutFolderError(f"{out}: cannot be read: {error.strerror or error}") from None
    if not names:
        return "empty"
    if is_marked(out):
        return "marked"
    if all((out / sign).is_file() for sign in LEGACY_SIGNS) and not any(n.startswith(".") for n in names):
        return "legacy"
    raise OutFolderError(
        f"{out}: refusing to replace this folder: it holds {_show(names)}, which no build of hongqiao-kg wrote "
        f"(no {MARKER} marker). A build replaces its output folder whole, so it writes only into a new or empty "
        "folder or a previous build's; choose another --out, or move those files away yourself")


# --- leftovers ---------------------------------------------------------------------------------------------------

def _leftover_re(name: str) -> re.Pattern:
    return re.compile(rf"\.{re.escape(name)}\.(staging|old)-[A-Za-z0-9_]{{8}}")


def _unlocked(folder: Path) -> bool:
    """No running build holds the folder's marker (a killed build's lock went with it)."""
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def clean_leftovers(out: Path) -> list[str]:
    """Restore or remove what killed builds left beside `out`; return one note per folder left alone.

    An old output moved aside by the two-rename fallback comes back when `out` is missing; every other marked,
    unlocked leftover is removed. Folders of that name without the marker are not ours to remove: reported only.
    """
    out = Path(out)
    parent, pattern, notes = out.parent, _leftover_re(out.name), []
    if not parent.is_dir():
        return notes
    leftovers = sorted((p for p in parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()
                        and not p.is_symlink()), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in leftovers:
        if not is_marked(path):
            notes.append(f"{path}: left over from an earlier build but carries no {MARKER} marker; not removed")
            continue
        if not _unlocked(path):
            continue  # a build running now
        if path.name.startswith(f".{out.name}.old-") and not out.exists() and not out.is_symlink():
            os.rename(path, out)  # the newest old output, moved aside by a build killed mid-swap
            continue
        shutil.rmtree(path, ignore_errors=True)
    return notes


# --- the staging folder and the swap -----------------------------------------------------------------------------

@dataclass
class Staging:
    """A marked, locked folder beside `out` that becomes `out` on commit()."""

    out: Path
    path: Path
    state: str  # how `out` was owned when the build began (check_owned)
    _lock: int | None = field(default=None, repr=False)

    def commit(self) -> None:
        """Swap the staging folder in for `out`, atomically; then remove the old output."""
        out = self.out
        state = check_owned(out)  # again: the folder may have changed while the build ran
        if state == "legacy":
            extra = sorted(set(_entries(out)) - set(_entries(self.path)))
            if extra:
                raise OutFolderError(f"{out}: refusing to replace this folder: it has no {MARKER} marker and holds "
                                     f"{_show(extra)}, which this build does not write; move them away yourself")
        if state == "new":
            os.rename(self.path, out)
        elif state == "empty":
            os.rename(self.path, out)  # rename replaces an empty folder in one step
        elif exchange(self.path, out):
            shutil.rmtree(self.path, ignore_errors=True)  # the old output, now at the staging path
        else:
            self._two_renames()
        self.close()

    def _two_renames(self) -> None:
        out = self.out
        if not is_marked(out):  # a legacy folder: mark it, so that a build killed mid-swap can put it back
            (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        lock = os.open(out / MARKER, os.O_RDONLY)
        fcntl.flock(lock, fcntl.LOCK_EX)  # no other build's clean_leftovers moves it back while it is aside
        try:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old)  # replaces the empty folder mkdtemp made
            try:
                os.rename(self.path, out)
            except BaseException:
                os.rename(old, out)
                raise
        finally:
            os.close(lock)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.close()

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def stage(out: Path, protected: Iterable[tuple[str, Path]] = ()) -> tuple[Staging, list[str]]:
    """Check that the build owns `out`, clean what killed builds left, and make the staging folder.

    Returns the staging folder and notes for the terminal (leftovers left alone). Raises OutFolderError.
    """
    out, protected = resolve_out(out), list(protected)
    state = check_owned(out, protected)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        notes = clean_leftovers(out)
        state = check_owned(out, protected)  # a restored old output is marked
        path = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    except OSError as error:
        raise OutFolderError(f"{out}: cannot write beside it in {out.parent}: {error.strerror or error}") from None
    marker = path / MARKER
    marker.write_text(MARKER_TEXT, encoding="utf-8")
    lock = os.open(marker, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return Staging(out, path, state, lock), notes
