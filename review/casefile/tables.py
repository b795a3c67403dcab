"""The parties' additions to a case file (the `review` Piccolo app): statements, and the files that came with
them, each file's bytes kept once under their SHA-256."""

from __future__ import annotations

from piccolo.columns import Boolean, Bytea, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from review.core.tables import Case


class CaseAddition(Table, tablename="case_addition"):
    """补充材料: what one party added to the case file at one time: a statement, files, or both."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=Case, index=True)
    party = Varchar(length=16, help_text="complainant / department / office")
    statement = Text(default="")
    statement_sha256 = Varchar(length=64, default="", help_text="SHA-256 of the statement (UTF-8), as audited")
    after_scoring = Boolean(default=False, help_text="Added once the panel had started scoring (评分开始后提交)")
    added_at = Timestamptz()
    added_by = Integer(null=True, default=None, help_text="The account that added it; none for the complainant")


class CaseAttachment(Table, tablename="case_attachment"):
    """附件: one file of an addition. The bytes are in `case_blob` under `sha256`; the row says what the file is."""

    id = Serial(primary_key=True)
    addition = ForeignKey(references=CaseAddition, index=True)
    case = ForeignKey(references=Case, index=True)
    filename = Varchar(length=255, help_text="As shown and sent back (review.core.file_kinds.clean_name)")
    content_type = Varchar(length=128, help_text="The kind found in the content, not the type the client declared")
    size = Integer(help_text="Bytes, as kept (an image after re-encoding)")
    sha256 = Varchar(length=64, index=True, help_text="The bytes' key in case_blob")
    re_encoded = Boolean(default=False, help_text="An image drawn again from its pixels, metadata dropped")


class CaseBlob(Table, tablename="case_blob"):
    """The bytes of case files, content-addressed: one row per SHA-256, however many attachments name it.

    Kept in the database (BYTEA on PostgreSQL, a BLOB on SQLite) like redo files, so an addition and its files
    are written in one transaction: a refused or rolled-back addition leaves nothing behind, the database's
    backup holds them, and every web process reads them without a shared volume. Lists never select `content`."""

    id = Serial(primary_key=True)
    sha256 = Varchar(length=64, unique=True)
    size = Integer()
    content = Bytea()


TABLES: list[type[Table]] = [CaseAddition, CaseAttachment, CaseBlob]
