"""The office's digital signature on verdict PDFs (PAdES baseline B-B) and the state of a file's signature.

The seal printed on a verdict stands for this signature: a PDF reader shows who signed the file, and any change
to the signed bytes breaks it. The key and certificate are read from ``VERDICT_SIGNING_KEY`` and
``VERDICT_SIGNING_CERT``; when neither is set, a self-signed demonstration certificate of the office is made once
under ``REVIEW_DATA_DIR/signing/`` (key file mode 0600).

Signing and validating are CPU work (tens of milliseconds): call them in a thread off the event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import hashlib
import io
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from review.core import settings
from review.core.clock import local_time
from review.core.kept import Kept

__all__ = [
    "FIELD_NAME",
    "SignatureState",
    "SigningMaterial",
    "ensure_signing_material",
    "sign_pdf",
    "signature_state",
]

FIELD_NAME = "OfficeSignature"
KEY_NAME = "office.key"
CERT_NAME = "office.crt"
DEMO_SUFFIX = "（演示证书）"


class SigningError(RuntimeError):
    """The signing key or certificate is missing or unusable (the message says which, in Chinese)."""


@dataclass(frozen=True)
class SigningMaterial:
    key: Path
    cert: Path
    created: bool  # True when this call made the demonstration certificate


@dataclass(frozen=True)
class SignatureState:
    """What /verify says about a file's signature."""

    state: str  # valid | untrusted | altered | unsigned | unreadable
    label: str
    signer: str = ""
    signed_at: datetime.datetime | None = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"

    @property
    def signed_at_text(self) -> str:
        """The signing time in Beijing time, as the verify page prints it."""
        return local_time(self.signed_at)

    def as_json(self) -> dict:
        return {
            "state": self.state,
            "label": self.label,
            "valid": self.valid,
            "signer": self.signer or None,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
        }


def _configured() -> tuple[Path, Path] | None:
    key = settings.VERDICT_SIGNING_KEY.strip()
    cert = settings.VERDICT_SIGNING_CERT.strip()
    if bool(key) != bool(cert):
        raise SigningError(
            "VERDICT_SIGNING_KEY 与 VERDICT_SIGNING_CERT 须同时设置（签名私钥与证书的文件路径）"
        )
    return (Path(key), Path(cert)) if key else None


def signing_dir() -> Path:
    return settings.DATA_DIR / "signing"


_create_lock = threading.Lock()


def ensure_signing_material(office: str = "成都市网络理政第三方评议办公室") -> SigningMaterial:
    """The key and certificate to sign with; makes the office's demonstration certificate if none is configured.

    The demonstration key and certificate are written into a temporary folder that is then renamed to
    ``signing/``: two processes starting at once end up with the same pair, never with one's key and the
    other's certificate.
    """
    configured = _configured()
    if configured is not None:
        key, cert = configured
        for path, name in ((key, "VERDICT_SIGNING_KEY"), (cert, "VERDICT_SIGNING_CERT")):
            if not path.is_file():
                raise SigningError(f"{name} 指向的文件不存在：{path}")
        return SigningMaterial(key, cert, created=False)
    folder = signing_dir()
    key, cert = folder / KEY_NAME, folder / CERT_NAME
    if key.is_file() and cert.is_file():
        return SigningMaterial(key, cert, created=False)
    with _create_lock:
        if key.is_file() and cert.is_file():
            return SigningMaterial(key, cert, created=False)
        if folder.exists():
            raise SigningError(
                f"签名目录 {folder} 已存在但缺少 {KEY_NAME} 或 {CERT_NAME}；请补齐或移走该目录"
            )
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".signing-"))
        try:
            key_pem, cert_pem = _demo_certificate(office)
            descriptor = os.open(staging / KEY_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(key_pem)
            (staging / CERT_NAME).write_bytes(cert_pem)
            try:
                os.rename(staging, folder)
            except OSError:
                if not (
                    key.is_file() and cert.is_file()
                ):  # another process won the race with a complete pair
                    raise
                return SigningMaterial(key, cert, created=False)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return SigningMaterial(key, cert, created=True)


def _demo_certificate(office: str) -> tuple[bytes, bytes]:
    """A self-signed certificate of the office (RSA 2048, ten years), fit for signing documents."""
    # lazy: cryptography and pyHanko load only when a file is signed or its signature checked
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "四川省"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "成都市"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, office),
            x509.NameAttribute(NameOID.COMMON_NAME, office + DEMO_SUFFIX),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    public_key = private_key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, hashes.SHA256())
    )
    key_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


