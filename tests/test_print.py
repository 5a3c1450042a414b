"""Print output a print shop accepts: PDF/X-4, CMYK only, preflight (sample and fixture)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image
from test_cli import edit

from broadsheet.cli import main
from broadsheet.pdf.preflight import preflight

PRINT_VARIANTS = ("print",)  # tabloid: tests/test_series.py, with the fixture's photo


def run(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample series, all variants, with an RGB photo in its body."""
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("print") / "project")
    series = project / "content" / "changzhi-2025"
    Image.new("RGB", (600, 300), (30, 120, 200)).save(series / "photo.png")
    edit(series / "02.md", "2025年，恰逢", "![](photo.png)\n\n2025年，恰逢")
    # an A4 print variant: room for the photo, which the 对开 page plan has not
    photo_variant = (
        "  print-photo: {page_format: a4, max_pages: 4, article_may_continue: true,"
        " stylesheets: [a4.css, cmyk.css], pdf_variant: pdf/x-4,"
        " composition: {mode: flow, columns: 1, note_columns: 1, figure_spans: [1],"
        " quote_spans: [1], box_spans: [1]}}"
    )
    x1a_variant = "  print-x1a: {pdf_variant: pdf/x-1a, stylesheets: [cmyk.css]}"
    edit(
        series / "series.yaml", "  print: {}", "  print: {}\n" + photo_variant + "\n" + x1a_variant
    )
    out = project / "output"
    code, output = run(
        "build", series, "-o", out, "--variant", "print,screen,print-photo,print-x1a"
    )
    assert code == 0, output
    (out / "build-output.txt").write_text(output, encoding="utf-8")
    return out / "changzhi-2025" / "02"


def operators(pdf: pikepdf.Pdf) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for page in pdf.pages:
        owners = [
            page,
            *[
                x
                for x in page.Resources.get("/XObject", {}).values()
                if x.get("/Subtype") == "/Form"
            ],
        ]
        for owner in owners:
            for operands, operator in pikepdf.parse_content_stream(owner):
                found.append((str(operator), tuple(str(o) for o in operands)))
    return found


@pytest.mark.parametrize("variant", [*PRINT_VARIANTS, "print-photo"])
def test_pdfx4_with_cmyk_output_intent(outputs: Path, variant: str) -> None:
    with pikepdf.open(outputs / f"{variant}.pdf") as pdf:
        intents = list(pdf.Root.OutputIntents)
        assert [str(i.S) for i in intents] == ["/GTS_PDFX"]
        assert int(intents[0].DestOutputProfile.N) == 4
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"


@pytest.mark.parametrize("variant", [*PRINT_VARIANTS, "print-photo"])
def test_only_cmyk_on_the_page(outputs: Path, variant: str) -> None:
    with pikepdf.open(outputs / f"{variant}.pdf") as pdf:
        ops = operators(pdf)
        assert not [o for o in ops if o[0] in ("rg", "RG", "g", "G")]
        spaces = {o[1][0] for o in ops if o[0] in ("cs", "CS")}
        assert spaces == {"/DeviceCMYK"}
        images = [
            x
            for x in pdf.objects
            if isinstance(x, pikepdf.Stream) and x.get("/Subtype") == "/Image"
        ]
        assert all(str(x.ColorSpace) == "/DeviceCMYK" for x in images)
        if variant == "print-photo":
            assert images, "the photo is on the page"


def test_text_and_rules_are_pure_black_and_the_red_is_declared(outputs: Path) -> None:
    with pikepdf.open(outputs / "print.pdf") as pdf:
        ops = operators(pdf)
    colours = {o[1] for o in ops if o[0] in ("scn", "SCN", "k", "K")}
    assert ("0", "0", "0", "1") in colours  # body text: K only, never four-colour black
    assert ("0", "0.95", "0.9", "0.1") in colours  # the masthead red of layout.yaml colours:
    assert not [c for c in colours if len(c) == 4 and c[3] == "1" and c[:3] != ("0", "0", "0")]


def test_crop_marks_outside_the_trim_in_black_ink(outputs: Path) -> None:
    with pikepdf.open(outputs / "print.pdf") as pdf:
        page = pdf.pages[0]
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
        assert bleed[0] == pytest.approx(trim[0] - 3 * 72 / 25.4, abs=0.05)
        marks = [x for x in page.Resources.XObject.values() if x.get("/Subtype") == "/Form"]
        assert marks
        mark_ops = [str(op) for m in marks for _, op in pikepdf.parse_content_stream(m)]
        assert "K" in mark_ops and "RG" not in mark_ops


