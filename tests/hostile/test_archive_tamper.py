"""A hostile editor against `archive verify`: manifest edits, escapes, strays, symlinks, keys."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from broadsheet.archive_manifest import section_hashes
from broadsheet.archive_verify import verify_archive
from broadsheet.cli import main
from broadsheet.diagnostics import ContentError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "series-demo"
PDF = "demo-series/01.pdf"
OTHER_PDF = "demo-series/02.pdf"
EDITED = "manifest edited: manifest.json (the {} section no longer matches manifest_sha256)"


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    # CliRunner turns an escaped exception into exit 1: that must not pass for a refusal
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result.exit_code, result.output.replace("\n", " ")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(dest: Path) -> dict[str, Any]:
    return json.loads((dest / "manifest.json").read_text(encoding="utf-8"))


def save(dest: Path, manifest: Any, rehash: bool = False) -> None:
    """Write an edited manifest; ``rehash`` plays the editor who also recomputes
    the section hashes, as anyone can without the private key."""
    if rehash:
        manifest["manifest_sha256"] = section_hashes(manifest)
    # ASCII escapes: a lone surrogate (the fuzz writes some) is JSON, not UTF-8
    text = json.dumps(manifest, ensure_ascii=True, indent=1, sort_keys=True) + "\n"
    (dest / "manifest.json").write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class Built:
    series: Path
    unsigned: Path
    signed: Path
    private: Path
    public: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One archive of the demo series (three editions), and a signed copy of it:
    archiving takes seconds, so each test edits a copy of these."""
    from conftest import make_project

    root = tmp_path_factory.mktemp("tamper")
    series = make_project(root / "project") / "content" / "demo"
    shutil.copytree(FIXTURE, series)
    Image.linear_gradient("L").resize((900, 300)).convert("RGB").save(series / "photo.png")
    unsigned = root / "unsigned"
    code, output = run("archive", series, "--to", unsigned)
    assert code == 0, output
    code, output = run("archive", "keygen", "--to", root / "keys")
    assert code == 0, output
    private = root / "keys" / "archive-signing.pem"
    public = root / "keys" / "archive-signing.pub.pem"
    signed = root / "signed"
    shutil.copytree(unsigned, signed)
    # signing an existing archive: incremental, every edition as before
    code, output = run("archive", series, "--to", signed, "--key", private)
    assert code == 0 and output.count("unchanged") == 3, output
    assert "signed manifest.json with ed25519:" in output
    return Built(series, unsigned, signed, private, public)


@pytest.fixture
def archive(built: Built, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built.unsigned, tmp_path / "archive", symlinks=True))


@pytest.fixture
def signed(built: Built, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built.signed, tmp_path / "signed", symlinks=True))


def test_untouched_archives_pass_and_say_whether_they_are_signed(
    archive: Path, signed: Path, built: Built
) -> None:
    code, output = run("archive", "verify", archive)
    assert code == 0 and "every file matches the manifest" in output
    assert "manifest.json: unsigned" in output
    code, output = run("archive", "verify", signed)
    assert code == 0 and "signature not checked (--key PUB.pem checks it)" in output
    code, output = run("archive", "verify", signed, "--key", built.public)
    assert code == 0 and "good signature by ed25519:" in output
    # the private key serves too: its public half is used
    assert run("archive", "verify", signed, "--key", built.private)[0] == 0
    assert (archive / "manifest.json.sig").exists() is False


@pytest.mark.parametrize(
    ("where", "value", "section"),
    [
        (("editions", 1, "headline"), "篡改过的标题", "editions"),
        (("editions", 1, "number"), 7, "editions"),
        (("generator", "broadsheet"), "9.9.9", "generator"),
        (("generator", "fonts", "LXGW WenKai"), "another font", "generator"),
    ],
)
def test_edited_edition_metadata_or_generator_is_caught(
    archive: Path, where: tuple[Any, ...], value: Any, section: str
) -> None:
    manifest = load(archive)
    holder = manifest
    for step in where[:-1]:
        holder = holder[step]
    assert holder[where[-1]] != value
    holder[where[-1]] = value
    save(archive, manifest)
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert EDITED.format(section) in output
    assert "changed:" not in output  # the files are as they were: only the manifest is said


def outside_entry(archive: Path, name: str, target: Path) -> None:
    """A files entry whose record matches ``target``'s real bytes: if verify
    followed ``name`` there, the entry would check out."""
    manifest = load(archive)
    data = target.read_bytes()
    manifest["files"][name] = {"sha256": sha(data), "size": len(data)}
    save(archive, manifest, rehash=True)


