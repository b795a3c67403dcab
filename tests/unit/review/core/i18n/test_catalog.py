"""The English catalog is complete: every message the sources hold (babel.cfg's extraction of the Python and
the templates) has an English translation that is not empty, not fuzzy, and keeps each placeholder."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from review.core import i18n

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[5]
SKIP = ("piccolo_migrations", ".venv", ".cache", "node_modules")


@pytest.fixture(scope="module")
def source_messages() -> dict[str, str]:
    """msgid → where it was found, as `pybabel extract -F babel.cfg` would list them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, str] = {}
    for path, line, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map,
            directory_filter=lambda dirname: not any(part in SKIP for part in Path(dirname).parts)):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, f"{path}:{line}")
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with i18n.po_path(locale).open("rb") as source:
        return read_po(source, locale=locale, abort_invalid=True)


def test_the_sources_hold_messages_at_all(source_messages: dict[str, str]) -> None:
    assert len(source_messages) > 500
    assert "页面不存在" in source_messages and "已办结" in source_messages  # a refusal and a status label


def test_every_message_has_an_english_translation(source_messages: dict[str, str]) -> None:
    english = {message.id: message for message in catalog("en") if message.id}
    missing = [f"{where}: {msgid}" for msgid, where in sorted(source_messages.items(), key=lambda item: item[1])
               if msgid not in english or not english[msgid].string or english[msgid].fuzzy]
    assert not missing, f"{len(missing)} message(s) without English (README, Languages):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders() -> None:
    broken = [f"{message.id!r} → {message.string!r}" for message in catalog("en")
              if message.id and isinstance(message.id, str)
              and sorted(i18n.PLACEHOLDER.findall(message.id)) != sorted(i18n.PLACEHOLDER.findall(message.string))]
    assert not broken, "\n".join(broken)


def test_english_reads_as_english() -> None:
    """No translation is left in Chinese, save what a message quotes: words the user types (是, 否, 至) and the
    name of the Chinese locale (中文)."""
    allowed = set("是否至中文")
    chinese = [f"{message.id!r} → {message.string!r}" for message in catalog("en")
               if message.id and any("\u4e00" <= ch <= "\u9fff" and ch not in allowed
                                     for ch in _outside_placeholders(message.string))]
    assert not chinese, "\n".join(chinese)


def _outside_placeholders(text: str) -> str:
    return i18n.PLACEHOLDER_WITH_BRACES.sub("", text)


def test_the_chinese_catalog_parses_and_needs_no_entries() -> None:
    """Chinese is the msgid: its catalog only says so; an entry in it would change what Chinese readers see."""
    assert [message.id for message in catalog("zh_Hans") if message.id and message.string] == []
