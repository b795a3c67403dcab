"""Reading an imported table: a file that is not there is refused as bad input naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.core.errors import Invalid
from review.core.spreadsheets import read_table


def test_a_missing_file_is_invalid_input_naming_it(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as refused:
        next(read_table(tmp_path / "cases.csv"))

    assert refused.value.code == "file_not_found" and "cases.csv" in refused.value.message