@pytest.mark.parametrize("name", ["../secret.txt", "demo-series/../../secret.txt", "ABSOLUTE"])
def test_entries_leaving_the_archive_are_refused_and_never_opened(
    archive: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = archive.parent / "secret.txt"
    secret.write_text("outside the archive", encoding="utf-8")
    name = str(secret) if name == "ABSOLUTE" else name
    outside_entry(archive, name, secret)
    opened: list[str] = []
    real_open = os.open

    def spy(path: Any, *args: Any, **kw: Any) -> int:
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kw)

    monkeypatch.setattr(os, "open", spy)
    found = verify_archive(archive)
    monkeypatch.undo()
    assert [str(p) for p in found.problems] == [
        f"refused: {name} "
        f"({'an absolute path' if name.startswith('/') else 'climbs out with ..'}: "
        "lies outside the archive; not opened)"
    ]
    root = os.path.realpath(archive)
    assert opened and all(p.startswith(root + os.sep) for p in opened), opened
    code, output = run("archive", "verify", archive)
    assert code == 1 and f"refused: {name}" in output


def test_etc_hostname_entries_are_refused(archive: Path) -> None:
    manifest = load(archive)
    for name in ("../../etc/hostname", "../../../../etc/hostname", "/etc/hostname"):
        manifest["files"][name] = {"sha256": "0" * 64, "size": 1}
    save(archive, manifest, rehash=True)
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert output.count("lies outside the archive; not opened") == 3


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("demo-series\\01.pdf", "holds a backslash"),
        ("demo-series/01.pdf\x00.png", "holds a NUL byte"),
        ("demo-series//01.pdf", "empty or . parts"),
        ("./index.html", "empty or . parts"),
        ("C:/Windows/win.ini", "an absolute path"),
        ("index.html\nerror: forged line", "holds control characters"),
    ],
)
def test_odd_names_are_refused_with_a_reason(archive: Path, name: str, why: str) -> None:
    outside_entry(archive, name, archive / "index.html")
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert why in output and "; not opened)" in output
    if "\n" in name:
        assert "index.html\\nerror: forged line" in output  # shown escaped: no forged line


def test_symlinks_are_reported_and_not_followed(archive: Path) -> None:
    # a symlink to a copy of the thumbnail's own bytes: following it would pass
    thumbnail = archive / "demo-series" / "02.png"
    copy_outside = archive.parent / "02-copy.png"
    shutil.copyfile(thumbnail, copy_outside)
    thumbnail.unlink()
    thumbnail.symlink_to(copy_outside)
    (archive / "etc").symlink_to("/etc")
    code, output = run("archive", "verify", archive)
    assert code == 1
    detail = "(an archive holds regular files only; not followed)"
    assert f"symlink: demo-series/02.png {detail}" in output
    assert f"symlink: etc {detail}" in output
    assert "missing: demo-series/02.png" not in output  # one line says it


def test_hidden_files_and_folders_are_unexpected_but_the_lock_is_not(archive: Path) -> None:
    (archive / ".hidden").write_text("x", encoding="utf-8")
    (archive / "demo-series" / ".DS_Store").write_bytes(b"\0")
    (archive / ".git" / "objects" / "ab").mkdir(parents=True)
    (archive / ".git" / "objects" / "ab" / "cdef").write_bytes(b"blob")
    (archive / ".git" / "empty").mkdir()
    (archive / ".stash").mkdir()
    (archive / ".broadsheet.lock").write_text("", encoding="utf-8")
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert "unexpected: .hidden" in output
    assert "unexpected: demo-series/.DS_Store" in output
    # a stray folder is one line, whatever it holds
    assert "unexpected: .git/ (a folder the manifest does not list)" in output
    assert ".git/objects" not in output and ".git/empty" not in output
    assert "unexpected: .stash/ (an empty folder)" in output
    assert ".broadsheet.lock" not in output
    for stray in (".hidden", "demo-series/.DS_Store"):
        (archive / stray).unlink()
    shutil.rmtree(archive / ".git")
    (archive / ".stash").rmdir()
    assert run("archive", "verify", archive)[0] == 0  # the lock alone is no problem


def swap_pdf(archive: Path, editions: bool, rehash: bool) -> None:
    """Put edition 2's bytes in place of edition 1 and update its files entry,
    and if asked its edition's sha256 and the section hashes too."""
    data = (archive / OTHER_PDF).read_bytes()
    (archive / PDF).write_bytes(data)
    manifest = load(archive)
    manifest["files"][PDF] = {"sha256": sha(data), "size": len(data)}
    if editions:
        manifest["editions"][0]["sha256"] = sha(data)
    save(archive, manifest, rehash)


