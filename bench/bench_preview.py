"""Benchmark: edit-to-picture latency of `broadsheet preview`, the sample's print page.

A copy of the project is served by a real ``broadsheet preview`` process and
shown in Debian's headless Chromium (Playwright). Each round edits the
installment's headline on disk (two headlines of the same length, in turn) and
waits until the browser shows the new page: its image loaded and decoded. The
round's time is from the write to that moment. The server's status splits it:

- notice: the write until the watcher reported it (watchfiles, 30 ms step);
- queue: until the warm build process took it;
- build: that process's own stages (content … preflight, ``picture`` = PNG);
- hand-over: the result's way back to the server (pickle of PDF and PNGs);
- browser: the event, the reload, the HTML and the image fetched and decoded.

For comparison, the same page built by a whole command, ``broadsheet build
02.md --variant print --force``, paired with the rounds. Nothing here asserts:
it prints medians with min–max (target of issue 13: ≤ 1.5 s in a warm worker).

    .venv/bin/python bench/bench_preview.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BROADSHEET = str(Path(sys.executable).parent / "broadsheet")
HEADLINES = ("千帆竞发势如虹", "万马奔腾势如潮")


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):6.3f} s ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "layouts", root / "layouts")
        shutil.copytree(REPO / "content" / "changzhi-2025", root / "content" / "changzhi-2025")
        installment = root / "content" / "changzhi-2025" / "02.md"
        server = subprocess.Popen(
            [BROADSHEET, "preview", str(installment.parent), "--variant", "print"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = server.stdout.readline() if server.stdout else ""
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert found, line
            url = found[0]
            rounds, splits, whole = run_rounds(url, installment, root, args.rounds, sync_playwright)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"edit-to-picture, sample print page, warm worker, {len(rounds)} rounds:")
    print(f"  edit → picture in Chromium  {summary(rounds)}")
    for name, values in splits.items():
        print(f"    {name:<26}{summary(values)}")
    print(f"  whole command (build --force, cold process)  {summary(whole)}")
    ratio = [w / r for w, r in zip(whole, rounds, strict=True)]
    print(f"  whole command ÷ preview  {summary(ratio).replace(' s', '×')}")


def run_rounds(url, installment, root, count, sync_playwright):  # type: ignore[no-untyped-def]
    def status() -> dict:
        with urllib.request.urlopen(url + "status.json?view=1", timeout=30) as response:
            return json.loads(response.read())

    rounds: list[float] = []
    splits: dict[str, list[float]] = {}
    whole: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(url)
        page.wait_for_selector(".page img", timeout=120_000)
        for index in range(count + 1):
            generation = status()["generation"]
            text = installment.read_text(encoding="utf-8")
            old, new = HEADLINES if HEADLINES[0] in text else HEADLINES[::-1]
            start = time.time()
            installment.write_text(text.replace(old, new, 1), encoding="utf-8")
            page.wait_for_function(
                """g => { const img = document.querySelector('.page img');
                          return img && img.src.includes(`/1/${g}/page-1.png`)
                                 && img.complete && img.naturalWidth > 0; }""",
                arg=generation + 1,
                timeout=60_000,
                polling=5,
            )
            end = time.time()
            found = status()
            assert found["ok"] and found["generation"] == generation + 1, found
            if index == 0:
                continue  # the first edit after the page opened: settling, not counted
            rounds.append(end - start)
            worker = found["worker_seconds"]
            for name, value in {
                "notice": found["changed_at"] - start,
                "queue": found["started_at"] - found["changed_at"],
                "build (worker)": worker,
                **{f"  {k}": v for k, v in found["stages"].items()},
                "hand-over": found["finished_at"] - found["started_at"] - worker,
                "browser": end - found["finished_at"],
            }.items():
                splits.setdefault(name, []).append(value)
            # paired: the same page by a whole command, between the rounds
            begin = time.perf_counter()
            subprocess.run(
                [BROADSHEET, "build", str(installment), "--variant", "print", "--force", "-q"],
                cwd=root,
                check=True,
            )
            whole.append(time.perf_counter() - begin)
        browser.close()
    return rounds, splits, whole


if __name__ == "__main__":
    main()
