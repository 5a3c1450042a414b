"""A job's result: what the command reports, whichever way the job was decided."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from broadsheet.diagnostics import Diagnostic


@dataclass
class JobResult:
    name: str
    status: str  # "built", "unchanged", "skipped" (up to date), "ok" (checked) or "failed"
    pages: int = 0
    size: int = 0
    seconds: float = 0.0
    written: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    record: dict[str, Any] | None = None
    stages: dict[str, float] = field(default_factory=dict)
    fit: dict[str, Any] | None = None  # the composed page's fit (compose.fit.FitReport.row)
    # the files and folders the job was made of: what the next build's stat check reads
    inputs: list[Path] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)  # the font families its key names
    # on a cluster: the workers that started this job and stopped before it was done
    retried: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]

    def as_json(self) -> dict[str, Any]:
        return {
            "output": self.name,
            "status": self.status,
            "pages": self.pages,
            "size": self.size,
            "seconds": round(self.seconds, 3),
            "written": [str(p) for p in self.written],
            "fit": self.fit,
            "stages": {name: round(seconds, 3) for name, seconds in self.stages.items()},
            "retried": self.retried,
        }
