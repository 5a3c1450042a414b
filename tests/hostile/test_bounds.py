"""Runaway input is stopped by a bound, with a clear error, in bounded time and memory."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from measured import run_measured
from test_cli import edit, run, snapshot

PARAGRAPH = "抓项目就是抓发展，谋项目就是谋未来。"
FILLER = "长治项目建设如火如荼，一批重大工程加快推进。" * 20


def kept(out: Path) -> dict[str, str]:
    """The outputs of a folder (the lock file is the run's, not an output)."""
    return {k: v for k, v in snapshot(out).items() if k != ".broadsheet.lock"}


@pytest.fixture
def earlier(series: Path) -> tuple[Path, dict[str, str]]:
    """A print edition built before the hostile input arrives, and its files."""
    out = series.parents[1] / "out"
    code, output = run("build", series, "-o", out, "--variant", "print", "-q")
    assert code == 0, output
    return out, kept(out)


def lengthen(series: Path, paragraphs: int) -> None:
    """The sample installment with ``paragraphs`` paragraphs of 600 bytes added."""
    body = (series / "02.md").read_text(encoding="utf-8")
    (series / "02.md").write_text(body + (FILLER + "\n\n") * paragraphs, encoding="utf-8")


def alias_bomb(levels: int = 9) -> str:
    lines = ['bomb0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"bomb{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_fails_at_once_in_little_memory(series: Path, earlier) -> None:
    out, before = earlier
    # 9 levels of 9 aliases: 9^9 = 387 million values if anything expanded them
    edit(series / "02.md", "number: 2\n", "number: 2\n" + alias_bomb())
    for command in (["check", series], ["build", series, "-o", out, "-j", "1"]):
        result = run_measured(*command, cwd=series.parents[1], timeout=60)
        assert result.code == 1, result.output
        assert "02.md:4: YAML aliases (*name) here expand to more than 10,000 values" in (
            result.err
        )
        assert "Traceback" not in result.output
        assert result.seconds < 5, result.seconds
        assert result.peak_mib < 200, result.peak_mib
    assert kept(out) == before


def test_a_series_file_may_reuse_a_value_by_alias(series: Path) -> None:
    edit(series / "series.yaml", "slogan: 大抓招商", "slogan: &words 大抓招商")
    edit(series / "series.yaml", "layout: newspaper", "layout: newspaper\nsubject_words: *words")
    code, output = run("check", series, "--variant", "a4")
    # the alias is expanded (one value); the schema then names the unknown field
    assert code == 1
    assert "series.yaml:7: subject_words: unknown field" in output
    assert "aliases" not in output


def test_content_file_over_the_size_bound_is_refused_unread(series: Path, earlier) -> None:
    out, before = earlier
    lengthen(series, 5000)
    size = (series / "02.md").stat().st_size
    assert size > 5_000_000
    result = run_measured("build", series, "-o", out, "-j", "1", cwd=series.parents[1])
    assert result.code == 1
    assert f"02.md: {size:,} bytes, over the limit of 1,048,576 for a content file" in result.err
    assert "--limit content-bytes=N" in result.err
    assert result.seconds < 5 and result.peak_mib < 200, (result.seconds, result.peak_mib)
    assert kept(out) == before


def test_runaway_text_stops_at_the_page_bound_not_after_laying_it_all_out(
    series: Path, earlier
) -> None:
    out, before = earlier
    lengthen(series, 400)  # 240 kB of text: some 90 a4 pages, within the size bound
    result = run_measured(
        "build", series, "-o", out, "-j", "1", "--variant", "a4", "--limit", "pages=12",
        cwd=series.parents[1],
    )  # fmt: skip
    assert result.code == 1
    assert "the layouts of this output run past 12 pages; stopped there" in result.err
    assert "--limit pages=N" in result.err
    # one error line, not a list of page numbers
    assert result.err.count("error:") == 1, result.err
    assert "Traceback" not in result.output
    assert kept(out) == before


def test_a_job_over_its_time_bound_fails_alone(series: Path, tmp_path: Path) -> None:
    lengthen(series, 120)
    out = tmp_path / "timed"
    result = run_measured(
        "build", series, "-o", out, "-j", "1", "--variant", "a4", "--limit", "seconds=1",
        cwd=series.parents[1],
    )  # fmt: skip
    assert result.code == 1
    assert "took longer than 1 s (raise it with --limit seconds=N)" in result.err
    assert "changzhi-2025/02/a4" in result.err  # the output it stopped
    assert not (out / "changzhi-2025").exists() or not any((out / "changzhi-2025").rglob("*"))


def test_bad_limit_is_a_usage_error(series: Path) -> None:
    code, output = run("check", series, "--limit", "pagez=3")
    assert code == 2 and "unknown limit 'pagez'" in output
    code, output = run("check", series, "--limit", "pages=-1")
    assert code == 2 and "must be positive" in output


def png_of_size(path: Path, width: int, height: int) -> None:
    """A valid greyscale PNG of any size, written without allocating its pixels
    (rows of zeros compress 1000:1): the decompression bomb of the issue."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    packer = zlib.compressobj(9)
    row = bytes(width + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


PICTURES = {
    "bomb.png": ("30000×30000 = 900 MP, over the limit of 64 MP", "--limit pixels=N"),
    "big.png": ("12000×12000 = 144 MP, over the limit of 64 MP", "--limit pixels=N"),
    "junk.png": ("is not a readable image", ""),
}


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_pictures_over_the_bound_or_unreadable_fail_every_variant(
    series: Path, earlier, name: str
) -> None:
    out, before = earlier
    if name == "junk.png":
        (series / name).write_bytes(b"not a picture at all " * 20)
    else:
        size = 30000 if name == "bomb.png" else 12000
        png_of_size(series / name, size, size)
    edit(series / "02.md", f"\n{PARAGRAPH}", f"\n![图]({name})\n\n{PARAGRAPH}")
    result = run_measured("build", series, "-o", out, "-j", "1", "--json", cwd=series.parents[1])
    assert result.code == 1
    import json

    report = json.loads(result.out)
    assert [r["status"] for r in report["results"]] == ["failed"] * 5
    (finding,) = report["diagnostics"]
    message, hint = PICTURES[name]
    assert finding["path"].endswith("02.md") and finding["line"] == 24
    assert (
        finding["field"] == "body" and message in finding["message"] and hint in finding["message"]
    )
    assert len(finding["outputs"]) == 5  # said once, naming every variant
    assert result.peak_mib < 200, result.peak_mib
    assert kept(out) == before


def test_a_picture_under_the_bound_builds(series: Path, tmp_path: Path) -> None:
    png_of_size(series / "wide.png", 2400, 1600)
    edit(series / "02.md", f"\n{PARAGRAPH}", f"\n![图](wide.png)\n\n{PARAGRAPH}")
    code, output = run("build", series, "-o", tmp_path / "o", "--variant", "a4")
    assert code == 0, output
    # raising the bound lets a larger one through; lowering it refuses this one
    code, output = run("check", series, "--variant", "a4", "--limit", "pixels=1000000")
    assert code == 1 and "2400×1600 = 4 MP, over the limit of 1 MP" in output


TEMPLATE_GROWTH = {
    "a string repeated": (
        '{% set x = "a" * 10**9 %}{{ x|length }}',
        "template refused: repeating a 1-long value 1000000000 times is too large",
    ),
    "a power": ("{{ 7 ** 100000000 % 10 }}", "template refused: 7 ** 100000000 is too large"),
    "a doubling loop": (
        '{% set ns = namespace(x="ab") %}{% for i in range(40) %}'
        "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}",
        "template error: ran out of memory: over 1,200 MiB (raise it with --limit memory=N)",
    ),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_GROWTH))
def test_a_template_cannot_take_the_machines_memory(project: Path, series: Path, case: str) -> None:
    template, message = TEMPLATE_GROWTH[case]
    banner = project / "layouts/newspaper/parts/banner.html.j2"
    banner.write_text(template + banner.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_measured(
        "check", series, "--variant", "a4", "--limit", "memory=1200", cwd=project, timeout=60
    )
    assert result.code == 1
    assert f"parts/banner.html.j2:1: {message}" in result.err, result.err
    assert result.peak_mib < 1300, result.peak_mib
    assert "Traceback" not in result.output
