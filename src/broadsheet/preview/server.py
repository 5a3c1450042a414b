"""`broadsheet preview`: a page server on 127.0.0.1 that rebuilds what an edit touches."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from broadsheet.diagnostics import BroadsheetError, Diagnostic
from broadsheet.preview.picture import Picture, build_picture, warm, worker_started
from broadsheet.preview.state import View, Views

KEEP_ALIVE_SECONDS = 15
# The engine, imported once in the process the build workers are forked from:
# a worker started again after a crash is warm at once.
PRELOAD = ["broadsheet.preview.picture", "broadsheet.engine.typeset", "broadsheet.pdf.printing"]


class WarmWorker:
    """One build process that stays: the engine's imports, its fonts and the
    layouts' templates loaded once. A crash in it (a signal, memory) is the
    build's error; the next build starts a new one."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=worker_started
        )
        self._pool.submit(warm)

    def build(self, *args: Any) -> Picture:
        if self._pool is None:
            self._start()
        assert self._pool is not None
        try:
            return self._pool.submit(build_picture, *args).result()
        except BrokenProcessPool as exc:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            message = f"the build process stopped ({exc}); the next edit starts a new one"
            return Picture(diagnostics=[Diagnostic(None, message)])

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class Preview:
    """The server's parts: the views, the builder thread, a watcher thread per
    folder watched."""

    def __init__(self, path: Path, number: int | None, variant: str | None) -> None:
        self.path = path
        self.default = (number, variant)
        self.views = Views()
        self.worker = WarmWorker()
        self._stopping = threading.Event()
        self._watched: list[Path] = []
        self.last_choices: Picture | None = None  # the last build that listed the series
        self.views.get(number, variant)  # built at once, before a browser asks
        # in every file's URL: a browser's cache never mixes two runs' pages
        self.token = secrets.token_hex(4)

    def start(self) -> None:
        self._watch_more()
        threading.Thread(target=self._build_loop, daemon=True, name="build").start()

    def stop(self) -> None:
        self.views.stop()
        self._stopping.set()
        self.worker.close()

    def _build_loop(self) -> None:
        while (view := self.views.next_dirty()) is not None:
            known = view.good.installment if view.good else None
            picture = self.worker.build(self.path, view.number, view.variant, known)
            if picture.choices:
                self.last_choices = picture
            self.views.built(view, picture)
            self._watch_more()

    def _watch_roots(self) -> set[Path]:
        """The folders an edit may touch: the series, the project's layouts and
        assets, and everything each view's page is made of (a bundled layout,
        pictures from elsewhere)."""
        from broadsheet.project import find_project

        start = self.path.resolve()
        project = find_project(start)
        found = {start if start.is_dir() else start.parent, project.layouts_dir, project.assets_dir}
        for view in self.views.all():
            for picture in (view.picture, view.good):
                if picture is not None:
                    found.update(f.resolve().parent for f in picture.files)
                    found.update(f.resolve() for f in picture.folders)
        return {f.resolve() for f in found if f.is_dir()}

    def _watch_more(self) -> None:
        """Watch every root not watched yet, in a thread of its own. A watcher
        is never stopped to watch another set: an edit made while it started
        again would be missed."""
        for root in sorted(self._watch_roots()):
            if not any(root.is_relative_to(w) for w in self._watched):
                self._watched.append(root)
                name = f"watch {root}"
                threading.Thread(target=self._watch, args=(root,), daemon=True, name=name).start()

    def _watch(self, root: Path) -> None:
        import watchfiles

        changes = watchfiles.watch(
            root,
            stop_event=self._stopping,
            step=30,  # ms without a further change before the batch is reported
            rust_timeout=1000,
            yield_on_timeout=False,
        )
        for batch in changes:
            self.views.changed({Path(p).resolve() for _, p in batch})


