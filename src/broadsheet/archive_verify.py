"""`archive verify`: each file against the manifest, the manifest against hashes and signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from broadsheet.archive_manifest import (
    MANIFEST,
    RESERVED,
    SIGNATURE,
    Contents,
    Problem,
    file_entry_problem,
    hash_problems,
    member_problem,
    read_manifest,
    read_member,
    sha256_of,
    structure_problems,
    walk_archive,
)
from broadsheet.archive_signing import MAX_SIGNATURE_BYTES, fingerprint, signature_problem


@dataclass
class Verification:
    """What verify found: ``problems`` fail it; ``notes`` (signed or not) never do."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def verify_archive(dest: Path, key: Ed25519PublicKey | None = None) -> Verification:
    """Check the archive at ``dest``: the manifest's structure and section hashes,
    each edition against its file entry, every file's size and sha256, anything
    present the manifest does not list, and with ``key`` the signature.

    Only files found by walking ``dest`` without following symlinks are ever
    opened: a manifest name is compared with them, never joined onto ``dest``.
    A missing or unreadable manifest raises ContentError; all else is a problem.
    """
    contents = walk_archive(dest)
    data, manifest = read_manifest(dest)
    result = Verification()
    result.problems += structure_problems(manifest)
    if isinstance(manifest, dict):
        result.problems += hash_problems(manifest)
    files = manifest.get("files") if isinstance(manifest, dict) else None
    found = _file_problems(files, contents) if isinstance(files, dict) else []
    # an empty folder inside a stray folder is part of that one line
    strays = tuple(p.name for p in found if p.kind == "unexpected" and p.name.endswith("/"))
    result.problems += [
        p for p in contents.problems if not (p.kind == "unexpected" and p.name.startswith(strays))
    ]
    result.problems += found
    _check_signature(result, data, contents, key)
    return result


def _file_problems(files: dict[str, Any], contents: Contents) -> list[Problem]:
    found = []
    listed = set()
    for name, record in sorted(files.items()):
        if member_problem(name) is None:
            listed.add(name)  # a malformed record still names a file: not a stray
        if file_entry_problem(name, record) is not None:
            continue  # said by structure_problems
        if name in contents.odd:
            continue  # said by the walk: a symlink or special file stands there
        path = contents.files.get(name)
        if path is None:
            found.append(Problem("missing", name))
            continue
        size = contents.sizes[name]
        if size != record["size"]:
            detail = f"{size} bytes, the manifest says {record['size']}"
            found.append(Problem("changed", name, detail))
            continue
        try:
            if sha256_of(path) != record["sha256"]:
                found.append(Problem("changed", name, "sha256 differs from the manifest"))
        except OSError as exc:
            found.append(Problem("unreadable", name, exc.strerror or str(exc)))
    strays = sorted(set(contents.files) - listed - RESERVED)
    found += _unexpected(strays, listed)
    return found


def _unexpected(strays: list[str], listed: set[str]) -> list[Problem]:
    """A stray file, or the outermost folder holding it that holds nothing listed:
    a whole stray `.git/` is one line, not one per object."""
    holding = {name.rsplit("/", i)[0] for name in listed for i in range(1, name.count("/") + 1)}
    found: dict[str, Problem] = {}
    for name in strays:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder not in holding:
                detail = "a folder the manifest does not list"
                found.setdefault(folder, Problem("unexpected", f"{folder}/", detail))
                break
        else:
            found[name] = Problem("unexpected", name)
    return list(found.values())


def _check_signature(
    result: Verification, manifest: bytes, contents: Contents, key: Ed25519PublicKey | None
) -> None:
    path = contents.files.get(SIGNATURE)
    if key is None:
        if path is not None:
            result.notes.append(f"{SIGNATURE}: signature not checked (--key PUB.pem checks it)")
        else:
            result.notes.append(
                f"{MANIFEST}: unsigned; its hashes show damage and careless edits, "
                "not an editor who recomputes them (see archive keygen and --key)"
            )
        return
    if path is None:
        detail = "missing: the archive is unsigned, and --key asks for a signature"
        result.problems.append(Problem("signature", SIGNATURE, detail))
        return
    try:
        signature = read_member(path, MAX_SIGNATURE_BYTES)
    except (OSError, ValueError):
        result.problems.append(Problem("signature", SIGNATURE, "unreadable or too long"))
        return
    why = signature_problem(key, manifest, signature)
    if why is None:
        result.notes.append(f"{SIGNATURE}: good signature by {fingerprint(key)}")
    else:
        result.problems.append(Problem("signature", SIGNATURE, why))
