"""The layers' import contract (docs/ARCHITECTURE.md), checked on every import statement, lazy ones too.

dialogs/, storage/ and analysis/ never import bot/; dialogs/ and analysis/ import neither aiogram nor
SQLAlchemy; bot/ takes from SQLAlchemy only engine types and exceptions — the SQL is storage/'s.
emulator/ (the local Bot API server) stands alone: it imports nothing of the project, nor does the
domain vocabulary in dialogs/terms.py. A handler module never imports another handler module:
what two handlers share lives in a bot/ service module (bot/surveys.py, bot/complaints.py, …).
No handler or bot service takes the ORM Respondent row: the middleware gives them a Customer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# package → top-level modules (or dotted prefixes) it must not import
FORBIDDEN = {
    "dialogs": ("bot", "aiogram", "sqlalchemy", "storage"),
    "storage": ("bot", "aiogram"),
    "analysis": ("bot", "aiogram", "sqlalchemy", "storage"),
    "emulator": ("bot", "dialogs", "storage", "analysis", "sqlalchemy"),
}
BOT_SQLALCHEMY_ALLOWED = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _is(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_it_must_not(package: str) -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, module in imports_of(path)
        if any(_is(module, forbidden) for forbidden in FORBIDDEN[package])
    ]
    assert broken == []


def test_the_bot_writes_no_sql_of_its_own() -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line, module in imports_of(path)
        if _is(module, "sqlalchemy") and not any(_is(module, ok) for ok in BOT_SQLALCHEMY_ALLOWED)
    ]
    assert broken == []


def test_the_domain_terms_depend_on_nothing_of_the_project() -> None:
    # dialogs/terms.py is the one home of categories, dimensions and severities that every layer imports.
    project = ("bot", "dialogs", "storage", "analysis", "emulator")
    imported = [module for _, module in imports_of(ROOT / "dialogs" / "terms.py")]
    assert [m for m in imported if any(_is(m, p) for p in project)] == []


# admin.py is the parent of every admin router (one ADMIN_IDS filter for all of them): the one handler
# module that may import others, and only to include their routers.
HANDLER_PARENTS = {"admin.py"}


def handler_imports(path: Path) -> list[str]:
    """The bot.handlers modules a file imports (`from bot.handlers import x` counts as bot.handlers.x)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if _is(a.name, "bot.handlers"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot.handlers":
                found.extend(f"bot.handlers.{alias.name}" for alias in node.names)
            elif _is(node.module, "bot.handlers"):
                found.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            found.append(f"(relative) {node.module or '.'}")
    return found


def test_a_handler_imports_no_other_handler() -> None:
    broken = [
        f"{path.name} imports {module}"
        for path in sorted((ROOT / "bot" / "handlers").glob("*.py"))
        if path.name not in HANDLER_PARENTS
        for module in handler_imports(path)
    ]
    assert broken == []


def test_the_handler_rule_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from bot.handlers.survey import start_survey\nfrom bot.handlers import menu\n"
        "from bot import render\n"
        "def f():\n    import bot.handlers.complaint\n",
        encoding="utf-8",
    )
    assert sorted(handler_imports(sample)) == [
        "bot.handlers.complaint",
        "bot.handlers.menu",
        "bot.handlers.survey",
    ]


def test_only_the_unit_of_work_middleware_stores_the_conversation() -> None:
    # Handlers change the typed Conversation; the middleware stores it at the commit when it changed.
    callers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if "save_conversation(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["bot/middlewares/unit_of_work.py"]


def test_the_contract_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    source = "def f():\n    from bot.app import build_bot\n    import aiogram.types\n"
    sample.write_text(source, encoding="utf-8")
    assert imports_of(sample) == [(2, "bot.app"), (3, "aiogram.types")]


def orm_row_parameters(path: Path, orm_classes: frozenset[str]) -> list[str]:
    """`function(parameter)` for every parameter of a function in the file annotated with an ORM class."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            signature = node.args
            parameters = [*signature.posonlyargs, *signature.args, *signature.kwonlyargs]
            parameters += [p for p in (signature.vararg, signature.kwarg) if p is not None]
            found += [
                f"{node.name}({p.arg})"
                for p in parameters
                if p.annotation is not None and annotation_names(p.annotation) & orm_classes
            ]
    return found


def annotation_names(annotation: ast.expr) -> set[str]:
    """The class names an annotation mentions (`models.X` counts as X; a quoted one is read too)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        annotation = ast.parse(annotation.value, mode="eval").body
    nodes = list(ast.walk(annotation))
    return {n.id for n in nodes if isinstance(n, ast.Name)} | {
        n.attr for n in nodes if isinstance(n, ast.Attribute)
    }


def test_no_handler_or_bot_service_takes_the_orm_respondent() -> None:
    # The middleware injects the customer as frozen plain data (storage.customers.Customer): a detached
    # ORM row invites writes by mutation that nothing saves. Writes go through repositories, by id.
    broken = [
        f"{path.relative_to(ROOT)}: {where}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for where in orm_row_parameters(path, frozenset({"Respondent"}))
    ]
    assert broken == []


def test_the_orm_parameter_rule_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from storage import models\nfrom storage.models import Respondent\n"
        "async def h(message, respondent: Respondent, *, other: 'models.Respondent | None' = None): ...\n"
        "def g(customer: Customer, rows: list[models.Respondent]): ...\n",
        encoding="utf-8",
    )
    assert orm_row_parameters(sample, frozenset({"Respondent"})) == ["h(respondent)", "h(other)", "g(rows)"]