@pytest.mark.parametrize("variant", ["print", "screen", "print-photo"])
def test_qpdf_check_clean(outputs: Path, variant: str) -> None:
    result = subprocess.run(
        ["qpdf", "--check", outputs / f"{variant}.pdf"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_preflight_command(outputs: Path) -> None:
    code, output = run("preflight", outputs / "print.pdf", outputs / "print-photo.pdf")
    assert code == 0 and output.count(": ok") == 2
    code, output = run("preflight", outputs / "screen.pdf")
    assert code == 1
    assert "no PDF/X output intent" in output and "DeviceRGB" in output


def test_preflight_finds_each_problem(outputs: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(outputs / "print.pdf") as pdf:
        del pdf.Root["/OutputIntents"]
        page = pdf.pages[0]
        page.contents_add(pdf.make_stream(b"1 0 0 rg 0 0 10 10 re f"))
        del page.obj["/TrimBox"]
        pdf.save(broken)
    messages = [str(f) for f in preflight(broken)]
    assert any("no PDF/X output intent" in m for m in messages)
    assert any("DeviceRGB colour operators" in m for m in messages)
    assert any("no TrimBox" in m for m in messages)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes((outputs / "print.pdf").read_bytes()[:50_000])
    assert any(f.level == "error" for f in preflight(truncated))


def test_a_print_build_that_fails_preflight_fails(tmp_path: Path) -> None:
    from conftest import make_project

    project = make_project(tmp_path / "project")
    series = project / "content" / "changzhi-2025"
    # PDF/X asked for, but the CMYK stylesheet (and its output intent) left off
    edit(series / "series.yaml", "  print: {}", "  print: {stylesheets: []}")
    shutil.copy(
        project / "layouts/newspaper/newspaper.css", project / "layouts/newspaper/plain.css"
    )
    edit(
        project / "layouts/newspaper/layout.yaml",
        "    stylesheets: [cmyk.css]\n    pdf_variant",
        "    pdf_variant",
    )
    out = project / "output"
    code, output = run("build", series, "-o", out, "--variant", "print")
    assert code == 1
    flat = output.replace("\n", "")
    assert "preflight changzhi-2025/02/print.pdf: no PDF/X output intent" in flat
    assert not (out / "changzhi-2025" / "02" / "print.pdf").exists()


def test_low_resolution_image_is_a_warning_naming_file_and_ppi(outputs: Path) -> None:
    output = (outputs.parents[1] / "build-output.txt").read_text(encoding="utf-8")
    flat = output.replace("\n", "")
    # 600 px across the A4 column (about 160 mm): under 100 ppi; on the 对开 page
    # the composer gives the picture two or three columns: as many ppi as the
    # width it is drawn at in the PDF says
    # one warning names every variant that makes it: "…/02/print, print-x1a: …"
    # at the line of 02.md that sets the picture
    pattern = (
        r"warning: changzhi-2025/02/([\w, -]+?): \S*02\.md:\d+: body: "
        r"image '\S*photo\.png': (\d+) ppi"
    )
    found = {
        variant: ppi
        for variants, ppi in re.findall(pattern, flat)
        for variant in variants.split(", ")
    }
    assert 90 <= int(found["print-photo"]) <= 100, flat
    with pdfplumber.open(outputs / "print.pdf") as pdf:
        (image,) = pdf.pages[0].images
    assert int(found["print"]) == pytest.approx(600 / (image["width"] / 72), abs=1), flat
    series = outputs.parents[2] / "content" / "changzhi-2025"
    code, output = run("check", series, "--variant", "print-photo")
    assert code == 0
    assert "photo.png" in output and "ppi on the page, under 240" in output


def test_crop_marks_lie_outside_the_trim_box(outputs: Path) -> None:
    import pdfplumber

    with pdfplumber.open(outputs / "print.pdf") as pdf:
        page = pdf.pages[0]
        left, top, right, bottom = page.trimbox
        marks = [line for line in page.lines if line["stroking_color"] == (0.0, 0.0, 0.0, 1.0)]
    assert len(marks) == 8  # two at each corner
    for mark in marks:
        outside = (
            mark["x1"] <= left + 0.01
            or mark["x0"] >= right - 0.01
            or mark["bottom"] <= top + 0.01
            or mark["top"] >= bottom - 0.01
        )
        assert outside, mark


def test_pdfx1a_when_a_variant_asks_for_it(outputs: Path) -> None:
    path = outputs / "print-x1a.pdf"
    with pikepdf.open(path) as pdf:
        assert pdf.pdf_version <= "1.4"
        assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-1a:2003"
        assert [str(i.S) for i in pdf.Root.OutputIntents] == ["/GTS_PDFX"]
    assert run("preflight", path)[0] == 0
