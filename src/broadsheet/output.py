"""Atomic output: a job's files are all old or all new, never half-written, one writer at a time."""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from broadsheet.diagnostics import ContentError, Diagnostic, display_path

LOCK_FILE = ".broadsheet.lock"
# A commit in progress: the temporaries to rename, written before the first rename.
JOURNAL_PREFIX = ".commit."
JOURNAL_SUFFIX = ".json"
TEMP_SUFFIX = ".tmp"
# mkstemp's names: a dot, the target's name, eight random characters
_TEMP_NAME = re.compile(r"\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))
MAX_DEPTH = 6  # <series>/<NN>/assets/<layout>/fonts/<file>
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C or a kill (SIGTERM) waits until the files are committed: a
    commit takes milliseconds, and an interrupted one would mix old and new."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_atomically(files: dict[Path, bytes], inside: Path | None = None) -> None:
    """Write every file via a temporary sibling, then rename them all into place.

    All temporaries are written and synced before the first rename, and a
    journal naming them is written too: if the process is killed between two
    renames, the next build (``recover``) finishes the commit, so an edition's
    HTML and PDF are replaced together or not at all. A failure while writing
    leaves every earlier output as it was and no temporary behind. With
    ``inside``, every file must land inside that folder once symlinks are
    followed: a symlink planted in an output folder does not carry writes out.
    """
    for target in files:
        if inside is not None:
            _refuse_escape(target, inside)
        # the one way a rename fails once the data is written: refuse it
        # before anything is written, not between two renames
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(target))
    staged: list[tuple[str, Path]] = []
    journal: str | None = None
    with _signals_held():
        try:
            for target, data in files.items():
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(
                    dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
                )
                staged.append((tmp, target))
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o644)
            if len(staged) > 1:
                journal = _write_journal(staged)
            for tmp, target in staged:
                os.replace(tmp, target)
            for folder in {target.parent for _, target in staged}:
                _sync_folder(folder)
        finally:
            for tmp, _ in staged:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            if journal:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(journal)


def _refuse_escape(target: Path, inside: Path) -> None:
    """Refuse a target whose folders, from ``inside`` down, lead elsewhere once
    symlinks are followed (``inside`` itself may be a symlink: the user's)."""
    root = inside.resolve()
    try:
        parts = target.parent.relative_to(inside).parts
    except ValueError:
        parts = ("..",)
    folder = inside
    for part in parts:
        folder = folder / part
        if not folder.exists() and not folder.is_symlink():
            return  # made fresh from here down, inside
        if part == ".." or not folder.resolve().is_relative_to(root):
            raise PermissionError(
                errno.EACCES, f"a symlink leads outside {display_path(inside)}", str(folder)
            )


def _write_journal(staged: list[tuple[str, Path]]) -> str:
    folder = staged[0][1].parent
    entries = [
        [os.path.relpath(tmp, folder), os.path.relpath(target, folder)] for tmp, target in staged
    ]
    fd, path = tempfile.mkstemp(dir=folder, prefix=JOURNAL_PREFIX, suffix=JOURNAL_SUFFIX)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(entries, handle)
        handle.flush()
        os.fsync(handle.fileno())
    _sync_folder(folder)
    return path


def _sync_folder(folder: Path) -> None:
    # the renames themselves reach the disk only when the folder is synced
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def recover(root: Path) -> list[Path]:
    """Finish the commits a killed run left half done below ``root`` and remove
    its stray temporaries; the paths it touched. Call only holding the lock:
    then no other broadsheet is writing there."""
    touched: list[Path] = []
    if not root.is_dir():
        return touched
    for journal in sorted(_below(root, f"{JOURNAL_PREFIX}*{JOURNAL_SUFFIX}")):
        folder = journal.parent
        try:
            entries = json.loads(journal.read_text(encoding="utf-8"))
            pairs = [(folder / tmp, folder / target) for tmp, target in entries]
        except (OSError, ValueError, TypeError):
            pairs = []
        for tmp, target in pairs:
            # every temporary was complete before the journal was written
            inside = tmp.resolve().is_relative_to(root.resolve())
            if tmp.is_file() and inside and target.parent.resolve().is_relative_to(root.resolve()):
                os.replace(tmp, target)
                touched.append(target)
        journal.unlink()
    for stray in _below(root, f".*{TEMP_SUFFIX}"):
        ours = _TEMP_NAME.fullmatch(stray.name) and stray.is_file()
        if ours and stray.resolve().is_relative_to(root.resolve()):
            stray.unlink()
            touched.append(stray)
    return touched


def _below(root: Path, pattern: str) -> Iterator[Path]:
    """Matches in ``root`` and the folders broadsheet writes below it
    (``<series>/<NN>/assets/…``), never deeper: an output folder may be
    anywhere, and a project folder's other files are not ours."""
    for depth in range(MAX_DEPTH + 1):
        yield from root.glob("/".join(["*"] * depth + [pattern]))


@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[list[Path]]:
    """Hold ``folder`` for one run: a second broadsheet writing there is refused
    with a message naming the first. Yields what recovery found to finish."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder", str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a lock file planted as a symlink would truncate its target
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        reason = "its lock file is a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise ContentError(
            Diagnostic(folder, f"cannot write into the output folder: {reason}")
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise ContentError(
                Diagnostic(
                    folder,
                    f"another broadsheet (pid {holder}) is writing into this folder; "
                    "run again when it is done, or build into another folder (-o)",
                )
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield recover(folder)
    finally:
        os.close(fd)


# Temporary folders of a process (the engine's font files), named by its pid
# and marked inside, so that only folders broadsheet made are ever removed.
PROCESS_FOLDER_PREFIX = "broadsheet-fonts-"
PROCESS_MARK = ".made-by-broadsheet"


def process_folder() -> Path:
    """A temporary folder for this process, removed when it exits; the folders
    of this user's processes that are gone (killed, or workers that exit
    without clean-up) are removed first."""
    root = Path(tempfile.gettempdir())
    for stale in root.glob(f"{PROCESS_FOLDER_PREFIX}*"):
        pid = stale.name.removeprefix(PROCESS_FOLDER_PREFIX).partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)) and _ours(stale, pid):
            shutil.rmtree(stale, ignore_errors=True)
    owner = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{PROCESS_FOLDER_PREFIX}{owner}-"))
    (folder / PROCESS_MARK).write_text(str(owner))
    # a forked child shares the folder: only the process that made it removes it
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    return folder


def _ours(folder: Path, pid: str) -> bool:
    """Made by broadsheet for process ``pid``, and this user's: a real folder
    (not a symlink) holding the mark that names the pid."""
    try:
        info = folder.lstat()
        mark = (folder / PROCESS_MARK).read_text()
    except (OSError, ValueError):
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and mark == pid


def remove_process_folders(pids: list[int]) -> None:
    """Remove the temporary folders of processes that have ended (a pool's workers)."""
    root = Path(tempfile.gettempdir())
    for pid in pids:
        for folder in root.glob(f"{PROCESS_FOLDER_PREFIX}{pid}-*"):
            if _ours(folder, str(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
