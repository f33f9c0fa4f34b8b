"""Question types: one module per way of answering, found by the `kind:` of a question.

Each module of this package (but `base` and `registry`) is a type that registers itself when
imported, and every module is imported here: adding a type is adding its module, plus its texts in
dialogs/locales (see docs/ARCHITECTURE.md, "Adding a question type").
"""

from __future__ import annotations

import importlib
import pkgutil

from dialogs.question_types.registry import DEFAULT_KIND as DEFAULT_KIND
from dialogs.question_types.registry import kinds as kinds
from dialogs.question_types.registry import register as register
from dialogs.question_types.registry import type_of as type_of
from dialogs.question_types.registry import unregister as unregister

# Found rather than listed, so that a new type changes no file but its own.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
