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
        page = server.get("/")[1].decode()
        (image,) = re.findall(r'<img src="([^"]+)"', page)
        (pdf,) = re.findall(r'<a id="pdf" href="([^"]+)"', page)
        assert pdf.endswith("/changzhi-2025-02-screen.pdf")
        code, body, kind = server.get(image)
        assert code == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
        code, body, kind = server.get(pdf)
        assert code == 200 and kind == "application/pdf" and body.startswith(b"%PDF-")
        _, token, view, generation, _ = image.lstrip("/").split("/")
        for path in (
            image.replace("page-1", "page-2"),
            f"/file/{token}/9/{generation}/page-1.png",
            f"/file/{token}/{view}/{int(generation) + 1}/page-1.png",  # not built yet
            f"/file/0000/{view}/{generation}/page-1.png",  # another run's
            "/etc/passwd",
            "/../x",
            "/?view=999",
        ):
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
        # a page's file URL names its build: the old one is gone, never other bytes
        assert server.get(image)[0] == 404

        # a layout error (the template) stops the build before it knows its
        # layout: mending the template builds it again all the same
        part = project / "layouts" / "newspaper" / "parts" / "headline.html.j2"
        good = part.read_text(encoding="utf-8")
        part.write_text(good + "{% if %}\n", encoding="utf-8")
        broken = server.built_after(4)
        assert not broken["ok"]
        assert any("headline.html.j2" in (d["path"] or "") for d in broken["diagnostics"])
        part.write_text(good, encoding="utf-8")
        assert server.built_after(5)["ok"]


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


def test_the_default_view_keeps_its_installment_when_it_breaks(project: Path) -> None:
    series = project / "content" / "changzhi-2025"
    text = (series / "02.md").read_text(encoding="utf-8")
    (series / "01.md").write_text(text.replace("number: 2\n", "number: 1\n"), "utf-8")
    with preview(series, "--variant", "screen") as server:
        first = server.built_after(0)
        assert first["name"] == "changzhi-2025/02/screen"  # the last installment
        (series / "02.md").write_text(text.replace("number: 2", "number: [2"), "utf-8")
        broken = server.built_after(1)
        # its own error, not installment 01's page in its place
        assert not broken["ok"] and broken["name"] is None
        assert any("02.md" in (d["path"] or "") for d in broken["diagnostics"])
        assert server.status()["pages"] == 1
        (series / "02.md").write_text(text, "utf-8")
        assert server.built_after(2)["name"] == "changzhi-2025/02/screen"


def test_requests_for_another_host_or_odd_numbers_are_refused_without_a_traceback(
    project: Path,
) -> None:
    series = project / "content" / "changzhi-2025"
    with preview(series, "--variant", "screen") as server:
        server.built_after(0)
        port = server.url.rsplit(":", 1)[1].strip("/")
        request = urllib.request.Request(server.url, headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(request, timeout=10)
            refused = 200
        except urllib.error.HTTPError as exc:
            refused = exc.code
        assert refused == 403
        request = urllib.request.Request(server.url, headers={"Host": f"localhost:{port}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert server.get("/status.json?view=%C2%B2")[0] == 404
        assert server.get("/?n=%C2%B2")[0] == 200  # no such number: the default view
    stderr = server.process.stderr.read() if server.process.stderr else ""
    assert "Traceback" not in stderr, stderr
