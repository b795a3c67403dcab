"""Personal data removed from every output meant for others (DESIGN §8), following 法释〔2016〕19号.

A private person keeps the surname and gets 某 for the given name (several with one surname: 张某甲, 张某乙);
phone and ID numbers, bank cards, licence plates, e-mail, WeChat and QQ ids and addresses below the community are
removed in every written form; officials named by title (王局长) and organisations stay, and so do window and
document numbers, floors, amounts, dates, case and ticket numbers. What the platform holds about a case's people
is replaced exactly first (`masking`), the shapes after (`detectors`); `scan.find_leaks` reports what masking
would remove, for the leak gate; `logs` keeps the shapes out of log records.

The detectors are written here rather than taken from a library: the Chinese PII packages on PyPI are either
single young releases (helan 0.1.0), need a newer Python than this one (cn-pii-anonymization), or load NER
models (presidio, hanlp); and those that detect ID and card numbers accept only valid check digits, where a
mistyped number is still someone's and must go.
"""

from review.core.privacy.detectors import (
    ACCOUNT,
    ADDRESS,
    BANK_CARD,
    EMAIL,
    HOUSE,
    ID_NUMBER,
    KINDS,
    PHONE,
    PLATE,
)
from review.core.privacy.masking import Complainant, find, mask_case_row, mask_text, masker
from review.core.privacy.names import COMPOUND_SURNAMES, mask_name
from review.core.privacy.scan import Leak, find_leaks

__all__ = [
    "ACCOUNT",
    "ADDRESS",
    "BANK_CARD",
    "COMPOUND_SURNAMES",
    "EMAIL",
    "HOUSE",
    "ID_NUMBER",
    "KINDS",
    "PHONE",
    "PLATE",
    "Complainant",
    "Leak",
    "find",
    "find_leaks",
    "mask_case_row",
    "mask_name",
    "mask_text",
    "masker",
]
