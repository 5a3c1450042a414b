"""The archive manifest's format: strict reading, section hashes, structure checks, the walk."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.diagnostics import ContentError, Diagnostic

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
LOCK = ".broadsheet.lock"  # the archive build's own lock: never listed, never a stray
# Names at the archive's top the manifest does not list: itself, its signature, the lock.
RESERVED = frozenset({MANIFEST, SIGNATURE, LOCK})
HASHED_SECTIONS = ("editions", "files", "generator")
HASH_FIELD = "manifest_sha256"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # thousands of editions fit; a bigger one is no manifest
MAX_SIZE = 2**63 - 1  # what a file system reports as a size
MAX_COUNT = 1_000_000  # a page count or installment number past this is tampering, not news
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_EDITION_TEXTS = ("series", "series_title", "label", "headline")


def shown(name: str) -> str:
    """A name safe to print: control characters (a newline could forge a report
    line) and undecodable bytes appear as escapes."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)


@dataclass(frozen=True)
class Problem:
    """One finding of verify: what is wrong (``kind``), with which file inside the
    archive (``name``), and how (``detail``)."""

    kind: str
    name: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {shown(self.name)}" + (f" ({self.detail})" if self.detail else "")

    def as_json(self) -> dict[str, str]:
        return {"problem": self.kind, "file": shown(self.name), "detail": self.detail}


def sha256_of(path: Path) -> str:
    """Hash a file found by the walk, without following a symlink swapped in since."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_member(path: Path, limit: int) -> bytes:
    """A small file found by the walk, not through a symlink; ValueError past ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"more than {limit} bytes")
    return data


def canonical(value: Any) -> bytes:
    """The bytes a section is hashed as: sorted keys, no spaces, ASCII escapes
    (so a lone surrogate or odd spacing cannot make two readings of one value)."""
    return json.dumps(
        value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False
    ).encode("ascii")


def section_hashes(manifest: dict[str, Any]) -> dict[str, str]:
    return {name: hashlib.sha256(canonical(manifest[name])).hexdigest() for name in HASHED_SECTIONS}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys: a reader of the file would see the other
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"key {shown(key)!r} twice in one object")
        found[key] = value
    return found


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_manifest(dest: Path) -> tuple[bytes, Any]:
    """The manifest's bytes and its parsed JSON. A missing, symlinked, oversized
    or unparsable manifest is a ContentError naming it."""
    path = dest / MANIFEST

    def refuse(message: str) -> ContentError:
        # a text path: a Path would be shown resolved, as the symlink's target
        return ContentError(Diagnostic(str(path), f"no readable manifest: {message}"))

    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            raise refuse("a symlink, not followed (an archive holds regular files only)")
        if not stat.S_ISREG(info.st_mode):
            raise refuse("not a regular file")
        if info.st_size > MAX_MANIFEST_BYTES:
            raise refuse(f"{info.st_size} bytes, more than a manifest holds")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    try:
        parsed = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_finite,
            parse_constant=_no_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise refuse(str(exc) or type(exc).__name__) from None
    return data, parsed


def member_problem(name: object) -> str | None:
    """Why ``name`` cannot name a file inside the archive, or None. Names are the
    build's own form, ``series/NN.pdf``: relative, ``/``-separated, no ``..``."""
    if not isinstance(name, str) or not name:
        return "not a file name"
    if "\x00" in name:
        return "holds a NUL byte"
    if "\\" in name:
        return "holds a backslash; names inside the archive use /"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "an absolute path: lies outside the archive"
    parts = name.split("/")
    if ".." in parts:
        return "climbs out with ..: lies outside the archive"
    if "" in parts or "." in parts:
        return "empty or . parts: not a name the archive writes"
    if not name.isprintable():
        return "holds control characters or undecodable bytes"
    if len(name) > 4096 or any(len(p.encode("utf-8")) > 255 for p in parts):
        return "longer than a file system allows"
    return None


