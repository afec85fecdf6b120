"""The desktop front end. The only package that imports Qt (PySide6, qasync)."""

from __future__ import annotations

import ctypes
import sys

import PySide6


def _guard_singleton_refcounts() -> None:
    """Work around a reference leak in PySide6 6.12 on CPython < 3.12.

    Several PySide6 6.12 bindings (``beginResetModel``/``endResetModel``, signal ``emit()``,
    ``changePersistentIndex``…) return ``None``/``True``/``False`` without taking a reference, which
    is harmless where those objects are immortal (CPython 3.12+) but on 3.11 drains their reference
    counts until the interpreter aborts with ``none_dealloc``/``bool_dealloc``. Give the three
    singletons a reference count they cannot drain, which is what 3.12 does by design.
    """
    if sys.version_info >= (3, 12) or not PySide6.__version__.startswith("6.12"):
        return
    for obj in (None, True, False):
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        if refcnt.value < 1 << 40:
            refcnt.value += 1 << 40


_guard_singleton_refcounts()
