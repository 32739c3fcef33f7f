"""Progress bars for the stages that can take a while (shown on a terminal, not in logs)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], desc: str, unit: str, total: int | None = None) -> Iterator[T]:
    """`items`, with a tqdm bar (count and rate) on stderr when stderr is a terminal."""
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (CI, redirected logs), where the
    # stage's own summary line says how many and how fast.
    yield from tqdm(items, desc=desc, unit=unit, total=total, disable=None, leave=False,
                    mininterval=0.5)
