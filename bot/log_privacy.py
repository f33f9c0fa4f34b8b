"""Keeping personal data out of the log: database errors are logged without the values they carry.

SQLAlchemy's ``hide_parameters`` drops the parameter list from its messages, but the driver's own
message can still quote a value ("invalid input for query argument $1: '<customer text>'"), and a
traceback prints every chained exception's message. This filter replaces such an exception with
one that names only its type, SQLSTATE and statement.
"""

from __future__ import annotations

import logging
from typing import Final

from sqlalchemy.exc import StatementError

_CHAIN_LIMIT: Final = 10


class RedactedDatabaseError(Exception):
    """Stands in for a database error whose message could quote a customer's data."""


def _database_error(error: BaseException | None) -> StatementError | None:
    for _ in range(_CHAIN_LIMIT):
        if error is None:
            return None
        if isinstance(error, StatementError):
            return error
        error = error.__cause__ or error.__context__
    return None


def redacted(error: StatementError) -> RedactedDatabaseError:
    """The error as type, SQLSTATE and statement only."""
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "-"
    statement = " ".join(str(error.statement or "").split())[:300]
    return RedactedDatabaseError(f"{type(original).__name__} (SQLSTATE {state}) in [SQL: {statement}]")


class RedactDatabaseErrors(logging.Filter):
    """Handler filter: a record whose exception involves a database error keeps its traceback's frames
    (code, not values) but loses the messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's exception if needed; never drop a record."""
        if record.exc_info and record.exc_info[1] is not None:
            found = _database_error(record.exc_info[1])
            if found is not None:
                replacement = redacted(found)
                record.exc_info = (RedactedDatabaseError, replacement, record.exc_info[2])
                record.exc_text = None
        if record.args:
            record.args = tuple(
                redacted(arg) if isinstance(arg, StatementError) else arg
                for arg in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactDatabaseErrors) for f in handler.filters):
            handler.addFilter(RedactDatabaseErrors())
