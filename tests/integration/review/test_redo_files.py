"""The files a liaison's redo report (整改) carries: sent with the statement through the page's form and the API,
refused by kind, content, size and count with nothing kept, listed on the order by the report they came with,
and served only to whoever may see the order, as a download that no cache keeps."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from httpx import AsyncClient, Response

from panels.tables import Seat
from review.accounts.services import auth
from review.assessments import redo
from review.assessments.tables import RedoFile, RedoOrder
from review.core import settings
from review.core.actors import Actor
from review.core.tables import AuditEvent
from tests import factories
from tests.integration.panel_helpers import api, complainant_token, csrf_of, web
from tests.integration.review.assessments.services.test_redo import Ruled, ruled

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["整改项目", "完成"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FileField = tuple[str, tuple[str, bytes, str]]


def _file(name: str, content: bytes, declared: str) -> FileField:
    return ("files", (name, content, declared))


def _report_url(number: str) -> str:
    return f"/api/v1/cases/{number}/redo-order/report"


async def _post_page_report(http: AsyncClient, number: str, statement: str, files: list[FileField]) -> Response:
    """The liaison's form as a browser posts it: multipart, the CSRF token read off the case page."""
    token = csrf_of(await http.get(f"/liaison/cases/{number}"))
    return await http.post(f"/liaison/cases/{number}/redo-order/report",
                           data={"csrf_token": token, "statement": statement}, files=files)


async def _stored() -> list[dict[str, Any]]:
    return await RedoFile.select(RedoFile.id, RedoFile.filename, RedoFile.content_type, RedoFile.size,
                                 RedoFile.sha256, RedoFile.report_round).order_by(RedoFile.id).run()


async def _order(number: str) -> dict[str, Any]:
    return await RedoOrder.select().where(RedoOrder.case.number == number).first().run()


async def _reported_events(number: str) -> list[dict[str, Any]]:
    return await AuditEvent.select(AuditEvent.action, AuditEvent.data).where(
        (AuditEvent.case.number == number) & (AuditEvent.action == "redo_reported")).order_by(AuditEvent.id).run()


def _assert_download(response: Response, content: bytes, media_type: str, filename: str) -> None:
    assert response.status_code == 200, response.text
    assert response.content == content
    assert response.headers["content-type"] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition
    assert re.search(r'filename="redo-file-\d+\.\w+"', disposition)
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_page_form_sends_files_with_the_statement_and_the_order_lists_them() -> None:
    r = await ruled(1)
    docx = _docx()
    async with await web(r.liaison) as http:
        form = (await http.get(f"/liaison/cases/{r.number}")).text
        assert 'enctype="multipart/form-data"' in form and 'type="file" name="files" multiple' in form
        done = await _post_page_report(http, r.number, "已疏通排水管道，见照片与验收单。", [
            _file("现场照片.png", PNG, "image/png"), _file("验收单.docx", docx, DOCX_TYPE)])
        assert done.status_code == 303, done.text
        page = (await http.get(f"/liaison/cases/{r.number}")).text

    stored = await _stored()
    assert [(f["filename"], f["content_type"], f["size"], f["report_round"]) for f in stored] == [
        ("现场照片.png", "image/png", len(PNG), 1), ("验收单.docx", DOCX_TYPE, len(docx), 1)]
    assert (await _order(r.number))["state"] == "reported"
    assert "整改附件" in page and "现场照片.png" in page and "验收单.docx" in page
    assert f"PNG · {len(PNG)} 字节" in page and f"DOCX · {len(docx)} 字节" in page
    links = re.findall(r'href="(/cases/[^"]+/redo/files/[^"]+)"', page)
    assert links == [f"/cases/{r.number}/redo/files/{f['id']}" for f in stored]  # ids, never names, in the path
    # The audit chain holds each file's digest, not its name.
    [event] = await _reported_events(r.number)
    data = event["data"] if isinstance(event["data"], dict) else json.loads(event["data"])
    assert [f["sha256"] for f in data["files"]] == [f["sha256"] for f in stored]
    assert "现场照片" not in str(data)
    async with await web(r.liaison) as http:
        _assert_download(await http.get(links[0]), PNG, "image/png", "现场照片.png")


