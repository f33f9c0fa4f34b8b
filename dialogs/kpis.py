"""Performance indicators (绩效指标): their definitions — unit, target, which way is better, dimension."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from dialogs.survey import Localized
from dialogs.terms import Dimension

KPI_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class KpiDefinition(BaseModel):
    """One indicator: its name, unit and target, whether lower or higher is better, its dimension."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: Localized
    unit: str = ""
    target: float
    better: Literal["lower", "higher"]
    dimension: Dimension | None = None

    def meets(self, value: float) -> bool:
        """Whether a value is on the right side of the target (the target itself counts as met)."""
        return value <= self.target if self.better == "lower" else value >= self.target


KpiCatalog = dict[str, KpiDefinition]
_CATALOG: TypeAdapter[KpiCatalog] = TypeAdapter(KpiCatalog)


def default_kpi_path() -> Path:
    """The shipped indicator definitions."""
    return Path(__file__).parent / "kpis.yaml"


@cache
def load_kpis(path: Path | None = None) -> KpiCatalog:
    """The indicators defined in `path` (default: the shipped file); ValueError naming bad entries."""
    source = path or default_kpi_path()
    catalog = _CATALOG.validate_python(yaml.safe_load(source.read_text(encoding="utf-8")) or {})
    bad = [key for key in catalog if not KPI_KEY.fullmatch(key)]
    if bad:
        raise ValueError(f"{source}: KPI keys must be lower_snake_case: {', '.join(bad)}")
    return catalog
