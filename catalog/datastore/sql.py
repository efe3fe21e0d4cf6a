"""The guard in front of ``datastore_search_sql``: one read-only SELECT over resource tables, nothing else.

The SQL is parsed with sqlglot (DuckDB dialect) and must be exactly one SELECT (WITH and UNION/INTERSECT/
EXCEPT of SELECTs included). Every table it reads must be a resource id (``"<uuid>"``, as in CKAN); CTE
references are resolved per scope, so a CTE cannot smuggle a system view in under its own name. Every
function must be on ``ALLOWED_FUNCTIONS``; table functions (``read_csv``, ``glob``, ``query`` …) never are.
What runs is the SQL *regenerated from the checked tree*, never the text sent, so a construct sqlglot and
DuckDB parse differently cannot slip past. Behind this, the engine's database has external access disabled
and its settings locked (``catalog.datastore``).

Errors follow CKAN (``backend/postgres.py::search_sql``): system tables and functions off the allowlist are
403 ``NotAuthorized``; everything else is 409 ``{"query": [why]}``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.optimizer.scope import traverse_scope

from catalog.datastore import limits
from catalog.datastore.db import SCHEMA
from catalog.errors import NotAuthorized, ValidationError

SYSTEM_PREFIXES = ("pg_", "duckdb_", "sqlite_", "pragma_", "information_schema")

ALLOWED_FUNCTIONS = frozenset("""
count sum avg min max median mode stddev stddev_pop stddev_samp variance var_pop var_samp string_agg listagg
array_agg list first last any_value arg_min arg_max count_if bool_and bool_or approx_count_distinct
quantile_cont quantile_disc corr covar_pop covar_samp regr_slope regr_intercept regr_r2 histogram
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
lower upper length char_length strlen concat concat_ws substring substr left right trim ltrim rtrim replace
reverse repeat lpad rpad split_part str_split string_split strpos position instr contains starts_with
ends_with prefix suffix regexp_matches regexp_replace regexp_extract regexp_full_match format printf
md5 nfc_normalize strip_accents ascii chr unicode translate like_escape ilike_escape
abs ceil ceiling floor round trunc sqrt cbrt power pow exp ln log log2 log10 sign mod greatest least pi
radians degrees sin cos tan asin acos atan atan2 even
date_part datepart date_trunc datetrunc extract year month day dayofweek dayofyear dayofmonth week weekofyear
quarter hour minute second millisecond isodow isoyear yearweek dayname monthname last_day strftime
strptime make_date make_time make_timestamp date_diff datediff date_sub date_add age epoch epoch_ms
to_timestamp current_date now
coalesce nullif ifnull cast try_cast exists
list_value array_length array_contains list_contains list_extract array_extract len unnest
json_extract json_extract_string
case if array struct bracket currentdate jsonextract jsonextractscalar dateadd datesub timestampadd
""".split())

_FORBIDDEN = tuple(getattr(exp, name) for name in (
    "Command", "Pragma", "Set", "Copy", "Attach", "Detach", "Insert", "Update", "Delete", "Merge", "Create",
    "Drop", "Alter", "Use", "Describe", "Summarize", "Show", "Transaction", "Commit", "Rollback", "Install",
    "Placeholder", "Parameter", "Into", "LoadData") if hasattr(exp, name))
_SYSTEM_SCHEMAS = ("information_schema", "pg_catalog", "main", "temp", "system", "memory", SCHEMA)
_CALL = re.compile(r"\s*([A-Za-z_]\w*)\s*\(")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard: the SQL to run and the resource ids it reads."""

    sql: str
    tables: tuple[str, ...]


def check(sql: str, resolve=None) -> CheckedQuery:
    """Parse and check ``sql``; raise ``ValidationError``/``NotAuthorized`` with CKAN's shapes. ``resolve(name)``
    maps a table name (a DataStore alias) to the resource id it stands for."""
    if not isinstance(sql, str) or not sql.strip():
        raise ValidationError({"sql": ["Missing value"]})
    if len(sql) > limits.SQL_MAX_CHARS:
        raise _invalid(f"Query is longer than {limits.SQL_MAX_CHARS} characters.")
    if _nesting(sql) > limits.SQL_MAX_NESTING:
        raise _invalid(f"Query is nested deeper than {limits.SQL_MAX_NESTING} parentheses.")
    try:
        tree = _single_select(sql)
        _check_functions(tree)
        tables = _tables(tree, resolve)
        _name_columns_as_postgres(tree)
        _bound_string_growth(tree)
        return CheckedQuery(tree.sql(dialect="duckdb"), tuple(dict.fromkeys(tables)))
    except RecursionError:  # deep without parentheses (CASE in CASE, long operator chains): too deep all the same
        raise _invalid("Query is nested too deeply.") from None


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def _nesting(sql: str) -> int:
    """The deepest parenthesis nesting outside quoted strings and identifiers."""
    depth = deepest = 0
    for char in _QUOTED.sub("", sql):
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _invalid(message: str) -> ValidationError:
    return ValidationError({"query": [message]})


