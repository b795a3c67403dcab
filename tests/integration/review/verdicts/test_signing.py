"""The office's signature on verdict PDFs (PAdES B-B with pyHanko) and what /verify makes of a file's signature."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from review.core import settings
from review.verdicts import signing as verdict_signing
from review.verdicts.render import render_verdict_pdf
from tests.integration.review.verdicts.test_render import make_doc

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_verdict_pdf(make_doc())


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(settings, "VERDICT_SIGNING_KEY", "")
    monkeypatch.setattr(settings, "VERDICT_SIGNING_CERT", "")
    return tmp_path / "data"


def test_demo_certificate_is_made_once_with_a_private_key(data_dir: Path) -> None:
    first = verdict_signing.ensure_signing_material()
    assert first.created and first.key == data_dir / "signing" / "office.key"
    assert first.key.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "signing").stat().st_mode & 0o777 == 0o700
    again = verdict_signing.ensure_signing_material()
    assert not again.created and again.cert.read_bytes() == first.cert.read_bytes()
    cert = load_cert_from_pemder(str(first.cert))
    assert cert.subject.native["organization_name"] == "成都市网络理政第三方评议办公室"


def test_signed_pdf_validates_with_pyhanko_and_one_changed_byte_breaks_it(
    data_dir: Path, unsigned: bytes
) -> None:
    signed = verdict_signing.sign_pdf(unsigned)
    assert signed.startswith(unsigned)  # an incremental update: the rendered document is kept as it is
    material = verdict_signing.ensure_signing_material()
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(material.cert))])
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES

    state = verdict_signing.signature_state(signed)
    assert state.state == "valid" and state.label == "签名有效（评议办证书）"
    assert state.signer == "成都市网络理政第三方评议办公室（演示证书）" and state.signed_at is not None

    for offset in (len(unsigned) // 2, 200, len(unsigned) + 100):
        changed = bytearray(signed)
        changed[offset] ^= 0x01
        broken = verdict_signing.signature_state(bytes(changed))
        assert broken.state == "altered" and broken.label == "签名无效：文件在签名后被改动", offset
    trailer = bytearray(signed)
    trailer[-40] ^= 0x01  # the cross-reference data: the file no longer reads as a signed PDF
    assert not verdict_signing.signature_state(bytes(trailer)).valid
    appended = verdict_signing.signature_state(signed + b"\n1 0 obj\n(x)\nendobj\n")
    assert appended.state == "altered"


def test_other_states(
    data_dir: Path, unsigned: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert verdict_signing.signature_state(unsigned).state == "unsigned"
    assert verdict_signing.signature_state(unsigned).label == "文件没有电子签名"
    assert verdict_signing.signature_state(b"not a pdf").state == "unreadable"
    # signed by another certificate than the office's: intact, but not trusted
    signed = verdict_signing.sign_pdf(unsigned)
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "elsewhere")
    other = verdict_signing.signature_state(signed)
    assert other.state == "untrusted" and other.label == "签名完整，但签名证书不是评议办的证书"


def test_configured_certificate_must_exist(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(settings, "VERDICT_SIGNING_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(verdict_signing.SigningError, match="VERDICT_SIGNING_CERT"):
        verdict_signing.ensure_signing_material()
    monkeypatch.setattr(settings, "VERDICT_SIGNING_CERT", str(tmp_path / "missing.crt"))
    with pytest.raises(verdict_signing.SigningError, match="不存在"):
        verdict_signing.ensure_signing_material()
    assert not (data_dir / "signing").exists()  # a configured certificate is never replaced by a demo one


def test_configured_certificate_signs(
    data_dir: Path, unsigned: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = verdict_signing.ensure_signing_material()
    moved_key, moved_cert = data_dir / "real.key", data_dir / "real.crt"
    made.key.rename(moved_key)
    made.cert.rename(moved_cert)
    monkeypatch.setattr(settings, "VERDICT_SIGNING_KEY", str(moved_key))
    monkeypatch.setattr(settings, "VERDICT_SIGNING_CERT", str(moved_cert))
    assert verdict_signing.signature_state(verdict_signing.sign_pdf(unsigned)).valid
