"""Verdicts through the real pipeline: verification (valid, superseded, withdrawn, tampered), hostile complaint
text, bulk issuance with its progress and ZIP. PDFs are checked from the stored files themselves."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import resource
import socket
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest

from review.cases import services as cases
from review.convening.services import convene_panel
from review.core import db
from review.core.actors import Actor
from review.core.audit import store as audit
from review.core.tables import AuditEvent
from review.rulings.services.deliberation import issue_ruling
from review.verdicts import bulk as bulk_issuance
from review.verdicts import services as verdicts
from review.verdicts.tables import Verdict
from tests import factories
from tests.conftest import run_jobs
from tests.integration.panel_helpers import csrf_of

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]


async def scored_case(office: Actor, **payload: object) -> str:
    """A case scored by its whole panel, scoring closed and the reasoning signed: ready to issue."""
    from review.rulings.services.deliberation import (
        add_dissent,
        close_scoring,
        save_reasoning,
        sign_reasoning,
    )
    from review.rulings.services.sheets import submit_sheet
    from tests.integration.scoring_helpers import accept_invitations, seated_now

    number, _ = await factories.case(**payload)
    await cases.screen_case(number=number, actor=office, accept=True)
    await convene_panel(number=number, actor=office)
    await accept_invitations(number)
    members = await seated_now(number)
    for member in members:
        await submit_sheet(number=number, actor=member, scores=factories.full_scores(2))
    await close_scoring(number=number, actor=office)
    chair = await factories.chair_of(number)
    await save_reasoning(number=number, actor=chair, reasoning="评议组经合议认为承办单位未到现场核查。")
    other = next(m for m in members if m.user_id != chair.user_id)
    await add_dissent(number=number, actor=other, text="本人认为承办单位已尽到说明义务。")
    await sign_reasoning(number=number, actor=chair)
    return number


async def issued_verdict(office: Actor, **payload: object) -> tuple[str, dict]:
    number = await scored_case(office, **payload)
    await issue_ruling(number=number, actor=office)
    await run_jobs()
    case_id = (await cases.Case.select(cases.Case.id).where(cases.Case.number == number).first().run())["id"]
    return number, await verdicts.for_case(case_id)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


async def test_verify_valid_then_tampered_then_withdrawn_web_and_api() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office)
    code = verdict["code"]
    full = verdicts.stored_path(verdict["full_sha256"]).read_bytes()
    public = verdicts.stored_path(verdict["public_sha256"]).read_bytes()
    tampered = bytearray(full)
    tampered[len(tampered) // 2] ^= 0x01

    async with factories.client() as http:
        page = await http.get(f"/verify/{code}")
        api = await http.get(f"/api/v1/verdicts/{code}")
        ok = await http.post(f"/api/v1/verdicts/{code}/verify", content=public)
        bad = await http.post(f"/api/v1/verdicts/{code}/verify", content=bytes(tampered))
        by_hash = await http.get(f"/api/v1/verdicts/{code}", params={"sha256": verdict["full_sha256"]})
        csrf = csrf_of(page)
        web_bad = await http.post(f"/verify/{code}", data={"csrf_token": csrf},
                                  files={"file": ("v.pdf", bytes(tampered), "application/pdf")})
        web_ok = await http.post(f"/verify/{code}", data={"csrf_token": csrf},
                                 files={"file": ("v.pdf", full, "application/pdf")})
        public_pdf = await http.get(f"/verify/{code}/public.pdf")

    assert page.status_code == 200
    assert "有效" in page.text and verdict["full_sha256"] in page.text and verdict["public_sha256"] in page.text
    assert f"/verify/{code}/public.pdf" in page.text
    assert api.json()["status"] == "valid"
    assert api.json()["full_sha256"] == verdict["full_sha256"]
    assert ok.json()["matches"] == "public" and ok.json()["authentic"] is True
    assert bad.json()["matches"] is None and bad.json()["authentic"] is False
    assert by_hash.json()["matches"] == "full"
    assert "可能已被篡改" in web_bad.text and "未被篡改" not in web_bad.text
    assert "文件与正本一致" in web_ok.text
    assert public_pdf.content == public

    async with factories.client(Authorization=f"Bearer {await _token(office)}") as http:
        missing = await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": " "})
        done = await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": "送达前发现案情摘要有误"})
        again = await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": "再次撤销"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "reason"
    assert done.json() == {"status": "withdrawn"}
    assert again.status_code == 409

    async with factories.client() as http:
        page = await http.get(f"/verify/{code}")
        api = await http.get(f"/api/v1/verdicts/{code}")
        gone = await http.get(f"/verify/{code}/public.pdf")
    assert "已撤销" in page.text and "送达前发现案情摘要有误" in page.text
    assert api.json()["status"] == "withdrawn" and api.json()["public_pdf"] is None
    assert gone.status_code == 404
    event = await AuditEvent.select().where(AuditEvent.action == "verdict_withdrawn").first().run()
    assert event["reason"] == "送达前发现案情摘要有误" and event["actor"] == office.label
    _, problem = await audit.verify()
    assert problem is None


async def test_both_files_are_signed_and_verify_reports_the_signature_web_and_api() -> None:
    """The stored files carry the office's PAdES signature; /verify shows its state beside each hash, and for an
    uploaded file the hash match and the signature's state: a one-byte change breaks both."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from review.verdicts import signing as verdict_signing

    office = await factories.account("office")
    await factories.roster()
    _, verdict = await issued_verdict(office)
    code = verdict["code"]
    material = verdict_signing.ensure_signing_material()
    assert material.key.stat().st_mode & 0o777 == 0o600
    files = {version: verdicts.stored_path(verdict[f"{version}_sha256"]).read_bytes() for version in ("full", "public")}
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(material.cert))])
    for pdf in files.values():
        (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
        status = await async_validate_pdf_signature(signature, context)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.coverage.name == "ENTIRE_FILE"
    # the digest recorded (and shown by /verify) is the one of the signed bytes
    assert {v: hashlib.sha256(b).hexdigest() for v, b in files.items()} == {
        "full": verdict["full_sha256"], "public": verdict["public_sha256"]}
    tampered = bytearray(files["full"])
    tampered[len(tampered) // 3] ^= 0x01

    async with factories.client() as http:
        page = await http.get(f"/verify/{code}")
        api = await http.get(f"/api/v1/verdicts/{code}")
        ok = await http.post(f"/api/v1/verdicts/{code}/verify", content=files["full"])
        bad = await http.post(f"/api/v1/verdicts/{code}/verify", content=bytes(tampered))
        csrf = csrf_of(page)
        web_ok = await http.post(f"/verify/{code}", data={"csrf_token": csrf},
                                 files={"file": ("v.pdf", files["public"], "application/pdf")})
        web_bad = await http.post(f"/verify/{code}", data={"csrf_token": csrf},
                                  files={"file": ("v.pdf", bytes(tampered), "application/pdf")})

    assert page.text.count("电子签名：签名有效（评议办证书）") == 2
    assert api.json()["full_signature"]["state"] == "valid" and api.json()["public_signature"]["valid"] is True
    assert ok.json()["matches"] == "full" and ok.json()["signature"]["label"] == "签名有效（评议办证书）"
    assert bad.json()["matches"] is None and bad.json()["signature"]["state"] == "altered"
    assert bad.json()["signature"]["label"] == "签名无效：文件在签名后被改动"
    assert "文件与公开版一致" in web_ok.text and "所传文件的电子签名：签名有效（评议办证书）" in web_ok.text
    assert "可能已被篡改" in web_bad.text and "所传文件的电子签名：签名无效：文件在签名后被改动" in web_bad.text


async def _token(actor: Actor) -> str:
    from review.accounts.services import auth

    return await auth.issue_token(actor)


async def test_member_cannot_withdraw_and_anonymous_cannot_start_bulk() -> None:
    office = await factories.account("office")
    await factories.roster()
    number, verdict = await issued_verdict(office)
    member = (await factories.seated_members(number))[0]
    async with factories.client(Authorization=f"Bearer {await _token(member)}") as http:
        withdraw = await http.post(f"/api/v1/cases/{number}/verdict/withdraw", json={"reason": "x"})
        bulk = await http.post("/api/v1/verdicts/bulk", json={"all_ready": True})
    async with factories.client() as http:
        anonymous = await http.get("/api/v1/verdicts/bulk/1")
    assert withdraw.status_code == 403 and bulk.status_code == 403 and anonymous.status_code == 401
    assert (await verdicts.for_case(verdict["case"]))["status"] == "valid"


async def test_superseded_verdict_points_at_its_replacement() -> None:
    office = await factories.account("office")
    await factories.roster()
    _, old = await issued_verdict(office)
    _, new = await issued_verdict(office)  # stands in for the reconsideration's new ruling and verdict

    for _ in range(2):  # retried: the second is a no-op
        async with db.transaction():
            await verdicts.supersede(old_ruling_id=old["ruling_id"], new_ruling_id=new["ruling_id"])

    async with factories.client() as http:
        page = await http.get(f"/verify/{old['code']}")
        api = (await http.get(f"/api/v1/verdicts/{old['code']}")).json()
        still = await http.post(f"/api/v1/verdicts/{old['code']}/verify",
                                content=verdicts.stored_path(old["full_sha256"]).read_bytes())
    assert "已被复议结论取代" in page.text and new["number"] in page.text and f"/verify/{new['code']}" in page.text
    assert api["status"] == "superseded" and api["superseded_by"] == {"number": new["number"], "code": new["code"]}
    assert still.json()["matches"] == "full"  # the file is genuine; its status says it no longer stands
    assert await AuditEvent.count().where(AuditEvent.action == "verdict_superseded").run() == 1


class _Listener:
    """A TCP port that records every connection: proof that the renderer fetched nothing from it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.sock.close()


async def test_hostile_complaint_through_pipeline_fetches_nothing_and_stays_bounded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MARKER-4711", encoding="utf-8")
    listener = _Listener()
    url = f"http://127.0.0.1:{listener.port}"
    hostile = (
        f'<img src="{url}/x.png"><link rel="attachment" href="{secret.as_uri()}">'
        f'<link rel="stylesheet" href="{url}/evil.css"><a href="{secret.as_uri()}">详情</a>'
        f'<style>@import url({url}/i.css); body {{ background: url({secret.as_uri()}) }}</style>'
        f'<iframe src="{secret.as_uri()}"></iframe><object data="{url}/o"></object>'
        f'<svg><image href="{url}/s.png"/></svg>'
    )
    content = (hostile + "诉求人反映噪声扰民问题。" * 40)
    content = (content * (20000 // len(content) + 1))[:20000]  # the longest text intake accepts
    office = await factories.account("office")
    await factories.roster()
    number = await scored_case(office, content=content, reply=content)
    await issue_ruling(number=number, actor=office)
    case_id = (await cases.Case.select(cases.Case.id).where(cases.Case.number == number).first().run())["id"]
    pending = await verdicts.for_case(case_id)
    await asyncio.sleep(0)

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    await run_jobs()  # the real job: build the documents from the records, render, store
    elapsed = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    listener.close()

    verdict = await verdicts.for_case(case_id)
    assert verdict["id"] == pending["id"] and verdict["status"] == "valid"
    assert listener.hits == 0
    text = pdf_text(verdicts.stored_path(verdict["full_sha256"]))
    assert "SECRET-MARKER-4711" not in text
    assert "<img" in text and "rel=\"attachment\"" in text  # shown as text, not obeyed
    flat = "".join(text.split())
    assert "六、不同意见" in flat and "本人认为承办单位已尽到说明义务。" in flat
    pdf = verdicts.stored_path(verdict["full_sha256"]).read_bytes()
    assert b"/EmbeddedFile" not in pdf and b"/Filespec" not in pdf  # no attachment was made
    assert elapsed < 60, f"hostile render took {elapsed:.1f} s"
    assert grown_mb < 400, f"hostile render grew the process by {grown_mb:.0f} MB"


async def test_bulk_issuance_progress_failures_and_zip() -> None:
    office = await factories.account("office")
    await factories.roster(per_role={"lawyer": 6, "deputy": 6, "resident": 10, "expert": 6})
    ready = [await scored_case(office) for _ in range(3)]
    not_ready, _ = await factories.case()

    async with factories.client(Authorization=f"Bearer {await _token(office)}") as http:
        started = await http.post("/api/v1/verdicts/bulk", json={"cases": [*ready, not_ready]})
        bulk_id = started.json()["id"]
        queued = (await http.get(f"/api/v1/verdicts/bulk/{bulk_id}")).json()
        await run_jobs()
        done = (await http.get(f"/api/v1/verdicts/bulk/{bulk_id}")).json()
        archive = await http.get(f"/api/v1/verdicts/bulk/{bulk_id}/verdicts.zip")

    assert started.status_code == 202
    assert queued["total"] == 4 and queued["done"] == 0 and queued["status"] in ("queued", "issuing")
    assert done["status"] == "finished" and done["done"] == 4 and done["rendered"] == 3
    assert [f["case_number"] for f in done["failed"]] == [not_ready]
    assert done["failed"][0]["reason"]

    rows = await Verdict.select().order_by(Verdict.sequence).run()
    assert [r["number"] for r in rows] == [f"评〔{r['year']}〕{i}号" for i, r in enumerate(rows, 1)]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = zipped.namelist()
        assert names == [n for r in rows for n in (f"{r['number']}.pdf", f"{r['number']}（公开版）.pdf")]
        for r in rows:
            assert zipped.read(f"{r['number']}.pdf") == verdicts.stored_path(r["full_sha256"]).read_bytes()
            assert zipped.read(f"{r['number']}（公开版）.pdf") == \
                verdicts.stored_path(r["public_sha256"]).read_bytes()


async def test_bulk_pages_refresh_until_finished_without_javascript() -> None:
    office = await factories.account("office")
    await factories.roster()
    number = await scored_case(office)
    bulk_id = await bulk_issuance.start(actor=office, numbers=[], all_ready=True)
    async with factories.client() as http:
        login = await http.get("/login")
        await http.post("/login", data={"username": office.username, "password": factories.PASSWORD,
                                        "csrf_token": csrf_of(login)})
        form = await http.get("/office/verdicts/bulk")
        running = await http.get(f"/office/verdicts/bulk/{bulk_id}")
        stopped = await http.get(f"/office/verdicts/bulk/{bulk_id}?auto=off")
        await run_jobs()
        finished = await http.get(f"/office/verdicts/bulk/{bulk_id}")
    assert number in form.text or "没有可签发的案件" in form.text
    # A Refresh header the page offers to stop, never a <meta refresh> nobody can stop.
    assert running.headers["refresh"] == "3" and "0/1" in running.text and "停止自动刷新" in running.text
    assert "refresh" not in stopped.headers and "恢复自动刷新" in stopped.text and "刷新进度" in stopped.text
    assert "refresh" not in finished.headers and "1/1" in finished.text
    assert 'http-equiv="refresh"' not in running.text + finished.text
    assert f"/office/verdicts/bulk/{bulk_id}/verdicts.zip" in finished.text


async def test_a_verdict_left_pending_is_rendered_by_the_periodic_sweep() -> None:
    from review.verdicts import jobs

    office = await factories.account("office")
    await factories.roster()
    _, rendered = await issued_verdict(office)
    # As if its render had failed or run out of time: numbered, nothing stored, no job left.
    await Verdict.update({Verdict.status: "pending", Verdict.full_sha256: "", Verdict.public_sha256: "",
                          Verdict.rendered_at: None}).where(Verdict.id == rendered["id"]).run()

    assert await jobs.requeue_pending_verdicts({}) == 1
    await run_jobs()

    again = await verdicts.for_case(rendered["case"])
    assert again["status"] == "valid"
    # The same documents again; only the signature (its signing time) differs, and the new files are the ones
    # recorded, each with an intact signature.
    from review.verdicts import signing as verdict_signing

    for version in ("full", "public"):
        before = verdicts.stored_path(rendered[f"{version}_sha256"]).read_bytes()
        after = verdicts.stored_path(again[f"{version}_sha256"]).read_bytes()
        assert len(os.path.commonprefix([before, after])) > len(before) - 20_000
        assert verdict_signing.signature_state(after).valid
    assert await jobs.requeue_pending_verdicts({}) == 0
