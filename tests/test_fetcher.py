"""The URL fetcher serves project files and data: URLs only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from broadsheet.engine.fetcher import RefusedURL, SafeURLFetcher


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path]:
    allowed = tmp_path / "project" / "assets"
    allowed.mkdir(parents=True)
    (allowed / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    outside = tmp_path / "secret.txt"
    outside.write_text("SECRET-OUTSIDE")
    return allowed, outside


def test_serves_allowed_file(roots: tuple[Path, Path]) -> None:
    allowed, _ = roots
    response = SafeURLFetcher([allowed]).fetch((allowed / "logo.svg").as_uri())
    assert response.read().startswith(b"<svg")
    assert response.content_type == "image/svg+xml"


def test_serves_data_url(roots: tuple[Path, Path]) -> None:
    allowed, _ = roots
    assert SafeURLFetcher([allowed]).fetch("data:text/plain,hello").read() == b"hello"


@pytest.mark.parametrize(
    ("url_of", "reason"),
    [
        (lambda a, o: (a / ".." / ".." / "secret.txt").as_uri(), "outside the allowed folders"),
        (lambda a, o: a.as_uri() + "/../../secret.txt", "outside the allowed folders"),
        (lambda a, o: o.as_uri(), "outside the allowed folders"),
        (lambda a, o: "file:///etc/passwd", "outside the allowed folders"),
        (lambda a, o: "file:///dev/urandom", "outside the allowed folders"),
        (lambda a, o: "http://127.0.0.1:9/x.png", "network"),
        (lambda a, o: "https://example.org/x.css", "network"),
        (lambda a, o: "ftp://example.org/x", "network"),
        (lambda a, o: (a / "missing.png").as_uri(), "file not found"),
    ],
)
def test_refuses(roots: tuple[Path, Path], url_of, reason: str) -> None:
    allowed, outside = roots
    with pytest.raises(RefusedURL, match=reason):
        SafeURLFetcher([allowed]).fetch(url_of(allowed, outside))


def test_refuses_symlink_pointing_out(roots: tuple[Path, Path]) -> None:
    allowed, outside = roots
    link = allowed / "innocent.png"
    os.symlink(outside, link)
    with pytest.raises(RefusedURL, match="outside the allowed folders"):
        SafeURLFetcher([allowed]).fetch(link.as_uri())


def test_refuses_device_inside_root(tmp_path: Path) -> None:
    os.symlink("/dev/null", tmp_path / "null")
    with pytest.raises(RefusedURL):
        SafeURLFetcher([tmp_path, Path("/dev")]).fetch((tmp_path / "null").as_uri())


def test_refused_url_stops_weasyprint(roots: tuple[Path, Path]) -> None:
    """A refusal is fatal inside WeasyPrint, not a logged warning."""
    import weasyprint

    allowed, outside = roots
    html = f'<img src="{outside.as_uri()}"><p>x</p>'
    with pytest.raises(RefusedURL):
        weasyprint.HTML(string=html, url_fetcher=SafeURLFetcher([allowed])).render()
