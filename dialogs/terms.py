"""The domain's vocabulary, defined once: complaint categories, quality dimensions and severities with
their Chinese and English names. It imports nothing of the project, so every layer can use it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, get_args

# The seed deck's four service shortfall types (常见服务短板分类) plus ``other``.
Category = Literal["personnel", "process", "technology", "resources", "other"]
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
# The four that name a cause; ``other`` is none of them (or not a complaint).
CAUSES: Final[tuple[Category, ...]] = CATEGORIES[:4]
CATEGORY_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "personnel": {"zh": "人员素质", "en": "Personnel"},
    "process": {"zh": "流程规范", "en": "Process"},
    "technology": {"zh": "技术水平", "en": "Technology"},
    "resources": {"zh": "资源配置", "en": "Resources"},
    "other": {"zh": "其他", "en": "Other"},
}

# The seed deck's four quality dimensions (功能性 / 安全性 / 舒适性 / 响应性).
Dimension = Literal["functionality", "safety", "comfort", "responsiveness"]
DIMENSIONS: Final[tuple[Dimension, ...]] = get_args(Dimension)
DIMENSION_LABELS: Final[Mapping[str, Mapping[str, str]]] = {
    "functionality": {"zh": "功能性", "en": "Functionality"},
    "safety": {"zh": "安全性", "en": "Safety"},
    "comfort": {"zh": "舒适性", "en": "Comfort"},
    "responsiveness": {"zh": "响应性", "en": "Responsiveness"},
}

# How badly a complaint hurt the customer, mildest first.
Severity = Literal["low", "medium", "high"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
