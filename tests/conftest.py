"""Shared fixtures: a throw-away project with the real layouts and sample series."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from broadsheet import limits
from broadsheet.pipeline import BuiltEdition, build_installment

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SERIES = REPO / "content" / "changzhi-2025"
SAMPLE_INSTALLMENT = SAMPLE_SERIES / "02.md"
SEED = REPO / "tests" / "fixtures" / "seed_changzhi_02.txt"


def make_project(root: Path) -> Path:
    """A project folder with copies of the real layouts, assets and sample series."""
    shutil.copytree(REPO / "layouts", root / "layouts")
    (root / "assets").mkdir()
    shutil.copytree(SAMPLE_SERIES, root / "content" / "changzhi-2025")
    return root


@pytest.fixture(autouse=True)
def default_limits():
    """A test that raises or lowers a bound (--limit in-process) leaves the
    defaults to the next one."""
    yield
    limits.set_active(limits.Limits())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def series(project: Path) -> Path:
    return project / "content" / "changzhi-2025"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltEdition:
    """The real sample installment, built once for every test that reads its PDF."""
    outdir = tmp_path_factory.mktemp("output")
    return build_installment(SAMPLE_INSTALLMENT, outdir)


@pytest.fixture(scope="session")
def sample_pdf(sample_build: BuiltEdition) -> Path:
    return sample_build.written[1]


@pytest.fixture
def built(series: Path, tmp_path: Path) -> Path:
    """An output folder holding a good earlier build of the sample (print variant)."""
    from click.testing import CliRunner

    from broadsheet.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(series), "-o", str(out), "--variant", "print"])
    assert result.exit_code == 0, result.output
    return out
