"""Ed25519 keys and the detached signature of an archive's manifest.json."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from broadsheet.diagnostics import ContentError, Diagnostic

PRIVATE_KEY_FILE = "archive-signing.pem"
PUBLIC_KEY_FILE = "archive-signing.pub.pem"
MAX_KEY_BYTES = 64 * 1024  # a PEM Ed25519 key is ~120 bytes; this is generous
MAX_SIGNATURE_BYTES = 1024
_KEYGEN = "broadsheet archive keygen makes an Ed25519 pair"


def _refuse(path: Path, message: str) -> ContentError:
    return ContentError(Diagnostic(path, message))


def _kind(key: object) -> str:
    """'an RSA key', 'an EC key': what a wrong key is, in a user's words."""
    name = type(key).__name__.removeprefix("_")
    for suffix in ("PrivateKey", "PublicKey"):
        name = name.removesuffix(suffix)
    return f"an {name} key" if name[:1] in "AEIORX" else f"a {name} key"


def _load(path: Path) -> Ed25519PrivateKey | Ed25519PublicKey:
    try:
        # Opened without waiting: a named pipe nobody writes to would hang the
        # open; a pipe being written (--key <(…)) is read as it arrives.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_KEY_BYTES + 1)
    except FileNotFoundError:
        raise _refuse(path, f"no such key file ({_KEYGEN})") from None
    except OSError as exc:
        raise _refuse(path, f"unreadable key file: {exc.strerror or exc}") from None
    if len(data) > MAX_KEY_BYTES or b"-----BEGIN " not in data:
        raise _refuse(path, f"not a PEM key file ({_KEYGEN})")
    key: object
    try:
        if b"PRIVATE KEY-----" in data:
            key = serialization.load_pem_private_key(data, password=None)
        elif b"PUBLIC KEY-----" in data:
            key = serialization.load_pem_public_key(data)
        else:
            raise _refuse(path, f"a PEM file that holds no private or public key ({_KEYGEN})")
    except TypeError:
        # cryptography's way of saying the key is encrypted with a passphrase
        raise _refuse(
            path, "an encrypted private key; archive signing reads unencrypted keys"
        ) from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        # cryptography explains at length; its first sentence says it
        raise _refuse(path, f"not a readable PEM key: {str(exc).split('. ')[0]}") from None
    if not isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        raise _refuse(path, f"{_kind(key)}; archive signing takes Ed25519 keys ({_KEYGEN})")
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The private key in ``path``; a ContentError naming it if it is anything else."""
    key = _load(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise _refuse(path, f"a public key; signing needs the private key ({PRIVATE_KEY_FILE})")
    return key


def load_verify_key(path: Path) -> Ed25519PublicKey:
    """The public key in ``path``; a private key is taken too, its public half used."""
    key = _load(path)
    return key.public_key() if isinstance(key, Ed25519PrivateKey) else key


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A short name for a key pair: the start of the sha256 of its raw public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, manifest: bytes) -> bytes:
    """The signature file: the Ed25519 signature of the manifest's bytes, base64, one line."""
    return base64.b64encode(key.sign(manifest)) + b"\n"


def signature_problem(key: Ed25519PublicKey, manifest: bytes, signature_file: bytes) -> str | None:
    """Why ``signature_file`` does not vouch for ``manifest`` under ``key``, or None."""
    if len(signature_file) > MAX_SIGNATURE_BYTES:
        return "not a signature: too long"
    try:
        signature = base64.b64decode(signature_file.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "not a signature: not one line of base64"
    if len(signature) != 64:
        return f"not an Ed25519 signature: {len(signature)} bytes, not 64"
    try:
        key.verify(signature, manifest)
    except InvalidSignature:
        return "does not match manifest.json under this key: edited, or signed with another key"
    return None


def generate_key_pair(folder: Path) -> tuple[Path, Path]:
    """Write a new Ed25519 pair into ``folder``: the private key readable by its
    owner only (0600), the public key to hand to whoever verifies. Never overwrites."""
    private, public = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if (folder / "manifest.json").exists():
        # the next archive run would list the private key in the manifest, and publish it
        raise _refuse(folder, "an archive folder (it has manifest.json): keep the keys outside it")
    for path in (private, public):
        if path.exists() or path.is_symlink():
            raise _refuse(path, "already there; broadsheet never overwrites a key")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    written: list[Path] = []
    try:
        for path, data, mode in ((private, private_pem, 0o600), (public, public_pem, 0o644)):
            # O_EXCL: a file or symlink that appeared meanwhile is not written through
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            written.append(path)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(path, mode)  # the umask may have narrowed it; 0600 must not widen
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return private, public