def test_swapped_pdf_with_its_files_hash_is_caught_by_the_manifest_hash(archive: Path) -> None:
    swap_pdf(archive, editions=False, rehash=False)
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert EDITED.format("files") in output
    assert f"edition mismatch: {PDF} (the edition's sha256 is not its file's)" in output
    assert "changed:" not in output  # the bytes match what the edited files entry says


def test_swapped_pdf_with_every_hash_but_the_manifest_hash(archive: Path) -> None:
    swap_pdf(archive, editions=True, rehash=False)
    code, output = run("archive", "verify", archive)
    assert code == 1
    assert EDITED.format("files") in output and EDITED.format("editions") in output
    assert "edition mismatch" not in output


def test_swapped_pdf_with_recomputed_hashes_passes_without_a_key_and_fails_with_it(
    signed: Path, built: Built
) -> None:
    # Without a key nothing tells this editor from broadsheet: the hashes are
    # public arithmetic. The README says so; the signature is the answer.
    swap_pdf(signed, editions=True, rehash=True)
    code, output = run("archive", "verify", signed)
    assert code == 0, output
    code, output = run("archive", "verify", signed, "--key", built.public)
    assert code == 1
    assert (
        "signature: manifest.json.sig (does not match manifest.json under this key: "
        "edited, or signed with another key)"
    ) in output


def test_a_reformatted_manifest_is_no_longer_signed(signed: Path, built: Built) -> None:
    # the signature covers the file's bytes: even a reformatted manifest is no longer signed
    save(signed, load(signed))
    text = (signed / "manifest.json").read_text(encoding="utf-8").replace('\n "', '\n  "', 1)
    (signed / "manifest.json").write_text(text, encoding="utf-8")
    assert run("archive", "verify", signed)[0] == 0
    code, output = run("archive", "verify", signed, "--key", built.public)
    assert code == 1 and "signature: manifest.json.sig (does not match" in output


def test_wrong_key_unsigned_archive_and_a_garbled_signature(
    archive: Path, signed: Path, built: Built, tmp_path: Path
) -> None:
    code, output = run("archive", "keygen", "--to", tmp_path / "other")
    assert code == 0, output
    other = tmp_path / "other" / "archive-signing.pub.pem"
    code, output = run("archive", "verify", signed, "--key", other)
    assert code == 1 and "signed with another key" in output
    code, output = run("archive", "verify", archive, "--key", built.public)
    assert code == 1
    assert "signature: manifest.json.sig (missing: the archive is unsigned" in output
    (signed / "manifest.json.sig").write_text("not base64 at all!\n", encoding="utf-8")
    code, output = run("archive", "verify", signed, "--key", built.public)
    assert code == 1 and "not a signature: not one line of base64" in output


