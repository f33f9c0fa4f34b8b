"""The complaint categories: the seed deck's four service shortfall types plus ``other``."""

from __future__ import annotations

from typing import Final, Literal, get_args

Category = Literal["personnel", "process", "technology", "resources", "other"]
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
# The four that name a cause; ``other`` is none of them (or not a complaint).
CAUSES: Final[tuple[Category, ...]] = CATEGORIES[:4]
