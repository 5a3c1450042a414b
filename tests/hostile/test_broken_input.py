"""Clumsy input to the smaller commands: a clear error, the right exit code, nothing written."""

from __future__ import annotations

import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from test_cli import run

BROKEN_YAML = "variants: [print\n"


def test_config_on_a_broken_series_says_what_is_broken(series: Path) -> None:
    with (series / "series.yaml").open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_YAML)
    code, output = run("config", series, "--installment", "2")
    assert code == 1
    assert "series.yaml:17: invalid YAML" in output
    assert "no installment number" not in output.replace("no readable installment", "")


def test_new_refuses_a_broken_series_and_writes_nothing(series: Path) -> None:
    with (series / "series.yaml").open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_YAML)
    before = sorted(p.name for p in series.iterdir())
    code, output = run("new", series)
    assert code == 1 and "series.yaml:17: invalid YAML" in output
    assert sorted(p.name for p in series.iterdir()) == before


def test_new_stops_at_the_last_number(series: Path) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "9999.md").write_text(text.replace("number: 2\n", "number: 9999\n"), "utf-8")
    code, output = run("new", series)
    assert code == 1 and "the next number would be 10000; numbers end at 9999" in output
    assert not (series / "10000.md").exists()


def test_usage_errors_are_json_when_json_is_asked_for(series: Path) -> None:
    code, output = run("build", series, "--json", "--bogus")
    assert code == 2
    report = json.loads(output)
    assert report["exit_code"] == 2 and report["errors"] == 1
    assert "No such option '--bogus'" in report["diagnostics"][0]["message"]


def test_doctor_fails_on_a_layout_it_cannot_read(project: Path, tmp_path: Path) -> None:
    layouts = tmp_path / "layouts"
    shutil.copytree(project / "layouts", layouts)
    with (layouts / "newspaper/layout.yaml").open("a", encoding="utf-8") as handle:
        handle.write("template: [\n")
    code, output = run("doctor", "--layouts", layouts, "--json")
    assert code == 1
    checks = {c["check"]: c for c in json.loads(output)["results"]}
    broken = checks["layout newspaper"]
    assert not broken["ok"] and "layout.yaml:" in broken["detail"]
    assert "invalid YAML" in broken["detail"]


def test_a_folder_in_place_of_an_output_names_the_output(series: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "changzhi-2025/02/a4.pdf").mkdir(parents=True)
    code, output = run("build", series, "-o", out, "--variant", "a4")
    assert code == 1
    assert "changzhi-2025/02/a4.pdf: cannot write: a folder is in the way" in output
    assert ".tmp" not in output
    assert sorted(p.name for p in (out / "changzhi-2025/02").iterdir()) == ["a4.pdf"]


def test_check_refuses_a_stylesheet_url_only_the_written_html_would_take(project: Path) -> None:
    # a rule no element matches: the engine never fetches its picture, but the
    # HTML written beside the PDF would carry the stylesheet and its URL along
    css = project / "layouts/newspaper/newspaper.css"
    lines = css.read_text(encoding="utf-8").count("\n")
    with css.open("a", encoding="utf-8") as handle:
        handle.write(".never-used { background: url(file:///etc/passwd); }\n")
    code, output = run("check", project / "content/changzhi-2025", "--variant", "print")
    assert code == 1
    assert f"newspaper.css:{lines + 1}" in output and "/etc/passwd" in output


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


PARAGRAPH = "抓项目就是抓发展，谋项目就是谋未来。"
# Each once ended in "internal error … a bug in broadsheet" (exit 3)
CONTENT_CASES = {
    "integer of 5000 digits": (
        ("number: 2", "number: " + "9" * 5000),
        "02.md:2: invalid YAML value: Exceeds the limit (4300 digits)",
    ),
    "NUL in the front matter": (
        ("headline: ", "headline: a\x00"),
        "02.md:5: invalid YAML: character U+0000 is not allowed",
    ),
    "YAML 1.1 boolean as a number": (
        ("number: 2", "number: true"),
        "02.md:2: number: Input should be a valid integer (got True)",
    ),
    "emphasis 600 deep": (
        (PARAGRAPH, "*" * 600 + "x" + "*" * 600),
        "02.md:24: body: emphasis and links nested 300 deep (at most 16)",
    ),
    "a NUL in an image name": (
        ("advertisement:\n", 'advertisement:\n  image: "a\\0.png"\n'),
        "02.md:18: advertisement.image: image 'a\x00.png' cannot be read: embedded null byte",
    ),
    "an inline image that is not one": (
        (PARAGRAPH, f"{PARAGRAPH}\n\n![x](data:image/png;base64,AAAA)"),
        "02.md:26: body: inline image data:image/png;base64,AAAA… is not a readable image",
    ),
    "an inline image that is not base64": (
        (PARAGRAPH, f"{PARAGRAPH}\n\n![x](data:image/png;base64,@@@)"),
        "is not valid base64",
    ),
}


