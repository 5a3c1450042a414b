"""The preview's state: what each open view shows, what changed, what to build next."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from broadsheet.preview.picture import Picture

# A view nobody has looked at for this long is not rebuilt on every edit.
IDLE_SECONDS = 600


@dataclass
class View:
    """One installment × variant as a browser asked for it (``None``: the default)."""

    id: int
    number: int | None
    variant: str | None
    generation: int = 0
    picture: Picture | None = None  # the last build's result
    good: Picture | None = None  # the last build that made a page
    good_at: float = 0.0
    good_generation: int = 0  # its files' URLs name it: a URL never changes its bytes
    dirty: bool = True
    building: bool = False
    watchers: int = 0  # open event streams
    seen: float = field(default_factory=time.monotonic)
    # the last rebuild's clock (time.time()): when its change was seen, when it
    # started and ended in the worker, for the status and the latency bench
    changed_at: float | None = None
    pending_change: float | None = None  # the first edit not built yet
    started_at: float | None = None
    finished_at: float | None = None

    def affected_by(self, changed: set[Path]) -> bool:
        shown = self.picture
        if shown is None or not shown.files:
            return True  # nothing known of what it is made of: any change may mend it
        # a failed build knows less than the last good one: what made that one
        # may be what mends this
        made_of = [p for p in (shown, self.good) if p is not None]
        files = {f.resolve() for p in made_of for f in p.files}
        folders = [f.resolve() for p in made_of for f in p.folders]
        return any(
            path in files or any(path.is_relative_to(folder) for folder in folders)
            for path in changed
        )

    @property
    def active(self) -> bool:
        return self.watchers > 0 or time.monotonic() - self.seen < IDLE_SECONDS


class Views:
    """Every view, behind one condition: the builder waits on it for work, each
    event stream for a new generation."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self._views: dict[tuple[int | None, str | None], View] = {}
        self.stopped = False

    def get(self, number: int | None, variant: str | None) -> View:
        with self.condition:
            view = self._views.get((number, variant)) or next(
                # a default view, once built, is the installment and variant it showed
                (v for v in self._views.values() if (v.number, v.variant) == (number, variant)),
                None,
            )
            if view is None:
                view = View(len(self._views) + 1, number, variant)
                self._views[(number, variant)] = view
                self.condition.notify_all()
            view.seen = time.monotonic()
            return view

    def by_id(self, view_id: int) -> View | None:
        with self.condition:
            return next((v for v in self._views.values() if v.id == view_id), None)

    def all(self) -> list[View]:
        with self.condition:
            return list(self._views.values())

    def changed(self, paths: set[Path]) -> list[View]:
        """Mark the views these files make dirty; the ones marked."""
        now = time.time()
        with self.condition:
            marked = [v for v in self._views.values() if v.active and v.affected_by(paths)]
            for view in marked:
                view.dirty = True
                view.pending_change = view.pending_change or now
            if marked:
                self.condition.notify_all()
            return marked

    def next_dirty(self) -> View | None:
        """Wait for a view to build; ``None`` once stopped. The one looked at
        last goes first."""
        with self.condition:
            while not self.stopped:
                dirty = [v for v in self._views.values() if v.dirty and v.active]
                if dirty:
                    view = max(dirty, key=lambda v: (v.watchers > 0, v.seen))
                    view.dirty = False
                    view.building = True
                    view.started_at = time.time()
                    view.changed_at = view.pending_change or view.started_at
                    view.pending_change = None
                    self.condition.notify_all()
                    return view
                self.condition.wait()
            return None

    def built(self, view: View, picture: Picture) -> None:
        with self.condition:
            view.picture = picture
            view.generation += 1
            if picture.ok:
                view.good = picture
                view.good_at = time.time()
                view.good_generation = view.generation
                # the view shows this installment and variant from now on, even
                # when an edit makes the series' last one another
                view.number, view.variant = picture.number, picture.variant
            view.building = False
            view.finished_at = time.time()
            self.condition.notify_all()

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
