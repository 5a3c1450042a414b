"""Bounds on what one build may take: content size, pages, image pixels, seconds."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace

ENVIRONMENT = "BROADSHEET_LIMITS"
# Any bound's largest value (a timer or a resource limit takes no more).
MAXIMUM = 10**9


@dataclass(frozen=True)
class Limits:
    """Each bound with its default. A desk raises one with ``--limit NAME=VALUE``
    (or ``BROADSHEET_LIMITS="pages=400,seconds=600"``); the error that a bound
    stops a build with says which."""

    # A page of news is 5–20 kB; a megabyte is a book, or a mistake.
    content_bytes: int = 1024 * 1024
    # Pages one job may lay out, its measuring layouts included (the sample's
    # print job lays out 8; each of a runaway text's costs 0.05–0.17 s).
    pages: int = 100
    # Decoded pixels of one image: 64 MP is a 9000×7000 press photo, 256 MB as RGBA.
    pixels: int = 64_000_000
    # Wall-clock seconds one job may take to lay out and write (the sample takes 2).
    seconds: int = 300
    # MiB of address space one process may take (a build of the photo fixtures
    # peaks at 770 MiB of it, 580 MiB resident).
    memory: int = 4096

    @staticmethod
    def names() -> list[str]:
        return [f.name.replace("_", "-") for f in fields(Limits)]

    def parse(self, items: list[str]) -> Limits:
        """These limits with ``name=value`` items applied; ValueError names the bad one."""
        changes: dict[str, int] = {}
        for item in items:
            name, _, value = item.partition("=")
            key = name.strip().replace("-", "_")
            if key not in {f.name for f in fields(Limits)}:
                raise ValueError(f"unknown limit '{name}' (known: {', '.join(Limits.names())})")
            try:
                number = int(value.replace("_", ""))
            except ValueError:
                raise ValueError(f"limit '{name}' needs a whole number, got '{value}'") from None
            if number <= 0:
                raise ValueError(f"limit '{name}' must be positive, got {number}")
            if number > MAXIMUM:
                raise ValueError(f"limit '{name}' must be at most {MAXIMUM:,}, got {number:,}")
            changes[key] = number
        return replace(self, **changes)

    def hint(self, name: str) -> str:
        """How to raise a bound, for the error that names it."""
        return f"raise it with --limit {name.replace('_', '-')}=N"


def from_environment() -> Limits:
    raw = os.environ.get(ENVIRONMENT, "")
    return Limits().parse([item for item in raw.split(",") if item.strip()])


_active: list[Limits] = []


def active() -> Limits:
    """The limits of this run (forked workers inherit them)."""
    if not _active:
        _active.append(from_environment())
    return _active[-1]


def set_active(limits: Limits) -> None:
    _active[:] = [limits]


class LimitExceeded(BaseException):
    """A bound stopped the work. A BaseException, so that no ``except Exception``
    in the engine (image loading catches everything) swallows it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@contextmanager
def memory_bound() -> Iterator[None]:
    """Bound this process's address space (and its workers', which inherit it)
    for the block: a runaway allocation fails with MemoryError, which a job
    reports as its error, instead of taking the machine's memory."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        bound = active().memory * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            bound = min(bound, hard)
        resource.setrlimit(resource.RLIMIT_AS, (bound, hard))
    except (ImportError, ValueError, OSError):  # no such limit here
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def out_of_memory() -> str:
    return f"ran out of memory: over {active().memory:,} MiB ({active().hint('memory')})"


# Pages laid out so far by the job running in this process (None: no job,
# each layout is bounded on its own).
_pages_laid_out: list[int] = []


def count_page() -> int:
    """Count one laid-out page against the job's budget; the pages the job (or,
    outside a job, this layout) may still make. Negative: over the bound."""
    if _pages_laid_out:
        _pages_laid_out[0] += 1
        return active().pages - _pages_laid_out[0]
    return active().pages


@contextmanager
def job_budget(seconds: int | None = None) -> Iterator[None]:
    """One job's bounds: its pages, counted over every layout it makes (the
    measuring ones too), and its wall-clock time. Time raises LimitExceeded in
    this (main) thread; it is not bounded off the main thread or without SIGALRM."""
    _pages_laid_out[:] = [0]
    try:
        with _time_budget(seconds if seconds is not None else active().seconds):
            yield
    finally:
        _pages_laid_out.clear()


@contextmanager
def _time_budget(budget: int) -> Iterator[None]:

    def expired(signum: int, frame: object) -> None:
        raise LimitExceeded("seconds", f"took longer than {budget} s ({active().hint('seconds')})")

    try:
        previous = signal.signal(signal.SIGALRM, expired)
    except (ValueError, AttributeError):  # not the main thread, or no SIGALRM
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
