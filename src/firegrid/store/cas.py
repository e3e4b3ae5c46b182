"""Compare-and-set on one row: the update happens only if the row still holds what the caller read.

Racing requests (two verdicts on one task, two decisions on one proposal) each read the row, check it
and then write; the write is ``UPDATE ... WHERE id = ? AND <column> = <value read> ...``, so exactly
one of them changes the row and the others learn that it changed meanwhile (rowcount 0). On
PostgreSQL the losing UPDATE waits for the winner's row lock and re-checks the new row; on SQLite the
write lock serialises the transactions the same way.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value


def compare_and_set(session: Session, row: Any, expected: dict[str, Any], values: dict[str, Any]) -> bool:
    """Write ``values`` to ``row`` if its columns still equal ``expected``; True when it did (the
    object then holds the new values), False when another transaction changed it first (the object
    is refreshed from the database)."""
    table = type(row)
    keys = [(column.key, getattr(row, column.key)) for column in table.__mapper__.primary_key]
    conditions = [getattr(table, k) == v for k, v in keys + list(expected.items())]
    result = session.execute(
        update(table).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        session.refresh(row)
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True