def _single_select(sql: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except (ParseError, TokenError) as exc:
        raise _invalid(f"syntax error: {_first_error(exc)}") from None
    if len(statements) != 1:
        raise _invalid("Query is not a single statement.")
    tree = statements[0]
    if not isinstance(tree, (exp.Select, exp.SetOperation)):
        keyword = tree.this if isinstance(tree, exp.Command) else tree.key  # LOAD, CALL…: sqlglot's "Command"
        raise _invalid(f"Only SELECT statements are allowed, not {str(keyword).upper()}.")
    bad = next((n for n in tree.walk() if isinstance(n, _FORBIDDEN)), None)
    if bad is not None:
        raise _invalid(f"{bad.key.upper()} is not allowed in a query.")
    return tree


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        first = errors[0]
        return f"{first.get('description')} at line {first.get('line')}, column {first.get('col')}"
    return str(exc).splitlines()[0]


def _tables(tree: exp.Expression, resolve=None) -> list[str]:
    """The resource ids the query reads, each rewritten in ``tree`` to its schema-qualified table.

    CTE references stay unqualified: should sqlglot and DuckDB ever disagree about what a name refers to,
    an unqualified name can only reach DuckDB's search path (system views, refused by name), never a
    resource table, which lives in a schema off that path.
    """
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Func):
            raise NotAuthorized(f"Not authorized to call function {_function_name(table.this)}")
        if _is_system(table.name) or _is_system(table.args.get("db") and table.args["db"].name or ""):
            raise NotAuthorized("Not authorized to access system tables")
        if table.args.get("db") is not None or table.args.get("catalog") is not None:
            raise _invalid(f'relation "{table.sql(dialect="duckdb")}" does not exist')
    real: list[exp.Table] = []
    seen: set[int] = set()
    for scope in traverse_scope(tree):
        for table in scope.tables:
            if scope.sources.get(table.alias_or_name) is table:
                real.append(table)
            seen.add(id(table))
    if any(id(t) not in seen for t in tree.find_all(exp.Table)):
        raise _invalid("Query uses a construct the DataStore cannot check.")
    for table in real:
        table.set("this", exp.to_identifier(resolve(table.name) if resolve else table.name, quoted=True))
        table.set("db", exp.to_identifier(SCHEMA))
    return [t.name for t in real]


def _bound_string_growth(tree: exp.Expression) -> None:
    """``repeat``/``lpad``/``rpad`` make one value as long as they are told: past ``MAX_VALUE_CHARS`` the query
    fails (DuckDB's ``error()``) before DuckDB builds a vector of 2048 such values."""
    cap = limits.SQL_MAX_VALUE_CHARS
    for node in list(tree.find_all(exp.Repeat, exp.Pad)):
        key = "times" if isinstance(node, exp.Repeat) else "expression"
        count = node.args[key]
        size = exp.Mul(this=exp.Anonymous(this="length", expressions=[node.this.copy()]), expression=count.copy()) \
            if isinstance(node, exp.Repeat) else count.copy()
        name = "repeat" if isinstance(node, exp.Repeat) else "lpad" if node.args.get("is_left") else "rpad"
        fail = exp.Anonymous(this="error", expressions=[exp.Literal.string(f"{name} longer than {cap} characters")])
        node.set(key, exp.Case(ifs=[exp.If(this=exp.GT(this=size, expression=exp.Literal.number(cap)), true=fail)],
                               default=count.copy()))


def _is_system(name: str) -> bool:
    return name.lower().startswith(SYSTEM_PREFIXES) or name.lower() in _SYSTEM_SCHEMAS


def _check_functions(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Func):
        name = _function_name(node)
        if name not in ALLOWED_FUNCTIONS:
            raise NotAuthorized(f"Not authorized to call function {name}")


def _name_columns_as_postgres(tree: exp.Expression) -> None:
    """Give unnamed result columns PostgreSQL's names: ``count(*)`` is ``count``, not DuckDB's ``count_star()``.

    Clients written against CKAN read ``records[0]["count"]``. PostgreSQL names a function call after the
    function, a cast after its operand (or its type), anything else ``?column?``; the first SELECT of a
    UNION names the columns.
    """
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select):
        return
    for i, projection in enumerate(select.expressions):
        if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            continue
        select.expressions[i] = exp.alias_(projection, _postgres_name(projection), quoted=True)


def _postgres_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Cast):
        return node.this.name if isinstance(node.this, exp.Column) else node.to.sql(dialect="postgres").lower()
    if isinstance(node, (exp.Case, exp.If)):
        return "case"
    if isinstance(node, exp.Func) and not isinstance(node, (exp.Array, exp.Struct)):
        return _function_name(node)
    return "?column?"


def _function_name(node: exp.Func) -> str:
    """The name DuckDB will see: the call as sqlglot writes it for DuckDB (``TimeToStr`` -> ``strftime``)."""
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    match = _CALL.match(node.sql(dialect="duckdb"))
    return match.group(1).lower() if match else type(node).__name__.lower()
