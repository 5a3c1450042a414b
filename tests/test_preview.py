"""broadsheet preview: a server process, edits on disk, the page read back (and in Chromium)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

BROADSHEET = str(Path(sys.executable).parent / "broadsheet")
CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/install-system-deps.sh)
HEADLINE = "千帆竞发势如虹"


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
                return response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers["Content-Type"]

    def status(self, view: int = 1) -> dict[str, Any]:
        return json.loads(self.get(f"/status.json?view={view}")[1])

    def wait(self, until: Callable[[dict[str, Any]], bool], seconds: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            found = self.status()
            if until(found):
                return found
            assert time.monotonic() < deadline, f"waited {seconds}s; last status: {found}"
            assert self.process.poll() is None, "the server stopped"
            time.sleep(0.1)

    def built_after(self, generation: int) -> dict[str, Any]:
        return self.wait(lambda s: s["generation"] > generation and not s["building"])


@contextmanager
def preview(*args: object) -> Iterator[Server]:
    """``broadsheet preview ARGS`` in a process group of its own (as a terminal
    runs it); stopped with Ctrl-C's SIGINT to the whole group."""
    process = subprocess.Popen(
        [BROADSHEET, "preview", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, (line, process.stderr.read() if process.stderr else "")
        yield Server(process, found[0])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_preview_shows_each_edit_in_chromium_and_an_error_comes_and_goes(
    project: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    series = project / "content" / "changzhi-2025"
    installment = series / "02.md"
    with preview(series, "--variant", "print") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(server.url)
        # the page as laid out: an image of it, its text where it stands
        expect(page.get_by_text(HEADLINE)).to_have_count(1, timeout=60_000)
        first = page.locator(".page img").get_attribute("src")
        assert page.locator("#fit").inner_text().count("ok") >= 1
        assert page.locator("#pdf").get_attribute("href").endswith(".pdf")

        # an edit: the browser reloads by itself and shows the new page
        edit(installment, f"headline: {HEADLINE}", "headline: 项目建设势如虹")
        expect(page.get_by_text("项目建设势如虹")).to_have_count(1, timeout=30_000)
        assert page.get_by_text(HEADLINE).count() == 0
        assert page.locator(".page img").get_attribute("src") != first

        # a broken edit: its error at its line, over the last good page
        edit(installment, "number: 2", "number: two")
        error = page.locator("#diagnostics li.error").first
        expect(error).to_contain_text("02.md:2", timeout=30_000)
        expect(error).to_contain_text("number")
        expect(page.locator("#stale")).to_be_visible()
        expect(page.get_by_text("项目建设势如虹")).to_have_count(1)

        # mended: the error goes, the page is the current one again
        edit(installment, "number: two", "number: 2")
        expect(page.locator("#diagnostics")).to_have_count(0, timeout=30_000)
        expect(page.locator("#stale")).to_have_count(0)
        expect(page.get_by_text("项目建设势如虹")).to_have_count(1)
        browser.close()
    assert server.process.returncode == 0
    stderr = server.process.stderr.read() if server.process.stderr else ""
    assert "Traceback" not in stderr, stderr


def test_only_what_an_edit_touches_is_built_again_and_a_crashed_worker_is_replaced(
    project: Path,
) -> None:
    series = project / "content" / "changzhi-2025"
    with preview(series, "--installment", "2", "--variant", "screen") as server:
        first = server.built_after(0)
        assert first["ok"] and first["name"] == "changzhi-2025/02/screen", first
        # served: the page images, the PDF, nothing else
        code, body, kind = server.get("/view/1/1/page-1.png")
        assert code == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
        code, body, kind = server.get("/view/1/1/changzhi-2025-02-screen.pdf")
        assert code == 200 and kind == "application/pdf" and body.startswith(b"%PDF-")
        for path in ("/view/1/1/page-2.png", "/view/9/1/page-1.png", "/etc/passwd", "/../x"):
            assert server.get(path)[0] == 404, path

        # a file the page is not made of: nothing is built
        (series / "notes.txt").write_text("不属于版面的文件\n", encoding="utf-8")
        (project / "layouts" / "README.txt").write_text("x\n", encoding="utf-8")
        time.sleep(1.5)
        assert server.status()["generation"] == 1

        # a stylesheet of its layout: built again, in the same warm process
        css = project / "layouts" / "newspaper" / "newspaper.css"
        css.write_text(css.read_text(encoding="utf-8") + "\n/* tweak */\n", encoding="utf-8")
        second = server.built_after(1)
        assert second["ok"] and second["worker"] == first["worker"]

        # the build process killed: the error shows, the next edit builds in a new one
        os.kill(first["worker"], signal.SIGKILL)
        css.write_text(css.read_text(encoding="utf-8") + "/* again */\n", encoding="utf-8")
        crashed = server.built_after(2)
        assert not crashed["ok"]
        assert "the build process stopped" in crashed["diagnostics"][0]["message"]
        assert server.status()["pages"] == 1  # the last good page is still served
        css.write_text(css.read_text(encoding="utf-8") + "/* mended */\n", encoding="utf-8")
        mended = server.built_after(3)
        assert mended["ok"] and mended["worker"] != first["worker"]


def test_preview_of_a_folder_that_is_no_series_is_an_error_at_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [BROADSHEET, "preview", str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "not a series folder" in result.stderr + result.stdout


@pytest.mark.parametrize("asked", [("--installment", "9"), ("--variant", "web")])
def test_asking_for_what_the_series_lacks_is_shown_on_the_page(
    project: Path, asked: tuple[str, str]
) -> None:
    series = project / "content" / "changzhi-2025"
    with preview(series, *asked) as server:
        found = server.built_after(0)
        assert not found["ok"]
        message = found["diagnostics"][0]["message"]
        assert ("no installment 9" in message) or ("no variant web" in message), message
        assert "it has:" in message
        code, body, _ = server.get("/")
        assert code == 200 and "it has:" in body.decode()


def test_a_port_that_is_taken_is_an_error_naming_it(project: Path) -> None:
    import socket

    series = project / "content" / "changzhi-2025"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [BROADSHEET, "preview", str(series), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