def _count(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high  # bool is an int: not a count


def _hex64(value: object) -> bool:
    return isinstance(value, str) and _HEX64.match(value) is not None


def _iso_date(value: object) -> bool:
    try:
        return isinstance(value, str) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


def file_entry_problem(name: str, record: object) -> Problem | None:
    """A files entry that cannot be checked: a name leaving the archive is refused
    (never opened), a record without sha256 and size is malformed."""
    why = member_problem(name)
    if why is not None:
        return Problem("refused", name, f"{why}; not opened")
    if name in RESERVED:
        return Problem("malformed entry", name, "the manifest lists itself or its companions")
    if not isinstance(record, dict):
        return Problem("malformed entry", name, "needs an object with sha256 and size")
    if not _hex64(record.get("sha256")):
        return Problem("malformed entry", name, "needs sha256: 64 lower-case hex digits")
    if not _count(record.get("size"), 0, MAX_SIZE):
        return Problem("malformed entry", name, "needs size: a whole number of bytes, 0 or more")
    return None


def _edition_problems(index: int, edition: object) -> list[str]:
    if not isinstance(edition, dict):
        return [f"editions[{index}]: not an object"]
    found = []
    for key in ("pdf", "thumbnail"):
        why = member_problem(edition.get(key))
        if why is not None:
            found.append(f"editions[{index}].{key}: {why}")
    if isinstance(edition.get("pdf"), str) and not edition["pdf"].endswith(".pdf"):
        found.append(f"editions[{index}].pdf: not a .pdf")
    found += [
        f"editions[{index}].{key}: not a text"
        for key in _EDITION_TEXTS
        if not isinstance(edition.get(key), str)
    ]
    for key, ok, needs in (
        ("number", _count(edition.get("number"), 0, MAX_COUNT), "a whole number in range"),
        ("pages", _count(edition.get("pages"), 1, MAX_COUNT), "a whole number in range"),
        ("date", _iso_date(edition.get("date")), "an ISO date"),
        ("key", _hex64(edition.get("key")), "64 lower-case hex digits"),
        ("sha256", _hex64(edition.get("sha256")), "64 lower-case hex digits"),
    ):
        if not ok:
            found.append(f"editions[{index}].{key}: needs {needs}")
    return found


def _generator_problems(generator: object) -> list[str]:
    if not isinstance(generator, dict):
        return ["generator: not an object"]
    found = [
        f"generator.{key}: not a text"
        for key in ("broadsheet", "weasyprint")
        if not isinstance(generator.get(key), str)
    ]
    fonts = generator.get("fonts")
    if not (isinstance(fonts, dict) and all(isinstance(v, str) for v in fonts.values())):
        found.append("generator.fonts: needs an object of texts")
    return found


def structure_problems(manifest: object) -> list[Problem]:
    """Everything wrong with the manifest's shape, each as a problem line; then
    each edition against its files entry, so edition metadata cannot drift."""
    if not isinstance(manifest, dict):
        return [Problem("malformed", MANIFEST, "not a broadsheet manifest: not a JSON object")]
    files = manifest.get("files")
    if not isinstance(files, dict):
        return [Problem("malformed", MANIFEST, "not a broadsheet manifest: no mapping of files")]
    lines = [
        f"key {shown(key)!r}: not part of a manifest, and no hash covers it"
        for key in manifest
        if key not in (*HASHED_SECTIONS, HASH_FIELD)
    ]
    editions = manifest.get("editions")
    if not isinstance(editions, list):
        lines.append("editions: needs a list")
        editions = []
    for index, edition in enumerate(editions):
        lines += _edition_problems(index, edition)
    lines += _generator_problems(manifest.get("generator"))
    found = [Problem("malformed", MANIFEST, line) for line in lines]
    found += [p for name, record in files.items() if (p := file_entry_problem(name, record))]
    found += _drift(editions, files)
    return found


def _drift(editions: list[Any], files: dict[str, Any]) -> list[Problem]:
    found = []
    seen: set[str] = set()
    for edition in editions:
        pdf = edition.get("pdf") if isinstance(edition, dict) else None
        if not isinstance(pdf, str) or member_problem(pdf):
            continue  # said above
        if pdf in seen:
            found.append(Problem("edition mismatch", pdf, "two editions name this PDF"))
        seen.add(pdf)
        entry = files.get(pdf)
        if not isinstance(entry, dict):
            found.append(Problem("edition mismatch", pdf, "its edition has no files entry"))
        elif entry.get("sha256") != edition.get("sha256"):
            found.append(Problem("edition mismatch", pdf, "the edition's sha256 is not its file's"))
        thumbnail = edition.get("thumbnail")
        if isinstance(thumbnail, str) and thumbnail not in files:
            found.append(Problem("edition mismatch", thumbnail, "a thumbnail with no files entry"))
    return found


def hash_problems(manifest: dict[str, Any], required: bool = True) -> list[Problem]:
    """Each section whose canonical JSON no longer matches ``manifest_sha256``.
    ``required`` False lets a manifest written before the hashes existed pass."""
    recorded = manifest.get(HASH_FIELD)
    if recorded is None and not required:
        return []
    if not (
        isinstance(recorded, dict)
        and set(recorded) == set(HASHED_SECTIONS)
        and all(_hex64(v) for v in recorded.values())
    ):
        detail = (
            f"no {HASH_FIELD} with a hash of each of {', '.join(HASHED_SECTIONS)}: removed, "
            "or written before broadsheet hashed manifests (archiving again adds it)"
        )
        return [Problem("manifest unhashed", MANIFEST, detail)]
    found = []
    for name in HASHED_SECTIONS:
        try:
            actual = hashlib.sha256(canonical(manifest.get(name))).hexdigest()
        except (ValueError, RecursionError):
            actual = None
        if actual != recorded[name]:
            detail = f"the {name} section no longer matches {HASH_FIELD}"
            found.append(Problem("manifest edited", MANIFEST, detail))
    return found


@dataclass
class Contents:
    """What the archive folder holds, found without following a symlink:
    regular files by name, and what an archive may not hold."""

    files: dict[str, Path] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # names reached through a symlink or of a special file: said once, as that
    odd: set[str] = field(default_factory=set)


def walk_archive(dest: Path) -> Contents:
    # a stack, not recursion: a folder nested two thousand deep is no RecursionError
    contents = Contents()
    stack = [(dest, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as entries:
                found = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            name = prefix or "./"
            contents.problems.append(Problem("unreadable", name, exc.strerror or str(exc)))
            continue
        if not found and prefix:
            contents.problems.append(Problem("unexpected", prefix, "an empty folder"))
        for entry in found:
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), f"{prefix}{entry.name}/"))
            else:
                _file(entry, prefix + entry.name, contents)
    contents.problems.sort(key=lambda p: p.name)
    return contents


def _file(entry: os.DirEntry[str], name: str, contents: Contents) -> None:
    try:
        if entry.is_symlink():
            detail = "an archive holds regular files only; not followed"
            contents.problems.append(Problem("symlink", name, detail))
            contents.odd.add(name)
        elif entry.is_file(follow_symlinks=False):
            contents.files[name] = Path(entry.path)
            contents.sizes[name] = entry.stat(follow_symlinks=False).st_size
        else:
            detail = "a device, pipe or socket; an archive holds regular files only"
            contents.problems.append(Problem("not a regular file", name, detail))
            contents.odd.add(name)
    except OSError as exc:
        contents.problems.append(Problem("unreadable", name, exc.strerror or str(exc)))
        contents.odd.add(name)
