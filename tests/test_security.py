"""Content reaches only files inside the project's content, layouts and assets."""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from test_cli import edit, run, snapshot

PARAGRAPH = "抓项目就是抓发展，谋项目就是谋未来。"
SECRET = b"TOP-SECRET-BYTES-0451"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A real image outside the project, carrying a marker in its bytes."""
    path = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(path, pnginfo=_pnginfo())
    assert SECRET in path.read_bytes()
    return path


def _pnginfo():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", SECRET.decode())
    return info


def no_secret_anywhere(folder: Path) -> bool:
    return not folder.exists() or all(
        SECRET not in p.read_bytes() for p in folder.rglob("*") if p.is_file()
    )


def refused_image(series: Path, out: Path, src: str, reason: str) -> None:
    edit(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n![]({src})")
    code, output = run("build", series, "-o", out)
    flat = output.replace("\n", "")
    assert code == 1, output
    assert "02.md:25: body: image" in flat and reason in flat, flat
    assert no_secret_anywhere(out)


def test_dotdot_escape(series: Path, secret: Path, tmp_path: Path) -> None:
    rel = os.path.relpath(secret, series)
    assert rel.startswith("../")
    refused_image(series, tmp_path / "o", rel, "outside the allowed folders")


def test_absolute_path_outside(series: Path, secret: Path, tmp_path: Path) -> None:
    refused_image(series, tmp_path / "o", str(secret), "outside the allowed folders")


def test_file_url(series: Path, secret: Path, tmp_path: Path) -> None:
    refused_image(series, tmp_path / "o", secret.as_uri(), "only files of the project")


def test_dev_file(series: Path, tmp_path: Path) -> None:
    refused_image(series, tmp_path / "o", "/dev/urandom", "outside the allowed folders")


def test_network_url(series: Path, tmp_path: Path) -> None:
    refused_image(series, tmp_path / "o", "http://127.0.0.1:9/x.png", "only files of the project")


def test_symlink_out(series: Path, secret: Path, tmp_path: Path) -> None:
    os.symlink(secret, series / "photo.png")
    refused_image(series, tmp_path / "o", "photo.png", "outside the allowed folders")


def test_advertisement_image_names_its_field(series: Path, secret: Path, tmp_path: Path) -> None:
    edit(
        series / "02.md", "  text: 绿色能源领军企业", f"  text: 绿色能源领军企业\n  image: {secret}"
    )
    code, output = run("build", series, "-o", tmp_path / "o")
    assert code == 1
    assert "02.md:19: advertisement.image: image" in output.replace("\n", "")


def test_layout_reaching_outside_is_refused_by_the_fetcher(
    project: Path, series: Path, secret: Path, tmp_path: Path
) -> None:
    """Second line of defence: a URL no content check saw (here in the CSS)."""
    out = tmp_path / "o"
    assert run("build", series, "-o", out)[0] == 0
    before = snapshot(out)
    css = project / "layouts/newspaper/newspaper.css"
    css.write_text(
        css.read_text(encoding="utf-8")
        + f"\n.banner {{ background-image: url({secret.as_uri()}); }}",
        encoding="utf-8",
    )
    code, output = run("build", series, "-o", out)
    flat = output.replace("\n", "")
    assert code == 1
    assert "02.md: outside the allowed folders: file://" in flat
    assert snapshot(out) == before and no_secret_anywhere(out)


@pytest.mark.parametrize("url", ["https://example.org/font.woff2", "file:///dev/zero"])
def test_layout_network_or_device_url_refused(
    project: Path, series: Path, tmp_path: Path, url: str
) -> None:
    css = project / "layouts/newspaper/newspaper.css"
    css.write_text(
        f'@font-face {{ font-family: X; src: url("{url}"); }}\n' + css.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    code, output = run("check", series)
    assert code == 1
    # blamed on the stylesheet and the line asking for it, not on the installment
    assert "newspaper.css:1: " in output.replace("\n", "") and url in output.replace("\n", "")


def test_images_inside_the_project_are_used(project: Path, series: Path, tmp_path: Path) -> None:
    Image.new("RGB", (60, 40), (0, 90, 200)).save(project / "assets" / "logo.png")
    Image.new("RGB", (60, 40), (0, 200, 90)).save(series / "photo.png")
    edit(
        series / "02.md",
        "  text: 绿色能源领军企业",
        "  text: 绿色能源领军企业\n  image: ../../assets/logo.png",
    )
    edit(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n![](photo.png)")
    out = tmp_path / "o"
    # the screen variant takes the article's own depth, so two more images still fit
    code, output = run("build", series, "-o", out, "--variant", "screen")
    assert code == 0, output
    with pikepdf.open(out / "changzhi-2025/02/screen.pdf") as pdf:
        assert len(list(pdf.pages[0].get_images())) == 1  # the advertisement is hidden
    edit(series / "series.yaml", "  screen: {}", "  screen: {hide: []}")
    assert run("build", series, "-o", out, "--variant", "screen")[0] == 0
    with pikepdf.open(out / "changzhi-2025/02/screen.pdf") as pdf:
        assert len(list(pdf.pages[0].get_images())) == 2
