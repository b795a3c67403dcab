"""The case file both parties add to: the complainant's statement and photos from the tracking page, the
department's statement and evidence from the liaison's case page, read by the panel; files checked by their
content, photos drawn again without their metadata, refused with nothing kept, served only to whoever may see
the case as downloads; every addition audited, on the timeline, and marked when scoring had started."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient, Response
from PIL import ExifTags, Image

from review.casefile.domain import files as rules
from review.casefile.tables import CaseAddition, CaseAttachment, CaseBlob
from review.core.actors import Actor
from review.core.tables import AuditEvent, Case
from review.rulings.services.sheets import submit_sheet
from tests import factories
from tests.integration.panel_helpers import api, complainant_token, csrf_of, web
from tests.integration.scoring_helpers import convened_case, seated_now

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GPS_PLACE = "Chengdu Wuhou"


def photo(fmt: str = "JPEG") -> bytes:
    """A phone's photo: pixels, and EXIF naming the camera's owner and where it was taken, and a comment."""
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Wang Xiaoming"
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 38.0, 29.0)
    gps[ExifTags.GPS.GPSAreaInformation] = GPS_PLACE
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", exif=exif, comment=b"taken at home of Wang")
    else:
        image.save(out, "PNG", exif=exif)
    return out.getvalue()


class Scene:
    def __init__(self, number: str, code: str, office: Actor, members: list[Actor], liaison: Actor) -> None:
        self.number, self.code, self.office, self.members, self.liaison = number, code, office, members, liaison


async def scene() -> Scene:
    number, code, office, _ = await convened_case()
    case = await Case.select(Case.department).where(Case.number == number).first().run()
    liaison = await factories.account("liaison", department_id=case["department"])
    return Scene(number, code, office, await seated_now(number), liaison)


@contextlib.asynccontextmanager
async def tracking(number: str, code: str) -> AsyncIterator[AsyncClient]:
    """A browser signed in on the tracking page with the case number and access code."""
    async with factories.client() as http:
        form = await http.get("/track")
        opened = await http.post("/track", data={"csrf_token": csrf_of(form), "case_number": number,
                                                 "access_code": code})
        assert opened.status_code == 303, opened.text
        yield http


async def post_form(http: AsyncClient, page: str, action: str, statement: str,
                    files: list[tuple[str, tuple[str, bytes, str]]] | None = None) -> Response:
    token = csrf_of(await http.get(page))
    return await http.post(action, data={"csrf_token": token, "statement": statement}, files=files or [])


async def stored() -> dict[str, int]:
    return {"additions": await CaseAddition.count().run(), "attachments": await CaseAttachment.count().run(),
            "blobs": await CaseBlob.count().run()}


async def events(number: str) -> list[dict[str, Any]]:
    rows = await AuditEvent.select(AuditEvent.action, AuditEvent.actor, AuditEvent.reason, AuditEvent.data).where(
        (AuditEvent.case.number == number) & AuditEvent.action.like("%_added")).order_by(AuditEvent.id).run()
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
    return rows


def assert_download(response: Response, media_type: str, filename_ascii: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.headers["content-disposition"].startswith("attachment;")
    assert f'filename="{filename_ascii}"' in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"


def links(page: str, number: str) -> list[str]:
    return re.findall(rf'href="(/cases/{number}/file/files/\d+)"', page)


async def test_both_parties_add_and_the_panel_reads_both() -> None:
    s = await scene()
    original = photo()
    assert b"Exif" in original and GPS_PLACE.encode() in original
    async with tracking(s.number, s.code) as http:
        page = (await http.get("/track/case")).text
        assert 'enctype="multipart/form-data"' in page and 'type="file" name="files" multiple' in page
        assert "每个不超过 10 MB" in page and "每案合计至多 30 个、50 MB" in page  # the limits, stated
        added = await post_form(http, "/track/case", "/track/case/file/additions",
                                "积水至今未排，王小明电话13800001234，见现场照片。",
                                [("files", ("现场照片.jpg", original, "image/jpeg"))])
        assert added.status_code == 303 and added.headers["location"] == "/track/case#casefile", added.text
        own = html.unescape((await http.get("/track/case")).text)
        assert "积水至今未排，王小明电话13800001234" in own and "诉求人补充陈述和材料" in own  # on the timeline
    async with await web(s.liaison) as http:
        page = f"/liaison/cases/{s.number}"
        added = await post_form(http, page, f"/liaison/cases/{s.number}/file/additions",
                                "我局已于12月1日派员清淤，附处理记录。", [("files", ("处理记录.pdf", PDF, "application/pdf"))])
        assert added.status_code == 303, added.text
    async with await web(s.members[0]) as http:
        page = html.unescape((await http.get(f"/panel/cases/{s.number}")).text)
        assert "积水至今未排" in page and "我局已于12月1日派员清淤" in page
        assert "13800001234" not in page  # masked for the panel, as the complaint is
        assert "现场照片.jpg" in page and "处理记录.pdf" in page
        assert "诉求人补充陈述和材料" in page and "承办部门提交陈述和证据" in page
        assert "评分开始后提交" not in page
        photo_link, pdf_link = links(page, s.number)
        got = await http.get(photo_link)
        assert_download(got, "image/jpeg", f"case-file-{photo_link.rsplit('/', 1)[1]}.jpg")
        got_pdf = await http.get(pdf_link)
        assert_download(got_pdf, "application/pdf", f"case-file-{pdf_link.rsplit('/', 1)[1]}.pdf")
        assert got_pdf.content == PDF

    # The photo was drawn again: the same picture, nothing of its EXIF, GPS or comment left.
    kept = got.content
    assert kept != original and b"Exif" not in kept and GPS_PLACE.encode() not in kept and b"Wang" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (64, 48) and image.format == "JPEG"
        assert not image.getexif() and "comment" not in image.info
        red, green, _ = image.convert("RGB").getpixel((10, 10))
        assert red > 150 and green < 100
    attachment = await CaseAttachment.select().where(CaseAttachment.filename == "现场照片.jpg").first().run()
    assert attachment["re_encoded"] and attachment["size"] == len(kept)
    blob = await CaseBlob.select().where(CaseBlob.sha256 == attachment["sha256"]).first().run()
    assert bytes(blob["content"]) == kept  # content-addressed: kept under the SHA-256 of what is served

    # Each addition audited on the case: digests and sizes, never the statement or a file's name.
    complainant, department = await events(s.number)
    assert complainant["action"] == "complainant_statement_added" and complainant["actor"] == "complainant"
    assert department["action"] == "department_statement_added"
    assert [f["sha256"] for f in complainant["data"]["files"]] == [attachment["sha256"]]
    assert "现场照片" not in json.dumps(complainant["data"], ensure_ascii=False)
    assert "积水" not in json.dumps(complainant["data"], ensure_ascii=False)


async def test_a_fake_jpeg_is_refused_and_nothing_is_kept() -> None:
    s = await scene()
    async with tracking(s.number, s.code) as http:
        refused = await post_form(http, "/track/case", "/track/case/file/additions", "补充说明，附照片。", [
            ("files", ("real.png", photo("PNG"), "image/png")),
            ("files", ("照片.jpg", b"GIF89a this is not a jpeg at all", "image/jpeg"))])
        assert refused.status_code == 422
        page = html.unescape(refused.text)
        assert "本次没有保存：文件「照片.jpg」的内容不是 JPEG 文件" in page
        assert "补充说明，附照片。</textarea>" in page  # the statement comes back as typed
    async with await api(s.liaison) as http:
        refused = await http.post(f"/api/v1/cases/{s.number}/file/files",
                                  files=[("files", ("photo.jpg", b"\xff\xd8\xff\xe0 truncated", "image/jpeg"))])
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "file_content_mismatch" and error["field"] == "files"
        assert "不是可以打开的 JPEG 图片" in error["message"]
    assert await stored() == {"additions": 0, "attachments": 0, "blobs": 0}
    assert await events(s.number) == []


async def test_an_oversized_file_or_too_many_are_refused_naming_the_field() -> None:
    s = await scene()
    big = PDF + b"0" * (rules.FILE_MAX_BYTES + 1 - len(PDF))
    async with await api(s.liaison) as http:
        refused = await http.post(f"/api/v1/cases/{s.number}/file/statements", data={"statement": "证据见附件"},
                                  files=[("files", ("证据.pdf", big, "application/pdf"))])
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["code"] == "file_too_large" and error["field"] == "files" and "10 MB" in error["message"]
        many = await http.post(f"/api/v1/cases/{s.number}/file/files",
                               files=[("files", (f"{i}.pdf", PDF, "application/pdf")) for i in range(6)])
        assert many.status_code == 422 and many.json()["error"]["field"] == "files"
        long = await http.post(f"/api/v1/cases/{s.number}/file/statements",
                               json={"statement": "长" * (rules.STATEMENT_MAX + 1)})
        assert long.status_code == 422 and long.json()["error"]["field"] == "statement"
        empty = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "  "})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "statement"
    assert await stored() == {"additions": 0, "attachments": 0, "blobs": 0}
    assert await events(s.number) == []


async def test_the_case_limit_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    s = await scene()
    monkeypatch.setattr(rules, "CASE_FILES_MOST", 2)
    async with await api(s.office) as http:
        url = f"/api/v1/cases/{s.number}/file/files"
        first = await http.post(url, files=[("files", ("a.pdf", PDF, "application/pdf"))] * 2)
        assert first.status_code == 201, first.text
        over = await http.post(url, files=[("files", ("c.pdf", PDF + b"%", "application/pdf"))])
        assert over.status_code == 422 and over.json()["error"]["code"] == "case_files_full"
        assert over.json()["error"]["field"] == "files"
    # The same bytes twice are kept once.
    assert await stored() == {"additions": 1, "attachments": 2, "blobs": 1}


async def test_only_those_who_may_see_the_case_download_its_files() -> None:
    s = await scene()
    token = await complainant_token(s.number, s.code)
    async with factories.client(Authorization=f"Bearer {token}") as http:
        added = await http.post(f"/api/v1/cases/{s.number}/file/files",
                                files=[("files", ("我的照片.jpg", photo(), "image/jpeg"))])
        assert added.status_code == 201, added.text
    [file_id] = [r["id"] for r in await CaseAttachment.select(CaseAttachment.id).run()]
    web_path = f"/cases/{s.number}/file/files/{file_id}"
    api_path = f"/api/v1/cases/{s.number}/file/files/{file_id}"

    other_department = await factories.department("CDSW", "成都市水务局")
    strangers = [await factories.account("liaison", department_id=other_department), await factories.account("member")]
    for stranger in strangers:
        async with await web(stranger) as http:
            assert (await http.get(web_path)).status_code == 404
        async with await api(stranger) as http:
            assert (await http.get(api_path)).status_code == 404
            assert (await http.get(f"/api/v1/cases/{s.number}/file")).status_code == 404
    other_number, other_code = await factories.case(source_ref="CD12345-2026-999999")
    async with tracking(other_number, other_code) as http:
        assert (await http.get(web_path)).status_code == 404
    async with factories.client(Authorization=f"Bearer {await complainant_token(other_number, other_code)}") as http:
        assert (await http.get(api_path)).status_code == 404
        # nor add to a case not theirs
        refused = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "冒充"})
        assert refused.status_code == 404
    async with factories.client() as http:  # signed in as nobody
        assert (await http.get(api_path)).status_code == 401
    # A member reads but does not add; those who may see the case download.
    async with await api(s.members[0]) as http:
        refused = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "评议员意见"})
        assert refused.status_code == 403
        assert_download(await http.get(api_path), "image/jpeg", f"case-file-{file_id}.jpg")
    for reader in (s.office, s.liaison):
        async with await web(reader) as http:
            assert_download(await http.get(web_path), "image/jpeg", f"case-file-{file_id}.jpg")
    async with tracking(s.number, s.code) as http:
        assert_download(await http.get(web_path), "image/jpeg", f"case-file-{file_id}.jpg")
    assert await CaseAddition.count().run() == 1


async def test_a_statement_after_scoring_started_is_marked() -> None:
    s = await scene()
    async with await api(s.liaison) as http:
        before = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "评分前的陈述"})
        assert before.status_code == 201, before.text
    await submit_sheet(number=s.number, actor=s.members[0], scores=factories.full_scores(4))  # scoring opens
    async with await api(s.liaison) as http:
        after = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "评分后的补充"})
        assert after.status_code == 201
    async with await api(s.members[1]) as http:
        shown = (await http.get(f"/api/v1/cases/{s.number}/file")).json()
    assert [(a["statement"], a["after_scoring"]) for a in shown["additions"]] == [
        ("评分前的陈述", False), ("评分后的补充", True)]
    assert shown["may_add"] is False
    async with await web(s.members[1]) as http:
        page = html.unescape((await http.get(f"/panel/cases/{s.number}")).text)
    marked = re.search(r'id="addition-(\d+)">\s*<h3>[^<]*<span class="badge late">评分开始后提交', page)
    assert marked and int(marked.group(1)) == shown["additions"][1]["id"]
    assert page.count('<span class="badge late">评分开始后提交</span>') == 1
    first, second = await events(s.number)
    assert (first["reason"], second["reason"]) == ("", "评分开始后提交")
    assert second["data"]["after_scoring"] is True


async def test_the_api_twins_add_list_and_download() -> None:
    s = await scene()
    token = await complainant_token(s.number, s.code)
    async with factories.client(Authorization=f"Bearer {token}") as http:
        added = await http.post(f"/api/v1/cases/{s.number}/file/statements", data={"statement": "诉求人陈述"},
                                files=[("files", ("图.png", photo("PNG"), "application/octet-stream"))])
        assert added.status_code == 201 and added.json()["case_number"] == s.number, added.text
    async with await api(s.liaison) as http:
        added = await http.post(f"/api/v1/cases/{s.number}/file/files", data={"statement": "证据"},
                                files=[("files", ("证据.pdf", PDF, "application/pdf"))])
        assert added.status_code == 201, added.text
        no_file = await http.post(f"/api/v1/cases/{s.number}/file/files", data={"statement": "只有说明"})
        assert no_file.status_code == 422 and no_file.json()["error"]["field"] == "files"
    async with await api(s.members[0]) as http:
        shown = (await http.get(f"/api/v1/cases/{s.number}/file")).json()
        assert shown["limits"]["file_max_bytes"] == rules.FILE_MAX_BYTES
        assert [(a["party"], a["party_label"], a["statement"]) for a in shown["additions"]] == [
            ("complainant", "诉求人", "诉求人陈述"), ("department", "承办部门", "证据")]
        png, pdf = shown["additions"][0]["files"][0], shown["additions"][1]["files"][0]
        assert (png["content_type"], png["re_encoded"]) == ("image/png", True)
        assert (pdf["content_type"], pdf["re_encoded"], pdf["size"]) == ("application/pdf", False, len(PDF))
        got = await http.get(png["download"])
        assert_download(got, "image/png", f"case-file-{png['id']}.png")
        with Image.open(io.BytesIO(got.content)) as image:
            assert not image.getexif() and GPS_PLACE.encode() not in got.content
    assert [e["action"] for e in await events(s.number)] == ["complainant_statement_added",
                                                             "department_statement_added"]


async def test_a_member_sees_an_addition_at_once_on_a_kept_page() -> None:
    s = await scene()
    member = s.members[0]
    async with await web(member) as http:
        first = (await http.get(f"/panel/cases/{s.number}")).text
        assert first == (await http.get(f"/panel/cases/{s.number}")).text  # kept
        assert "新的补充陈述" not in first
        async with await api(s.liaison) as party:
            added = await party.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "新的补充陈述"})
            assert added.status_code == 201
        assert "新的补充陈述" in (await http.get(f"/panel/cases/{s.number}")).text


async def test_an_ended_case_takes_no_additions() -> None:
    s = await scene()
    async with await api(s.office) as http:
        ended = await http.post(f"/api/v1/cases/{s.number}/withdraw", json={"reason": "诉求人撤回"})
        assert ended.status_code == 200, ended.text
    async with await api(s.liaison) as http:
        refused = await http.post(f"/api/v1/cases/{s.number}/file/statements", json={"statement": "晚到的陈述"})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "case_ended"
    assert await stored() == {"additions": 0, "attachments": 0, "blobs": 0}


async def test_the_office_adds_from_its_case_page_and_members_get_no_form() -> None:
    s = await scene()
    async with await web(s.office) as http:
        page = f"/office/cases/{s.number}"
        assert f'action="/office/cases/{s.number}/file/additions"' in (await http.get(page)).text
        added = await post_form(http, page, f"/office/cases/{s.number}/file/additions", "评议办收到的书面材料",
                                [("files", ("材料.pdf", PDF, "application/octet-stream"))])
        assert added.status_code == 303, added.text
    async with await web(s.members[0]) as http:
        page = html.unescape((await http.get(f"/panel/cases/{s.number}")).text)
        assert "评议办收到的书面材料" in page and "评议办补充案卷材料" in page
        assert "file/additions" not in page  # members read, they do not add
    [event] = await events(s.number)
    assert event["action"] == "office_material_added" and event["actor"].startswith("office:")


async def test_an_image_too_large_in_pixels_is_refused_before_decoding() -> None:
    s = await scene()
    out = io.BytesIO()
    Image.new("L", (8000, 6000)).save(out, "PNG")  # 48 megapixels, small on disk
    async with await api(s.liaison) as http:
        refused = await http.post(f"/api/v1/cases/{s.number}/file/files",
                                  files=[("files", ("大图.png", out.getvalue(), "image/png"))])
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "image_too_large" and refused.json()["error"]["field"] == "files"
    assert await stored() == {"additions": 0, "attachments": 0, "blobs": 0}