_signers: Kept = Kept(4)
_states: Kept = Kept(1_000)


def _signer(material: SigningMaterial):
    """The pyHanko signer for the key and certificate (loaded again when either file changes)."""
    # lazy: cryptography and pyHanko load only when a file is signed or its signature checked
    from pyhanko.sign import signers

    stamp = (_stamp(material.key), _stamp(material.cert))
    signer = _signers.get(stamp)
    if signer is None:
        passphrase = settings.VERDICT_SIGNING_KEY_PASSPHRASE.encode() or None
        signer = signers.SimpleSigner.load(str(material.key), str(material.cert), key_passphrase=passphrase)
        if signer is None:
            raise SigningError(f"无法读取签名私钥或证书：{material.key}、{material.cert}")
        _signers.put(stamp, signer)
    return signer


def sign_pdf(pdf: bytes, *, office: str = "成都市网络理政第三方评议办公室") -> bytes:
    """The PDF with the office's signature added as an incremental update (PAdES B-B, SHA-256).

    The original bytes are kept as they are at the start of the result; the signature covers the whole file.
    """
    # lazy: cryptography and pyHanko load only when a file is signed or its signature checked
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(ensure_signing_material(office))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=office,
        reason="签发第三方评议意见书",
        location="四川省成都市",
    )
    # The field is created invisible: the printed seal is the visible sign; readers list the signature.
    out = _run_apart(
        lambda: signers.async_sign_pdf(
            writer, meta, signer=signer, new_field_spec=fields.SigFieldSpec(FIELD_NAME)
        )
    )
    return out.getvalue()


def _trust_roots():
    # lazy: cryptography and pyHanko load only when a file is signed or its signature checked
    from pyhanko.keys import load_cert_from_pemder

    return [load_cert_from_pemder(str(ensure_signing_material().cert))]


def signature_state(pdf: bytes) -> SignatureState:
    """Whether the file carries the office's intact signature over all of its bytes.

    Kept per file digest and certificate: a stored verdict is checked once per process.
    """
    try:
        cert_stamp = _stamp(ensure_signing_material().cert)
    except SigningError:
        cert_stamp = None
    key = (hashlib.sha256(pdf).hexdigest(), cert_stamp)
    found = _states.get(key)
    if found is None:
        found = _check(pdf)
        _states.put(key, found)
    return found


def _run_apart(make_coroutine):
    """Run pyHanko's coroutine to its end, in a thread of its own when this one already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _check(pdf: bytes) -> SignatureState:
    # lazy: cryptography and pyHanko load only when a file is signed or its signature checked
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return SignatureState("unreadable", "无法读取文件的签名：文件已损坏或不是 PDF")
    if not signatures:
        return SignatureState("unsigned", "文件没有电子签名")
    signature = signatures[-1]
    try:
        context = ValidationContext(trust_roots=_trust_roots(), allow_fetching=False)
    except SigningError:
        context = ValidationContext(trust_roots=[], allow_fetching=False)
    usage = KeyUsageConstraints(
        key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
    )
    try:
        status = _run_apart(
            lambda: async_validate_pdf_signature(signature, context, key_usage_settings=usage)
        )
    except Exception:  # noqa: BLE001 - a signature that cannot be evaluated (bad CMS, bad byte range) is broken
        return SignatureState("altered", "签名无效：文件在签名后被改动")
    signer = status.signing_cert.subject.native.get("common_name", "") if status.signing_cert else ""
    when = status.signer_reported_dt
    if not (status.intact and status.valid) or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureState("altered", "签名无效：文件在签名后被改动", signer, when)
    if not status.trusted:
        return SignatureState("untrusted", "签名完整，但签名证书不是评议办的证书", signer, when)
    return SignatureState("valid", "签名有效（评议办证书）", signer, when)