def serve(
    path: Path,
    number: int | None,
    variant: str | None,
    port: int = 0,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the preview on 127.0.0.1 until interrupted; ``ready`` receives the URL."""
    handler: type[PreviewHandler] = type("Handler", (PreviewHandler,), {})
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        # the port asked for is taken (or not ours): the user's to change
        message = f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"
        raise BroadsheetError(Diagnostic(None, message)) from None
    server.daemon_threads = True  # an open event stream does not hold the exit
    handler.preview = preview = Preview(path, number, variant)
    preview.start()
    try:
        if ready is not None:
            ready(f"http://127.0.0.1:{server.server_address[1]}/")
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        preview.stop()


class PreviewHandler(BaseHTTPRequestHandler):
    preview: Preview
    server_version = "broadsheet-preview"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for the desk's errors, not each request

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = [p for p in url.path.split("/") if p]
        try:
            if not self._host_is_ours():
                # another site's page, its name pointed at 127.0.0.1 (DNS
                # rebinding), reads no unpublished page
                self._send(HTTPStatus.FORBIDDEN, b"not this host", "text/plain")
            elif not parts:
                self._page(query)
            elif parts == ["events"]:
                self._events(query)
            elif parts == ["status.json"]:
                self._status(query)
            elif parts == ["favicon.ico"]:
                self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
            elif len(parts) == 5 and parts[0] == "file":
                self._file(*parts[1:])
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a reload closes its event stream)

    def _view(self, query: dict[str, str]) -> View | None:
        if "view" in query:
            return self.preview.views.by_id(_int(query["view"]) or 0)
        number, variant = self.preview.default
        number = _int(query["n"]) if "n" in query else number
        return self.preview.views.get(number, query.get("v", variant))

    def _host_is_ours(self) -> bool:
        port = self.server.server_address[1]
        host = self.headers.get("Host", "")
        return host in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _page(self, query: dict[str, str]) -> None:
        view = self._view(query)
        if view is None:
            self._send(HTTPStatus.NOT_FOUND, b"no such view", "text/plain")
            return
        html = page_html(view, self.preview)
        self._send(HTTPStatus.OK, html.encode(), "text/html; charset=utf-8")

    def _status(self, query: dict[str, str]) -> None:
        view = self._view(query)
        if view is None:
            self._send(HTTPStatus.NOT_FOUND, b"no such view", "text/plain")
            return
        body = json.dumps(view_status(view), ensure_ascii=False).encode()
        self._send(HTTPStatus.OK, body, "application/json")

    def _file(self, token: str, view_id: str, generation: str, name: str) -> None:
        view = self.preview.views.by_id(_int(view_id) or 0)
        # a file's URL names the run and the build that made it: the same URL
        # is always the same bytes, and a page of an earlier build is gone
        with self.preview.views.condition:
            picture = view.good if view is not None else None
            current = view is not None and _int(generation) == view.good_generation
        if picture is None or token != self.preview.token or not current:
            self._send(HTTPStatus.NOT_FOUND, b"not built, or built again since", "text/plain")
            return
        if name.endswith(".pdf"):
            self._send(HTTPStatus.OK, picture.pdf, "application/pdf", cache=True)
            return
        index = _int(name.removeprefix("page-").removesuffix(".png"))
        if index is None or not 1 <= index <= len(picture.pages):
            self._send(HTTPStatus.NOT_FOUND, b"no such page", "text/plain")
            return
        self._send(HTTPStatus.OK, picture.pages[index - 1].png, "image/png", cache=True)

    def _events(self, query: dict[str, str]) -> None:
        """Server-sent events for one view: ``building`` when a build starts,
        ``built`` when one ends with a generation the page does not show."""
        view = self.preview.views.by_id(_int(query.get("view", "")) or 0)
        if view is None:
            self._send(HTTPStatus.NOT_FOUND, b"no such view", "text/plain")
            return
        shown = _int(query.get("since", "")) or 0
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        views = self.preview.views
        told = {"generation": shown, "building": False}

        def news() -> bool:
            return (
                views.stopped
                or view.generation != told["generation"]
                or view.building != told["building"]
            )

        with views.condition:
            view.watchers += 1
        try:
            while True:
                with views.condition:
                    views.condition.wait_for(news, timeout=KEEP_ALIVE_SECONDS)
                    generation, building = view.generation, view.building
                if views.stopped:
                    return
                if generation != told["generation"]:
                    message = f"event: built\ndata: {generation}\n\n"
                    told["generation"] = generation
                elif building != told["building"]:
                    message = f"event: {'building' if building else 'idle'}\ndata: \n\n"
                    told["building"] = building
                else:
                    message = ": still here\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
        finally:
            with views.condition:
                view.watchers -= 1

    def _send(self, status: HTTPStatus, body: bytes, kind: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        # a file's URL names its build: the same URL is the same bytes
        self.send_header("Cache-Control", "max-age=3600, immutable" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


def _int(text: str) -> int | None:
    # isdigit() alone takes "²", which int() does not
    return int(text) if text.isascii() and text.isdigit() else None


@cache
def _template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("broadsheet.preview", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("page.html.j2")


def _clock(stamp: float) -> str:
    return datetime.datetime.fromtimestamp(stamp).strftime("%H:%M:%S")


def page_html(view: View, preview: Preview) -> str:
    """The page a browser shows for a view: its pages, fit and diagnostics."""
    with preview.views.condition:
        picture, good, generation = view.picture, view.good, view.generation
        building, good_at = view.building or view.dirty, view.good_at
        good_generation = view.good_generation
    shown = good
    # a build that failed before it knew its page (the file no longer loads)
    # names it by the last good one
    latest = picture if picture is not None and picture.name else good or picture
    # what the series offers, as the last build of any view found it: a new
    # view's links are there before its first build ends
    known = [picture, good, preview.last_choices]
    # in the series file's order, each once
    choices = list(
        dict.fromkeys((c.number, c.slug, c.variant) for p in known if p for c in p.choices)
    )
    number = latest.number if latest and latest.number is not None else view.number
    variant = latest.variant if latest and latest.variant else view.variant
    diagnostics = [_diagnostic(d) for d in (picture.diagnostics if picture else [])]
    errors = sum(d["level"] == "error" for d in diagnostics)
    warnings = sum(d["level"] == "warning" for d in diagnostics)
    notes = sum(d["level"] == "note" for d in diagnostics)
    if picture is None:
        status = "first build"
    else:
        done = "built" if picture.ok else "failed"
        status = f"{done} {_clock(view.finished_at or 0)} in {picture.seconds:.2f}s"
    prefix = f"/file/{preview.token}/{view.id}/{good_generation}"
    pages = []
    if shown is not None:
        for index, page in enumerate(shown.pages, 1):
            pages.append(
                {
                    "src": f"{prefix}/page-{index}.png",
                    "width": page.width,
                    "height": page.height,
                    "ratio": page.height / page.width,
                    "text": page.text,
                }
            )
    name = (shown.name or "page").replace("/", "-") if shown else "page"

    def link(n: int | None, v: str | None) -> str:
        query = {k: val for k, val in (("n", n), ("v", v)) if val is not None}
        return "/?" + urllib.parse.urlencode(query)

    return _template().render(
        title=(latest.name if latest and latest.name else str(preview.path)),
        building=building,
        errors=errors,
        numbers=sorted({(n, slug) for n, slug, _ in choices}),
        variants=list(dict.fromkeys(v for n, _, v in choices if n == number)),
        view_number=number,
        view_variant=variant,
        link=link,
        pdf_url=f"{prefix}/{name}.pdf" if shown is not None else None,
        status=status,
        stale=_clock(good_at) if picture is not None and not picture.ok and good else None,
        diagnostics=diagnostics,
        summary=f"{errors} error(s), {warnings} warning(s), {notes} note(s)",
        fit=list((picture.fit or {}).items()) if picture and picture.ok else [],
        pages=pages,
        events_url=f"/events?view={view.id}&since={generation}",
    )


def _diagnostic(found: Diagnostic) -> dict[str, Any]:
    return {
        "level": found.level,
        "where": found.location(),
        "field": found.field,
        "message": found.message,
        "subject": found.subject,
    }


def view_status(view: View) -> dict[str, Any]:
    """A view's state as JSON: what tests and the latency bench read."""
    picture = view.picture
    return {
        "view": view.id,
        "generation": view.generation,
        "building": view.building or view.dirty,
        "ok": bool(picture and picture.ok),
        "name": picture.name if picture else None,
        "pages": len(view.good.pages) if view.good else 0,
        "diagnostics": [d.as_json() for d in picture.diagnostics] if picture else [],
        "fit": picture.fit if picture else None,
        "stages": picture.stages if picture else {},
        "worker_seconds": picture.seconds if picture else None,
        "worker": picture.worker if picture else None,
        "changed_at": view.changed_at,
        "started_at": view.started_at,
        "finished_at": view.finished_at,
        "now": time.time(),
    }
