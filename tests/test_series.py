"""A series × its variants: one command, parallel, incremental (the synthetic fixture)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image
from test_cli import edit, snapshot

from broadsheet.cli import main
from broadsheet.jobs.plan import parse_numbers

FIXTURE = Path(__file__).parent / "fixtures" / "series-demo"
MM = 72 / 25.4
VARIANTS = ("print", "tabloid", "screen", "a4", "archive")
PHOTO_WIDTH = 3000


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def make_series(project: Path) -> Path:
    series = project / "content" / "demo"
    shutil.copytree(FIXTURE, series)
    photo = Image.linear_gradient("L").resize((PHOTO_WIDTH, 400)).convert("RGB")
    photo.save(series / "photo.png")
    return series


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture series built once, all 15 outputs, in two processes."""
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("series") / "project")
    series = make_series(project)
    out = project / "output"
    code, output = run("build", series, "-o", out, "--jobs", "2")
    assert code == 0, output
    return series, out


def pdf_of(out: Path, number: int, variant: str) -> Path:
    return out / "demo-series" / f"{number:02d}" / f"{variant}.pdf"


def boxes_mm(path: Path) -> tuple[list[float], list[float], int]:
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        trim = [float(v) / MM for v in page.TrimBox]
        media = [float(v) / MM for v in page.MediaBox]
        return trim, media, len(pdf.pages)


