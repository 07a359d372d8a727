"""Database helpers that every domain may use."""
import json
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.db.models import CharField, Field, Func, Lookup


@contextmanager
def written_join_order():
    """Queries in the block join their tables in the order they are written (PostgreSQL's
    ``join_collapse_limit = 1``): for a row and the rows it references by primary key, the
    order written is the best one, and searching for another costs more than running the
    query (5 ms to plan a VM with its eight references, 0.4 ms in the written order).
    Elsewhere the setting is left as it was."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")
        except DatabaseError:
            pass  # an aborted transaction: its rollback takes the SET back with it


class UuidText(Func):
    """A UUID column read as its text (``8-4-4-4-12``), without a ``uuid.UUID`` made of it and
    formatted again: a list of 10,000 VMs reads 100,000 of them."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra)

    def as_sqlite(self, compiler, connection, **extra):  # stored as 32 hex digits
        return self.as_sql(compiler, connection, template=(
            "substr(%(expressions)s, 1, 8) || '-' || substr(%(expressions)s, 9, 4) || '-' || "
            "substr(%(expressions)s, 13, 4) || '-' || substr(%(expressions)s, 17, 4) || '-' || "
            "substr(%(expressions)s, 21, 12)"), **extra)


@Field.register_lookup
class AnyOf(Lookup):
    """``pk__anyof=[...]``: one array parameter however many values (PostgreSQL's
    ``= ANY(%s)``, SQLite's ``json_each``), where ``__in`` binds each value on its own."""

    lookup_name = "anyof"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(list(self.rhs))]