async def test_the_api_takes_the_report_as_multipart_and_shows_its_files() -> None:
    r = await ruled(1)
    xlsx = _xlsx()
    async with await api(r.liaison) as http:
        done = await http.post(_report_url(r.number), data={"statement": "已整改，台账附后。"}, files=[
            _file("整改台账.xlsx", xlsx, XLSX_TYPE), _file("说明.pdf", PDF, "application/pdf"),
            _file("photo.JPG", JPEG, "application/octet-stream")])
        assert done.status_code == 200 and done.json() == {"status": "reported"}, done.text
        shown = (await http.get(f"/api/v1/cases/{r.number}/redo-order")).json()
        files = shown["files"]
        assert [(f["filename"], f["content_type"], f["size"], f["report_round"]) for f in files] == [
            ("整改台账.xlsx", XLSX_TYPE, len(xlsx), 1), ("说明.pdf", "application/pdf", len(PDF), 1),
            ("photo.JPG", "image/jpeg", len(JPEG), 1)]
        assert all(f["download"] == f"/api/v1/cases/{r.number}/redo-order/files/{f['id']}" for f in files)
        _assert_download(await http.get(files[1]["download"]), PDF, "application/pdf", "说明.pdf")
    assert (await _order(r.number))["statement"] == "已整改，台账附后。"


async def test_a_json_report_still_carries_no_files() -> None:
    r = await ruled(1)
    async with await api(r.liaison) as http:
        done = await http.post(_report_url(r.number), json={"statement": "已修复。"})
        assert done.json() == {"status": "reported"}
        assert (await http.get(f"/api/v1/cases/{r.number}/redo-order")).json()["files"] == []