@pytest.mark.parametrize("case", sorted(CONTENT_CASES))
def test_content_that_once_was_an_internal_error(series: Path, case: str) -> None:
    (old, new), expected = CONTENT_CASES[case]
    replace_in(series / "02.md", old, new)
    code, output = run("check", series, "--variant", "a4")
    assert code == 1, output
    assert expected in output, output
    assert "internal error" not in output


def test_a_symlink_loop_and_a_fifo_as_images(series: Path) -> None:
    (series / "loop.png").symlink_to("loop.png")
    os.mkfifo(series / "pipe.png")
    replace_in(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n\n![a](loop.png)\n\n![b](pipe.png)")
    code, output = run("check", series, "--variant", "a4")
    assert code == 1
    assert "02.md:26: body: image 'loop.png' cannot be read: Symlink loop" in output
    assert "02.md:28: body: image 'pipe.png' is not a regular file" in output


def test_an_unsupported_format_names_the_ones_taken(series: Path) -> None:
    Image.new("RGB", (40, 30)).save(series / "scan.tiff")
    replace_in(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n\n![a](scan.tiff)")
    code, output = run("check", series, "--variant", "a4")
    assert code == 1
    assert "image 'scan.tiff' is not in a format a page takes (GIF, JPEG, JPG, PNG, SVG" in output


def test_a_png_whose_text_chunk_inflates_to_200_mb(series: Path) -> None:
    from test_bounds import png_of_size

    png_of_size(series / "ok.png", 40, 30)
    data = (series / "ok.png").read_bytes()
    # a zTXt chunk of 200 MB of zeros, compressed to some 200 kB
    text = b"Comment\x00\x00" + zlib.compress(bytes(200_000_000), 9)
    chunk = struct.pack(">I", len(text)) + b"zTXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"zTXt" + text) & 0xFFFFFFFF)
    (series / "text.png").write_bytes(data[:33] + chunk + data[33:])  # after IHDR
    replace_in(series / "02.md", PARAGRAPH, f"{PARAGRAPH}\n\n![a](text.png)")
    code, output = run("check", series, "--variant", "a4")
    assert code == 1, output
    assert "image 'text.png' is not a readable image (ValueError)" in output, output


def test_a_byte_order_mark_is_not_text(series: Path) -> None:
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "02.md").write_text("\ufeff" + text, encoding="utf-8")
    code, output = run("check", series, "--variant", "a4")
    assert code == 0, output


def test_a_device_as_the_output_folder(series: Path) -> None:
    code, output = run("build", series, "-o", "/dev/null", "--variant", "a4")
    assert code == 1 and "cannot write into the output folder: it is not a folder" in output


def test_bad_limits_in_the_environment_name_it(
    series: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROADSHEET_LIMITS", "garbage")
    code, output = run("check", series)
    assert code == 2 and "$BROADSHEET_LIMITS: unknown limit 'garbage'" in output
    monkeypatch.setenv("BROADSHEET_LIMITS", "")
    code, output = run("check", series, "--limit", "seconds=99999999999999999999")
    assert code == 2 and "must be at most 1,000,000,000" in output


def test_a_named_pipe_as_the_key_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "key.pem")
    (tmp_path / "archive").mkdir()
    code, output = run("archive", "verify", tmp_path / "archive", "--key", tmp_path / "key.pem")
    assert code == 1 and "key.pem: not a PEM key file" in output


def test_a_file_system_refusal_says_whether_reading_or_writing_failed(tmp_path: Path) -> None:
    from broadsheet.jobs.plan import Job
    from broadsheet.jobs.runner import WritingError, _diagnostics

    job = Job(tmp_path / "02.md", "print", "s", "02")
    gone = FileNotFoundError(2, "No such file or directory", str(tmp_path / "photo.jpg"))
    full = WritingError(28, "No space left on device", str(tmp_path / "out" / "print.pdf"))
    (read,) = _diagnostics(gone, job)
    (wrote,) = _diagnostics(full, job)
    assert read.message == "cannot read: No such file or directory"
    assert str(read.path).endswith("photo.jpg")
    assert wrote.message == "cannot write: No space left on device"
    assert str(wrote.path).endswith("print.pdf")
