"""提取码: access codes are random enough, forgiving to type, and compared only as hashes."""

from __future__ import annotations

import hashlib
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.core.secrets import (
    ALPHABET,
    LENGTH,
    code_matches,
    hash_code,
    hash_token,
    new_access_code,
    new_token,
    normalise,
)

pytestmark = pytest.mark.unit

CODE_FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$")
CODE = "7K3M-Q9XD-2HFA-8RWN"

_codes = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)


def test_alphabet_is_crockford_base32() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert set(ALPHABET) == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") - set("ILOU")


def test_new_access_code_carries_at_least_80_bits() -> None:
    assert LENGTH * math.log2(len(ALPHABET)) >= 80


def test_new_access_code_has_four_groups_of_four() -> None:
    for _ in range(200):
        code = new_access_code()

        assert CODE_FORMAT.match(code), code
        assert len(normalise(code)) == LENGTH


def test_new_access_code_uses_only_the_alphabet() -> None:
    seen = set("".join(normalise(new_access_code()) for _ in range(500)))

    assert seen <= set(ALPHABET)
    # 8,000 draws from 32 symbols: a symbol never drawn would mean the alphabet is not fully used.
    assert seen == set(ALPHABET)


def test_new_access_code_ten_thousand_all_distinct() -> None:
    codes = [new_access_code() for _ in range(10_000)]

    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "typed",
    [
        "7k3m-q9xd-2hfa-8rwn",
        "7K3MQ9XD2HFA8RWN",
        "7K3M Q9XD 2HFA 8RWN",
        " 7k3m q9xd-2hfa 8rwn ",
        "7K3M--Q9XD—2HFA_8RWN",
    ],
)
def test_normalise_accepts_case_spaces_and_dashes(typed: str) -> None:
    assert normalise(typed) == "7K3MQ9XD2HFA8RWN"


def test_normalise_reads_letter_o_as_zero_and_i_l_as_one() -> None:
    assert normalise("oO0-iIlL1") == "000" + "11111"


def test_normalise_accepts_full_width_characters() -> None:
    # Chinese phone keyboards often type full-width letters and digits (７Ｋ３Ｍ); they mean the same code.
    assert normalise("７ｋ３ｍ－Ｑ９ＸＤ　２ＨＦＡ－８ＲＷＮ") == "7K3MQ9XD2HFA8RWN"


@given(_codes)
def test_normalise_is_idempotent_on_valid_codes(raw: str) -> None:
    grouped = "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))

    assert normalise(grouped) == raw
    assert normalise(normalise(grouped)) == raw


def test_hash_code_is_stable_sha256_of_normalised_code() -> None:
    expected = hashlib.sha256(b"7K3MQ9XD2HFA8RWN").hexdigest()

    assert hash_code(CODE) == expected
    assert hash_code(CODE.lower().replace("-", " ")) == expected


def test_hash_code_does_not_contain_the_code() -> None:
    assert normalise(CODE) not in hash_code(CODE)
    assert re.fullmatch(r"[0-9a-f]{64}", hash_code(CODE))


@given(_codes, _codes)
def test_hash_code_differs_for_different_codes(a: str, b: str) -> None:
    assert (hash_code(a) == hash_code(b)) == (a == b)


@pytest.mark.parametrize("typed", [CODE, CODE.lower(), CODE.replace("-", ""), "7k3m q9xd 2hfa 8rwn"])
def test_code_matches_accepts_any_typing_of_the_code(typed: str) -> None:
    assert code_matches(typed, hash_code(CODE))


@pytest.mark.parametrize(
    "typed",
    ["7K3M-Q9XD-2HFA-8RWM", "7K3M-Q9XD-2HFA", "", "7K3M-Q9XD-2HFA-8RWN-0"],
)
def test_code_matches_refuses_other_codes(typed: str) -> None:
    assert not code_matches(typed, hash_code(CODE))


def test_code_matches_refuses_the_hash_itself_and_malformed_hashes() -> None:
    stored = hash_code(CODE)

    assert not code_matches(stored, stored)
    assert not code_matches(CODE, stored.upper())
    assert not code_matches(CODE, stored[:-1])
    assert not code_matches(CODE, "")


@given(_codes, st.integers(min_value=0, max_value=63))
def test_code_matches_refuses_a_hash_differing_in_one_position(raw: str, position: int) -> None:
    stored = hash_code(raw)
    flipped = "0" if stored[position] != "0" else "1"
    tampered = stored[:position] + flipped + stored[position + 1 :]

    assert code_matches(raw, stored)
    assert not code_matches(raw, tampered)


def test_new_token_is_long_random_and_stored_as_sha256() -> None:
    tokens = {new_token() for _ in range(1_000)}

    assert len(tokens) == 1_000
    assert all(len(t) >= 43 for t in tokens)
    token = next(iter(tokens))
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