REFUSED = [
    pytest.param(_file("照片.png", PDF, "image/png"), "file_content_mismatch", "照片.png", id="content-not-its-suffix"),
    pytest.param(_file("报告.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "file_content_mismatch", "报告.pdf",
                 id="executable-named-pdf"),
    pytest.param(_file("说明.txt", b"plain text", "text/plain"), "unsupported_file", "说明.txt", id="text-file"),
    pytest.param(_file("page.html", b"<html><script>alert(1)</script>", "text/html"), "unsupported_file",
                 "page.html", id="html"),
    pytest.param(_file("表.pdf", PDF, "image/png"), "file_type_mismatch", "表.pdf", id="declared-another-type"),
    pytest.param(_file("伪装.docx", b"PK\x03\x04" + bytes(40), DOCX_TYPE), "file_content_mismatch", "伪装.docx",
                 id="broken-zip-named-docx"),
    pytest.param(_file("空.pdf", b"", "application/pdf"), "empty_file", "空.pdf", id="empty"),
]


@pytest.mark.parametrize(("bad", "code", "name"), REFUSED)
async def test_a_refused_file_keeps_nothing_of_the_report(bad: FileField, code: str, name: str) -> None:
    r = await ruled(1)
    async with await api(r.liaison) as http:
        refused = await http.post(_report_url(r.number), data={"statement": "已整改。"},
                                  files=[_file("good.png", PNG, "image/png"), bad])
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == (code, "files")
    assert f"「{name}」" in error["message"]
    order = await _order(r.number)
    assert (order["state"], order["statement"], await RedoFile.count()) == ("open", "", 0)
    assert await _reported_events(r.number) == []


async def test_the_page_form_refuses_a_bad_file_in_chinese_and_keeps_nothing() -> None:
    r = await ruled(1)
    async with await web(r.liaison) as http:
        refused = await _post_page_report(http, r.number, "已整改。", [_file("病毒.exe", b"MZ\x90\x00", "application/x-msdownload")])
    assert refused.status_code == 422
    assert "文件「病毒.exe」的类型不被接受（只接受 PDF、JPEG、PNG、DOCX、XLSX 文件）" in refused.text
    assert ((await _order(r.number))["state"], await RedoFile.count()) == ("open", 0)


async def test_more_than_five_files_are_refused() -> None:
    r = await ruled(1)
    six = [_file(f"照片{i}.png", PNG, "image/png") for i in range(6)]
    async with await api(r.liaison) as http:
        refused = await http.post(_report_url(r.number), data={"statement": "已整改。"}, files=six)
        five = await http.post(_report_url(r.number), data={"statement": "已整改。"}, files=six[:5])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "too_many_files" and "至多附 5 个文件" in refused.json()["error"]["message"]
    assert five.json() == {"status": "reported"}
    assert await RedoFile.count() == 5


async def test_a_file_over_10_mb_is_refused() -> None:
    r = await ruled(1)
    big = PDF + bytes(10 * 1024 * 1024)
    async with await api(r.liaison) as http:
        refused = await http.post(_report_url(r.number), data={"statement": "已整改。"},
                                  files=[_file("大文件.pdf", big, "application/pdf")])
    assert refused.status_code == 422
    assert refused.json()["error"] == {"code": "file_too_large", "message": "文件「大文件.pdf」超过 10 MB，不能上传",
                                       "field": "files"}
    assert await RedoFile.count() == 0


async def test_a_file_name_is_cleaned_before_it_is_kept() -> None:
    r = await ruled(1)
    async with await api(r.liaison) as http:
        await http.post(_report_url(r.number), data={"statement": "已整改。"},
                        files=[_file("..\\..\\etc/照\u202ept片.png", PNG, "image/png")])
    assert [f["filename"] for f in await _stored()] == ["照pt片.png"]


async def test_a_returned_order_keeps_the_earlier_reports_files_with_their_round() -> None:
    r = await ruled(1)
    async with await api(r.liaison) as http:
        await http.post(_report_url(r.number), data={"statement": "第一次。"}, files=[_file("一.png", PNG, "image/png")])
    async with await api(r.office) as http:
        await http.post(f"/api/v1/cases/{r.number}/redo-order/return", json={"reason": "照片不清楚。"})
    async with await web(r.liaison) as http:
        between = (await http.get(f"/liaison/cases/{r.number}")).text
        again = await _post_page_report(http, r.number, "第二次。", [_file("二.pdf", PDF, "application/pdf")])
        assert again.status_code == 303
        page = (await http.get(f"/liaison/cases/{r.number}")).text
    async with await api(r.office) as http:
        files = (await http.get(f"/api/v1/cases/{r.number}/redo-order")).json()["files"]

    assert "一.png" in between and "第 1 次报告（已退回）" in between
    assert [(f["filename"], f["report_round"]) for f in files] == [("一.png", 1), ("二.pdf", 2)]
    assert "第 1 次报告（已退回）" in page and "第 2 次报告" in page and "第 2 次报告（已退回）" not in page
    assert [e["action"] for e in await _reported_events(r.number)] == ["redo_reported", "redo_reported"]


async def _other_member(r: Ruled) -> Actor:
    rows = await Seat.select(Seat.member.user.id, Seat.member.user.username).where(
        (Seat.panel.case.number == r.number) & (Seat.status == "accepted")).run()
    other = next(row for row in rows if row["member.user.id"] != r.chair.user_id)
    return Actor(kind="member", user_id=other["member.user.id"], username=other["member.user.username"])


async def test_who_may_download_is_who_may_see_the_order() -> None:
    r = await ruled(1)
    async with await api(r.liaison) as http:
        await http.post(_report_url(r.number), data={"statement": "已整改。"}, files=[_file("照片.png", PNG, "image/png")])
    [stored] = await _stored()
    api_url = f"/api/v1/cases/{r.number}/redo-order/files/{stored['id']}"
    page_url = f"/cases/{r.number}/redo/files/{stored['id']}"
    stranger = await factories.account("liaison", department_id=await factories.department("CDSW", "成都市水务局"))
    other_number, other_code = await factories.case()

    allowed = {"office": r.office, "liaison": r.liaison, "chair": r.chair}
    for who, actor in allowed.items():
        async with await api(actor) as http:
            _assert_download(await http.get(api_url), PNG, "image/png", "照片.png")
        async with await web(actor) as http:
            assert (await http.get(page_url)).status_code == 200, who
    # The complainant sees the order on the tracking page, and so the files.
    token = await complainant_token(r.number, r.code)
    async with factories.client(Authorization=f"Bearer {token}") as http:
        _assert_download(await http.get(api_url), PNG, "image/png", "照片.png")
    async with factories.client() as http:
        http.cookies.set("rv_track", token)
        assert "照片.png" in (await http.get("/track/case")).text
        assert (await http.get(page_url)).status_code == 200

    hidden = {"another department's liaison": stranger, "a member who is not the chair": await _other_member(r)}
    for who, actor in hidden.items():
        async with await api(actor) as http:
            refused = await http.get(api_url)
            assert (refused.status_code, refused.json()["error"]["code"]) == (404, "redo_file_not_found"), who
        async with await web(actor) as http:
            assert (await http.get(page_url)).status_code == 404, who
    other_token = await complainant_token(other_number, other_code)
    async with factories.client(Authorization=f"Bearer {other_token}") as http:
        assert (await http.get(api_url)).status_code == 404
        assert (await http.get(f"/api/v1/cases/{other_number}/redo-order/files/{stored['id']}")).status_code == 404
    async with await api(r.office) as http:  # the file under another case's number names nothing
        assert (await http.get(f"/api/v1/cases/{other_number}/redo-order/files/{stored['id']}")).status_code == 404
        assert (await http.get(f"/api/v1/cases/{r.number}/redo-order/files/{stored['id'] + 1}")).status_code == 404
    async with factories.client() as http:
        anonymous = await http.get(api_url)
        assert anonymous.status_code == 401 and b"\x89PNG" not in anonymous.content
        public_page = await http.get(page_url)
        assert public_page.status_code == 303 and public_page.headers["location"].startswith("/login")
    async with factories.client(**{"X-API-Key": await auth.create_api_key(name="hotline")}) as http:
        assert (await http.get(api_url)).status_code == 403
    for response_headers in (anonymous.headers, public_page.headers):
        assert "no-store" in response_headers["cache-control"]


async def test_only_the_liaison_reports_files() -> None:
    r = await ruled(1)
    async with await api(r.office) as http:
        refused = await http.post(_report_url(r.number), data={"statement": "x"},
                                  files=[_file("照片.png", PNG, "image/png")])
    assert refused.status_code == 403
    assert await RedoFile.count() == 0


async def test_the_report_takes_more_than_the_plain_upload_limit_and_no_more_than_its_own() -> None:
    r = await ruled(1)
    three = [_file(f"扫描件{i}.pdf", PDF + bytes(8 * 1024 * 1024), "application/pdf") for i in range(3)]
    async with await api(r.liaison) as http:
        too_much = await http.post(_report_url(r.number), content=b"x", headers={
            "content-type": "multipart/form-data; boundary=b", "content-length": str(redo.REPORT_BODY_LIMIT + 1)})
        done = await http.post(_report_url(r.number), data={"statement": "已整改。"}, files=three)
    assert too_much.status_code == 413 and too_much.json()["error"]["code"] == "body_too_large"
    assert settings.UPLOAD_BODY_LIMIT < 3 * 8 * 1024 * 1024 < redo.REPORT_BODY_LIMIT
    assert done.json() == {"status": "reported"}
    assert [f["size"] for f in await _stored()] == [len(PDF) + 8 * 1024 * 1024] * 3
