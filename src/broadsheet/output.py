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
import tempfile
from collections.abc import Iterator
from pathlib import Path

from broadsheet.diagnostics import ContentError, Diagnostic

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


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file via a temporary sibling, then rename them all into place.

    All temporaries are written and synced before the first rename, and a
    journal naming them is written too: if the process is killed between two
    renames, the next build (``recover``) finishes the commit, so an edition's
    HTML and PDF are replaced together or not at all. A failure while writing
    leaves every earlier output as it was and no temporary behind.
    """
    for target in files:
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
            if tmp.is_file() and tmp.resolve().is_relative_to(root.resolve()):
                os.replace(tmp, target)
                touched.append(target)
        journal.unlink()
    for stray in _below(root, f".*{TEMP_SUFFIX}"):
        if _TEMP_NAME.fullmatch(stray.name) and stray.is_file():
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
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ContentError(
            Diagnostic(folder, f"cannot write into the output folder: {exc.strerror}")
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


# Temporary folders of a process (the engine's font files), named by its pid.
PROCESS_FOLDER_PREFIX = "broadsheet-"


def process_folder() -> Path:
    """A temporary folder for this process, removed when it exits; the folders
    of processes that are gone (killed, or workers that exit without clean-up)
    are removed first."""
    root = Path(tempfile.gettempdir())
    for stale in root.glob(f"{PROCESS_FOLDER_PREFIX}*"):
        pid = stale.name.removeprefix(PROCESS_FOLDER_PREFIX).partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    owner = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{PROCESS_FOLDER_PREFIX}{owner}-"))
    # a forked child shares the folder: only the process that made it removes it
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    return folder


def remove_process_folders(pids: list[int]) -> None:
    """Remove the temporary folders of processes that have ended (a pool's workers)."""
    root = Path(tempfile.gettempdir())
    for pid in pids:
        for folder in root.glob(f"{PROCESS_FOLDER_PREFIX}{pid}-*"):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
