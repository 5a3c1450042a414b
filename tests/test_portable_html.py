"""The written HTML carries its CSS, fonts and images beside it, named relatively."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import tinycss2
from PIL import Image
from test_cli import edit, run

PARAGRAPH = "抓项目就是抓发展，谋项目就是谋未来。"
# print takes a colour profile from the system, a4 refers to image files
VARIANTS = ("print", "screen", "a4")


def html_references(text: str) -> list[str]:
    """Every src and href of a page but inline data (which names no file)."""
    found = re.findall(r"""\b(?:src|href)\s*=\s*"([^"]*)\"""", text)
    return [html.unescape(u) for u in found if not u.startswith("data:")]


def css_references(text: str) -> list[str]:
    """Every url() and @import of a stylesheet."""
    found: list[str] = []

    def walk(tokens: list, importing: bool = False) -> None:
        for token in tokens:
            if token.type in ("whitespace", "comment"):
                continue
            if token.type == "url" or (token.type == "string" and importing):
                found.append(token.value)  # (the layout's CSS has no data: URL)
            elif token.type == "function" and token.lower_name == "url":
                found.extend(t.value for t in token.arguments if t.type == "string")
            elif token.type == "function":
                walk(token.arguments)
            elif token.type.endswith("block"):
                walk(token.content)
            importing = token.type == "at-keyword" and token.lower_value == "import"

    walk(tinycss2.parse_component_value_list(text))
    return found


def resolves_inside(folder: Path, referrer: Path, reference: str) -> Path:
    """The file a relative reference of ``referrer`` names, checked to be inside ``folder``."""
    assert not urlsplit(reference).scheme and not reference.startswith("/"), reference
    url = urljoin(referrer.as_uri(), reference)
    path = Path(unquote(urlsplit(url).path)).resolve()
    assert path.is_relative_to(folder.resolve()), (referrer, reference)
    assert path.is_file(), (referrer, reference)
    return path


def test_written_html_refers_to_files_beside_it_and_moves_with_them(
    project: Path, series: Path, tmp_path: Path
) -> None:
    # two images of one name in two folders: two copies, neither overwriting the other
    for folder, colour in (("photos", (200, 0, 0)), ("more", (0, 0, 200))):
        (series / folder).mkdir()
        Image.new("RGB", (60, 40), colour).save(series / folder / "a.png")
    edit(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n\n![](photos/a.png)\n\n![](more/a.png)")
    built = tmp_path / "out"
    code, output = run("build", series, "-o", built, "--variant", ",".join(VARIANTS))
    assert code == 0, output
    out = tmp_path / "moved" / "out"
    shutil.move(built, out)
    folder = out / "changzhi-2025/02"
    leaks = ("file:", str(tmp_path), str(project))
    for variant in VARIANTS:
        page = folder / f"{variant}.html"
        text = page.read_text(encoding="utf-8")
        assert not [leak for leak in leaks if leak in text], variant
        for reference in html_references(text):
            resolves_inside(out, page, reference)
        # the record vouches for the HTML as written
        record = json.loads((folder / f".{variant}.build.json").read_text(encoding="utf-8"))
        assert record["outputs"][page.name] == hashlib.sha256(page.read_bytes()).hexdigest()
    stylesheets = sorted((folder / "assets").rglob("*.css"))
    assert {p.name for p in stylesheets} >= {"fonts.css", "newspaper.css", "cmyk.css", "a4.css"}
    for css in stylesheets:
        text = css.read_text(encoding="utf-8")
        assert not [leak for leak in leaks if leak in text], css
        for reference in css_references(text):
            resolves_inside(out, css, reference)
    # the fonts the layout's CSS names, and the print profile it took from the system
    assert (folder / "assets/newspaper/fonts/BroadsheetMarks-Regular.otf").is_file()
    assert "../files/default_cmyk-" in (folder / "assets/newspaper/cmyk.css").read_text("utf-8")
    # a4 refers to both images by file; each copy holds its own picture
    a4 = folder / "a4.html"
    images = [r for r in html_references(a4.read_text("utf-8")) if r.startswith("assets/images/")]
    assert len(set(images)) == 2, images
    copies = {resolves_inside(out, a4, r).read_bytes() for r in images}
    assert copies == {(series / f / "a.png").read_bytes() for f in ("photos", "more")}


def test_a_missing_asset_means_a_rebuild(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", series, "-o", out, "--variant", "print")[0] == 0
    code, output = run("build", series, "-o", out, "--variant", "print")
    assert code == 0 and "up to date 1" in output, output
    font = out / "changzhi-2025/02/assets/newspaper/fonts/BroadsheetMarks-Bold.otf"
    font.unlink()
    code, output = run("build", series, "-o", out, "--variant", "print")
    assert code == 0 and "built 1" in output, output
    assert font.is_file()