def test_bad_key_files_are_named_errors(signed: Path, built: Built, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(
        rsa.generate_private_key(65537, 2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    (tmp_path / "text.pem").write_text("just some text\n", encoding="utf-8")
    cases = {
        tmp_path / "missing.pem": "no such key file",
        tmp_path / "text.pem": "not a PEM key file",
        rsa_key: "an RSA key; archive signing takes Ed25519 keys",
        encrypted: "an encrypted private key",
    }
    for key, said in cases.items():
        for command in (("verify", signed), (built.series, "--to", signed)):
            code, output = run("archive", *command, "--key", key)
            assert code == 1, output
            assert f"{key.name}: {said}" in output
    code, output = run("archive", built.series, "--to", signed, "--key", built.public)
    assert code == 1
    assert "a public key; signing needs the private key (archive-signing.pem)" in output


def test_problem_lines_in_json(archive: Path) -> None:
    (archive / PDF).write_bytes(b"%PDF-1.7 not the archived bytes")
    (archive / ".hidden").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["archive", "verify", str(archive), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["exit_code"] == 1 and document["errors"] == 2
    size = len(b"%PDF-1.7 not the archived bytes")
    wanted = load(archive)["files"][PDF]["size"]
    assert document["results"] == [
        {"problem": "changed", "file": PDF, "detail": f"{size} bytes, the manifest says {wanted}"},
        {"problem": "unexpected", "file": ".hidden", "detail": ""},
    ]


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(
    tmp_path: Path, archive: Path
) -> None:
    keys = tmp_path / "keys"
    code, output = run("archive", "keygen", "--to", keys)
    assert code == 0, output
    assert (keys / "archive-signing.pem").stat().st_mode & 0o777 == 0o600
    assert (keys / "archive-signing.pub.pem").stat().st_mode & 0o777 == 0o644
    before = (keys / "archive-signing.pem").read_bytes()
    code, output = run("archive", "keygen", "--to", keys)
    assert code == 1 and "already there; broadsheet never overwrites a key" in output
    assert (keys / "archive-signing.pem").read_bytes() == before
    code, output = run("archive", "keygen", "--to", archive)
    assert code == 1 and "keep the keys outside it" in output


def test_archiving_refuses_to_extend_what_verify_would_fail(
    archive: Path, signed: Path, built: Built
) -> None:
    # a new manifest would vouch for the edit: the build stops instead
    manifest = load(archive)
    manifest["editions"][0]["headline"] = "篡改过的标题"
    save(archive, manifest)
    code, output = run("archive", built.series, "--to", archive)
    assert code == 1 and "the editions section no longer matches" in output
    assert "the archive is not extended over it" in output
    # a signed archive is not silently left unsigned
    code, output = run("archive", built.series, "--to", signed)
    assert code == 1 and "the archive is signed; --key KEY.pem signs its new manifest" in output
    # a file the run does not rewrite, changed since the manifest was written
    thumbnail = signed / "demo-series" / "02.png"
    thumbnail.write_bytes(thumbnail.read_bytes() + b"\0")
    code, output = run("archive", built.series, "--to", signed, "--key", built.private)
    assert code == 1
    assert "changed: demo-series/02.png (since the last archive run); restore it" in output
    assert run("archive", "verify", signed, "--key", built.public)[0] == 1
    # the way out for a thumbnail: delete it, and the run builds it again
    thumbnail.unlink()
    code, output = run("archive", built.series, "--to", signed, "--key", built.private)
    assert code == 0, output
    assert run("archive", "verify", signed, "--key", built.public)[0] == 0


def test_a_manifest_from_before_the_hashes_is_upgraded_by_archiving_again(
    archive: Path, built: Built
) -> None:
    manifest = load(archive)
    del manifest["manifest_sha256"]
    save(archive, manifest)
    code, output = run("archive", "verify", archive)
    assert code == 1 and "manifest unhashed: manifest.json" in output
    code, output = run("archive", built.series, "--to", archive)
    assert code == 0 and output.count("unchanged") == 3, output
    assert run("archive", "verify", archive)[0] == 0


# --- fuzz: a real manifest mutated many ways never crashes verify ---------------

REPLACEMENTS: list[Any] = [None, [], {}, 1, -1, 10**30, 1.5, True, "x", "../x", "\udc80", "a\x00b"]


def places(value: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a JSON value, containers included."""
    yield where
    if isinstance(value, dict):
        for key in value:
            yield from places(value[key], (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from places(item, (*where, index))


def replaced(manifest: Any, where: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    if not where:
        return value
    edited = copy.deepcopy(manifest)
    holder = edited
    for step in where[:-1]:
        holder = holder[step]
    if delete:
        del holder[where[-1]]
    else:
        holder[where[-1]] = value
    return edited


def verify_quietly(archive: Path) -> list[str] | None:
    """Problems, or None for a ContentError; anything else fails the test."""
    try:
        return [str(p) for p in verify_archive(archive).problems]
    except ContentError:
        return None


def test_fuzzed_manifests_give_problems_never_a_crash(archive: Path) -> None:
    original = load(archive)
    tried = 0
    for where in places(original):
        holder: Any = original
        for step in where:
            holder = holder[step]
        old = holder
        for value in REPLACEMENTS:
            # type, not isinstance: True is no count, 1.5 no size
            if value == old and type(value) is type(old):
                continue
            edited = replaced(original, where, value)
            save(archive, edited)
            problems = verify_quietly(archive)
            assert problems is None or problems, (where, value)
            if where and where[0] != "manifest_sha256" and isinstance(edited, dict):
                # the editor recomputes the hashes: a value of the wrong type is still said
                save(archive, edited, rehash=True)
                problems = verify_quietly(archive)
                if type(value) is not type(old):
                    assert problems is None or problems, (where, value)
            tried += 1
        if where and isinstance(where[-1], str):
            save(archive, replaced(original, where, None, delete=True))
            problems = verify_quietly(archive)
            assert problems is None or problems, where
    assert tried > 500


def test_garbled_manifest_bytes_never_crash(archive: Path) -> None:
    data = (archive / "manifest.json").read_bytes()
    rng = random.Random(11)
    for cut in range(0, len(data), max(1, len(data) // 40)):
        (archive / "manifest.json").write_bytes(data[:cut])
        assert verify_quietly(archive) is None
    for _ in range(300):
        garbled = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            garbled[rng.randrange(len(garbled))] = rng.randrange(256)
        (archive / "manifest.json").write_bytes(bytes(garbled))
        verify_quietly(archive)
    for text in ("[]", "null", "1e999", "NaN", '{"files": {}, "files": {}}', "[" * 50_000):
        (archive / "manifest.json").write_text(text, encoding="utf-8")
        assert verify_quietly(archive) in (
            None,
            ["malformed: manifest.json (not a broadsheet manifest: not a JSON object)"],
        )