def text_of(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "".join(c["text"] for page in pdf.pages for c in page.chars)


def test_every_installment_in_every_variant(built: tuple[Path, Path]) -> None:
    _, out = built
    pdfs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    assert pdfs == [f"demo-series/{n:02d}/{v}.pdf" for n in (1, 2, 3) for v in sorted(VARIANTS)]
    assert len(list(out.rglob("*.html"))) == 15


@pytest.mark.parametrize(
    ("variant", "size", "bleed"),
    [
        ("print", (390, 546), 3),
        ("tabloid", (273, 390), 3),
        ("screen", (390, 546), 0),
        ("a4", (210, 297), 0),
        ("archive", (390, 546), 0),
    ],
)
def test_page_size_and_bleed(built: tuple[Path, Path], variant: str, size, bleed: float) -> None:
    _, out = built
    for number in (1, 2, 3):
        trim, media, pages = boxes_mm(pdf_of(out, number, variant))
        assert trim[2] - trim[0] == pytest.approx(size[0], abs=0.2)
        assert trim[3] - trim[1] == pytest.approx(size[1], abs=0.2)
        assert media[2] - media[0] == pytest.approx(size[0] + 2 * bleed, abs=0.2)
        assert pages == 1 or variant == "a4"


def test_blocks_per_variant(built: tuple[Path, Path]) -> None:
    _, out = built
    for number in (1, 2, 3):
        for variant in VARIANTS:
            text = text_of(pdf_of(out, number, variant))
            assert f"测试标题第{number}号" in text
            has_ad = "广告位样例" in text
            assert has_ad == (variant in ("print", "tabloid", "archive")), (number, variant)


def test_a4_has_running_header_and_page_numbers(built: tuple[Path, Path]) -> None:
    _, out = built
    path = pdf_of(out, 2, "a4")
    with pdfplumber.open(path) as pdf:
        total = len(pdf.pages)
        for index, page in enumerate(pdf.pages, start=1):
            text = page.extract_text()
            assert "测试系列" in text and "——样例报道之二——" in text
            assert f"第 {index} 页 共 {total} 页" in text


def test_screen_has_bookmarks_links_and_small_images(built: tuple[Path, Path]) -> None:
    _, out = built
    with pikepdf.open(pdf_of(out, 1, "screen")) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            titles += [child.title for item in outline.root for child in item.children]
        links = [
            annot.A.URI
            for annot in pdf.pages[0].get("/Annots", [])
            if annot.get("/Subtype") == "/Link" and "/A" in annot
        ]
        widths = [image.Width for image in _images(pdf)]
    assert any("测试标题第1号" in t for t in titles), titles
    assert any("小标题一" in t for t in titles), titles
    assert "https://example.org/broadsheet" in [str(u) for u in links]
    # 150 dpi over the 390 mm page: at most 2303 px wide
    assert widths and max(widths) <= 2303
    with pikepdf.open(pdf_of(out, 1, "print")) as pdf:
        assert max(image.Width for image in _images(pdf)) == PHOTO_WIDTH


def _images(pdf: pikepdf.Pdf) -> list:
    return [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
    ]


@pytest.fixture
def copy(built: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the built project, outputs and build records included."""
    series, _out = built
    project = series.parents[1]
    target = tmp_path / "project"
    shutil.copytree(project, target, symlinks=True)
    return target / "content" / "demo", target / "output"


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*.pdf")}


def rebuilt(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def test_nothing_changed_nothing_rebuilt(copy: tuple[Path, Path]) -> None:
    series, out = copy
    before = mtimes(out)
    code, output = run("build", series, "-o", out)
    assert code == 0, output
    assert "built 0, up to date 15, failed 0 of 15" in output
    assert mtimes(out) == before


def test_changed_installment_rebuilds_only_its_outputs(copy: tuple[Path, Path]) -> None:
    series, out = copy
    before = mtimes(out)
    edit(series / "02.md", "第三段是最后一段", "第三段改过了，是最后一段")
    code, output = run("build", series, "-o", out)
    assert code == 0, output
    assert rebuilt(before, mtimes(out)) == {f"demo-series/02/{v}.pdf" for v in VARIANTS}


def test_changed_layout_file_rebuilds_what_uses_it(copy: tuple[Path, Path]) -> None:
    series, out = copy
    layout = series.parents[1] / "layouts" / "newspaper"
    before = mtimes(out)
    with (layout / "tabloid.css").open("a", encoding="utf-8") as css:
        css.write("\n.subhead { color: #333; }\n")
    assert run("build", series, "-o", out)[0] == 0
    after = mtimes(out)
    # only the tabloid variant uses tabloid.css
    assert rebuilt(before, after) == {f"demo-series/{n:02d}/tabloid.pdf" for n in (1, 2, 3)}
    # every variant uses newspaper.css and the templates
    with (layout / "newspaper.css").open("a", encoding="utf-8") as css:
        css.write("\n.subhead { color: #222; }\n")
    assert run("build", series, "-o", out)[0] == 0
    assert rebuilt(after, mtimes(out)) == set(after)


def test_corrupt_or_missing_cache_means_rebuild(copy: tuple[Path, Path]) -> None:
    series, out = copy
    (out / "demo-series" / "01" / ".print.build.json").write_text("{not json", encoding="utf-8")
    (out / "demo-series" / "02" / "screen.pdf").unlink()
    (out / "demo-series" / "03" / "a4.pdf").write_bytes(b"%PDF-1.7 truncated")
    before = mtimes(out)
    code, output = run("build", series, "-o", out)
    assert code == 0, output
    assert rebuilt(before, mtimes(out)) == {
        "demo-series/01/print.pdf",
        "demo-series/02/screen.pdf",
        "demo-series/03/a4.pdf",
    }
    assert (out / "demo-series" / "03" / "a4.pdf").read_bytes().startswith(b"%PDF")
    assert run("build", series, "-o", out, "--force")[1].count("built") >= 12


def test_broken_installment_fails_alone(copy: tuple[Path, Path]) -> None:
    series, out = copy
    edit(series / "03.md", "headline:", "headlin:")
    edit(series / "01.md", "第三段是最后一段", "第三段也改了，是最后一段")
    before = mtimes(out)
    code, output = run("build", series, "-o", out, "--jobs", "2")
    assert code == 1
    assert "03.md:4: headlin: unknown field" in output.replace("\n", "")
    assert rebuilt(before, mtimes(out)) == {f"demo-series/01/{v}.pdf" for v in VARIANTS}


def test_a_layout_overflow_fails_that_job_alone(copy: tuple[Path, Path]) -> None:
    series, out = copy
    filler = "\n\n" + "\n\n".join(["这是撑满版面的填充文字，只为检验溢出报告。" * 8] * 10)
    edit(series / "02.md", "到此为止。", "到此为止。" + filler)
    code, output = run("build", series, "-o", out)
    assert code == 1
    flat = output.replace("\n", "")
    overset = re.findall(
        r"02\.md: article: overset by (\d+) lines \(≈ (\d+) characters to cut\)", flat
    )
    assert overset and all(int(lines) > 0 and int(chars) > 0 for lines, chars in overset), flat
    # print, tabloid and archive have a fixed page the article runs over (an archive
    # that cut the text would not be a record of it); screen, without the
    # advertisement, has room for it and a4 may continue onto more pages: those build
    status = dict(re.findall(r"demo-series/02/(\w+)\.pdf +│ (\w+)", output))
    assert status == {v: "failed" for v in ("print", "tabloid", "archive")} | {
        "screen": "built",
        "a4": "built",
    }
    assert "failed 3 of 15" in flat
    assert pdf_of(out, 2, "a4").stat().st_mtime_ns > pdf_of(out, 2, "print").stat().st_mtime_ns


def test_two_jobs_writing_one_output_are_refused(copy: tuple[Path, Path]) -> None:
    series, out = copy
    shutil.copy(series / "02.md", series / "02-copy.md")
    before = snapshot(out)
    code, output = run("build", series, "-o", out)
    assert code == 1
    assert "writes the same output as" in output
    assert snapshot(out) == before


def test_selection(copy: tuple[Path, Path]) -> None:
    series, out = copy
    code, output = run(
        "build", series, "-o", out, "--installment", "2-3", "--variant", "print,screen", "--force"
    )
    assert code == 0, output
    assert "built 4, up to date 0, failed 0 of 4" in output
    assert run("build", series, "--variant", "poster")[0] == 1
    assert run("build", series, "--installment", "x")[0] == 2


def test_parse_numbers() -> None:
    assert parse_numbers("2,5-7") == {2, 5, 6, 7}
    assert parse_numbers("3") == {3}
    with pytest.raises(ValueError):
        parse_numbers("7-5")
    with pytest.raises(ValueError):
        parse_numbers("two")


def test_config_shows_each_value_and_its_origin(copy: tuple[Path, Path]) -> None:
    series, _ = copy
    edit(series / "02.md", "advertisement:", "settings:\n  hide: [pull_quote]\nadvertisement:")
    code, output = run("config", series, "--installment", "2", "--variant", "a4")
    assert code == 0, output
    rows = {line.split(" = ")[0]: line for line in output.splitlines() if " = " in line}
    assert re.search(r"layouts/newspaper/layout\.yaml:\d+$", rows["page_format"])
    assert '"a4"' in rows["page_format"]
    # the variant comes last in the cascade: a4's own hide wins over the installment's
    assert '["advertisement"]' in rows["hide"] and "layout.yaml:" in rows["hide"]
    code, output = run("config", series, "--installment", "2", "--variant", "print")
    rows = {line.split(" = ")[0]: line for line in output.splitlines() if " = " in line}
    assert '["pull_quote"]' in rows["hide"] and "02.md:11" in rows["hide"]
    assert "series.yaml:6" in rows["layout"]
    assert "broadsheet defaults" in rows["image_dpi"]


def test_new_installment_has_placeholders_check_flags(copy: tuple[Path, Path]) -> None:
    series, out = copy
    code, output = run("new", series)
    assert code == 0, output
    created = series / "04.md"
    text = created.read_text(encoding="utf-8")
    assert "number: 4" in text and "【待填写】" in text
    code, output = run("check", series, "--installment", "4")
    assert code == 1
    assert "04.md:4:11: placeholder 【待填写】 not filled in" in output.replace("\n", "")
    # filled in, it builds
    created.write_text(
        text.replace("【待填写】主标题", "第四号标题").replace("【待填写】", ""), encoding="utf-8"
    )
    code, output = run("build", series, "-o", out, "--installment", "4", "--variant", "print")
    assert code == 0, output
    assert (out / "demo-series" / "04" / "print.pdf").is_file()
    assert run("new", series)[0] == 0 and (series / "05.md").is_file()


def test_build_records_are_json_with_output_hashes(built: tuple[Path, Path]) -> None:
    _, out = built
    record = json.loads((out / "demo-series" / "01" / ".print.build.json").read_text())
    # warnings too when there are any (the photo is under 240 ppi across the column)
    known = {"key", "pages", "seconds", "outputs", "warnings"}
    assert {"key", "pages", "seconds", "outputs"} <= set(record) <= known
    # the HTML, the PDF, and the files the HTML uses beside it, each as written
    outputs = set(record["outputs"]) - {"print.html", "print.pdf"}
    assert len(outputs) == len(record["outputs"]) - 2 and outputs
    assert all(name.startswith("assets/") for name in outputs), outputs
    for name, digest in record["outputs"].items():
        path = out / "demo-series" / "01" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name
    assert os.path.getsize(out / "demo-series" / "01" / "print.pdf") > 10_000


def test_print_variants_pass_preflight_with_the_photo_in_cmyk(built: tuple[Path, Path]) -> None:
    _, out = built
    for variant in ("print", "tabloid"):
        code, output = run("preflight", pdf_of(out, 1, variant))
        assert code == 0, output
        with pikepdf.open(pdf_of(out, 1, variant)) as pdf:
            assert {str(i.ColorSpace) for i in _images(pdf)} == {"/DeviceCMYK"}
    code, output = run("preflight", pdf_of(out, 1, "screen"))
    assert code == 1


def test_qpdf_check_clean_on_every_variant(built: tuple[Path, Path]) -> None:
    _, out = built
    for variant in VARIANTS:
        path = pdf_of(out, 3, variant)
        result = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)
        assert result.returncode == 0, (variant, result.stdout)
