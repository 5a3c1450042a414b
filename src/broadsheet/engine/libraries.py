"""What starting the engine costs: its libraries found from one `ldconfig -p` listing, and
fontTools' subsetter loaded only if WeasyPrint uses it."""

from __future__ import annotations

import ctypes.util
import functools
import importlib.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

_original: list[Callable[[str], str | None]] = []


@functools.cache
def _listing() -> str:
    """The linker cache's listing, read once per process (fork inherits it)."""
    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
            env={"LC_ALL": "C", "LANG": "C"},  # as ctypes runs it
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def _abi() -> str:
    # the architecture tag ldconfig prints, as ctypes.util picks it
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    return {
        "x86_64-64": "libc6,x86-64",
        "ppc64-64": "libc6,64bit",
        "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit",
        "ia64-64": "libc6,IA-64",
    }.get(machine, "libc6")


def find_library(name: str) -> str | None:
    """ctypes.util.find_library's answer on Linux, from the cached listing.

    ctypes reads ``ldconfig -p`` anew for every name and, when the name is not
    there (WeasyPrint tries five or six spellings of each library), runs gcc
    and ld as well: some 60 processes and 0.16 s for every start of the engine.
    A name the listing lacks is looked up in LD_LIBRARY_PATH, as ld would; then
    it is not found, as it is not by gcc and ld on a system without a compiler.
    """
    listing = _listing()
    if not listing:
        return _original[0](name) if _original else None
    pattern = rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(_abi())}"
    found = re.search(pattern, listing)
    if found:
        return found[1]
    for folder in filter(None, os.environ.get("LD_LIBRARY_PATH", "").split(":")):
        candidates = sorted(Path(folder).glob(f"lib{name}.so*"))
        if candidates:
            return candidates[0].name
    return None


def install() -> None:
    """Answer ctypes' library lookups from the cached listing, on Linux, once."""
    if _original or not sys.platform.startswith("linux") or not Path("/sbin/ldconfig").exists():
        return
    _original.append(ctypes.util.find_library)
    ctypes.util.find_library = find_library


# Modules WeasyPrint imports when it starts but uses only without HarfBuzz's
# subsetter (its fontTools fallback): 0.07 s of every start, for nothing.
LAZY_MODULES = ("fontTools.subset",)


def defer_unused_modules() -> None:
    """Import LAZY_MODULES lazily (importlib's LazyLoader): the module object is
    there for WeasyPrint's ``from fontTools import subset``, and its code runs on
    the first attribute anyone reads from it, the fallback included."""
    for name in LAZY_MODULES:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            continue
        if spec is None or spec.loader is None:
            continue
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, module)
