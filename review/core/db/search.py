"""Keyword search in the cases' complaint and reply text: each engine's index and its match clause.

PostgreSQL: `pg_trgm` and a GIN index over `content || ' ' || reply` (the migration creates both), searched with
LIKE '%…%', which the index serves for keywords of 3 characters or more (Chinese characters count one each: the
C.UTF-8 locale takes CJK for letters). SQLite: an FTS5 table with the trigram tokenizer over the same two
columns, an external-content table kept in step with `review_case` by triggers, searched with a quoted phrase.
Both find a keyword inside a word, as Chinese text needs (no word breaks); below 3 characters neither index
helps, and callers narrow the cases first (`review.cases.queries.lists`).
"""

from __future__ import annotations

from review.core.db import dialect

MIN_INDEXED = 3  # characters a trigram index needs

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    ("CREATE INDEX IF NOT EXISTS review_case_text_trgm ON review_case"
    " USING gin (((content || ' '::text) || reply) gin_trgm_ops)"),
    # The published rulings' keyword search (review.publication.queries), over the masked summary and reasoning;
    # on SQLite their search reads the rows a filter leaves.
    ("CREATE INDEX IF NOT EXISTS published_ruling_text_trgm ON published_ruling"
    " USING gin (((summary || ' '::text) || reasoning) gin_trgm_ops)"),
]

SQLITE = [
    ("CREATE VIRTUAL TABLE IF NOT EXISTS review_case_text USING fts5(content, reply, content='review_case',"
    " content_rowid='id', tokenize='trigram')"),
    ("CREATE TRIGGER IF NOT EXISTS review_case_text_ai AFTER INSERT ON review_case BEGIN"
    " INSERT INTO review_case_text (rowid, content, reply) VALUES (new.id, new.content, new.reply); END"),
    ("CREATE TRIGGER IF NOT EXISTS review_case_text_ad AFTER DELETE ON review_case BEGIN"
    " INSERT INTO review_case_text (review_case_text, rowid, content, reply)"
    " VALUES ('delete', old.id, old.content, old.reply); END"),
    ("CREATE TRIGGER IF NOT EXISTS review_case_text_au AFTER UPDATE OF content, reply ON review_case BEGIN"
    " INSERT INTO review_case_text (review_case_text, rowid, content, reply)"
    " VALUES ('delete', old.id, old.content, old.reply);"
    " INSERT INTO review_case_text (rowid, content, reply) VALUES (new.id, new.content, new.reply); END"),
    # A database made before the index (or its cases loaded without the triggers) is indexed once, here.
    ("INSERT INTO review_case_text (review_case_text) SELECT 'rebuild'"
    " WHERE (SELECT COUNT(*) FROM review_case_text_docsize) <> (SELECT COUNT(*) FROM review_case)"),
]


def statements(engine_type: str) -> list[str]:
    """The engine's search index, as statements that may run again (the schema's `all_indexes`)."""
    return list(SQLITE if engine_type == "sqlite" else POSTGRES)


def _like(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def keyword_clause(alias: str = "c") -> str:
    """A condition on `alias` (a review_case row) with one placeholder: its text holds the keyword (≥ 3
    characters, the index's reach); its argument is `keyword_argument(keyword)`."""
    if dialect.is_sqlite():
        return f"{alias}.id IN (SELECT rowid FROM review_case_text WHERE review_case_text MATCH {{}})"
    return f"(({alias}.content || ' '::text) || {alias}.reply) LIKE {{}} ESCAPE '\\'"


def keyword_argument(keyword: str) -> str:
    if dialect.is_sqlite():
        return '"' + keyword.replace('"', '""') + '"'
    return _like(keyword)


def short_keyword_clause(alias: str = "c") -> str:
    """A condition with two placeholders (both `short_keyword_argument`): the complaint or the reply holds a
    keyword too short for the index, read row by row, so only over cases already narrowed."""
    return f"({alias}.content LIKE {{}} ESCAPE '\\' OR {alias}.reply LIKE {{}} ESCAPE '\\')"


def short_keyword_argument(keyword: str) -> str:
    return _like(keyword)
