"""Request bodies are capped while they stream in: 413 in the documented error form before the body is read."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from review.accounts.services import auth
from review.core import settings
from tests import factories
from tests.integration.review.verdicts.test_services import issued_verdict

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("clean_db")]

CHUNK = 64 * 1024
MB = 1024 * 1024


class Counted:
    """A request body that counts how much of it the server pulled."""

    def __init__(self, total: int, prefix: bytes = b"", suffix: bytes = b"") -> None:
        self.total, self.prefix, self.suffix, self.pulled = total, prefix, suffix, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces = [self.prefix, *([b"a" * CHUNK] * (self.total // CHUNK)), self.suffix]
        for piece in pieces:
            self.pulled += len(piece)
            yield piece


def _error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


async def _office_bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {await auth.issue_token(await factories.account('office'))}"}


async def test_json_body_declaring_more_than_the_limit_is_413_before_a_byte_is_read() -> None:
    body = Counted(100 * MB)
    async with factories.client() as http:
        response = await http.post("/api/v1/track", content=body,
                                   headers={"content-type": "application/json", "content-length": str(100 * MB)})

    error = _error(response, 413, "body_too_large")
    assert "1 MB" in error["message"]
    assert body.pulled == 0
    assert response.headers["connection"] == "close"


async def test_chunked_json_body_is_cut_off_at_the_limit() -> None:
    body = Counted(100 * MB)  # no Content-Length: sent chunked
    async with factories.client() as http:
        response = await http.post("/api/v1/track", content=body, headers={"content-type": "application/json"})

    _error(response, 413, "body_too_large")
    assert settings.REQUEST_BODY_LIMIT < body.pulled <= settings.REQUEST_BODY_LIMIT + CHUNK


async def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "REQUEST_BODY_LIMIT", 256 * 1024)
    body = Counted(1 * MB)
    async with factories.client() as http:
        response = await http.post("/api/v1/track", content=body, headers={"content-type": "application/json"})

    assert "256 KB" in _error(response, 413, "body_too_large")["message"]
    assert body.pulled <= 256 * 1024 + CHUNK


async def test_web_form_over_the_limit_is_a_413_page() -> None:
    async with factories.client() as http:
        response = await http.post("/login", content=Counted(2 * MB, prefix=b"username="),
                                   headers={"content-type": "application/x-www-form-urlencoded"})

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "请求内容超过 1 MB 的上限" in response.text


def _multipart(field: str, filename: str | None = None) -> tuple[bytes, bytes, dict[str, str]]:
    disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename else "")
    head = f"--b0undary\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
    return head, b"\r\n--b0undary--\r\n", {"content-type": "multipart/form-data; boundary=b0undary"}


async def test_upload_over_20_mb_is_413_and_under_it_passes_the_body_limit() -> None:
    headers = await _office_bearer()
    head, tail, content_type = _multipart("file", "roster.csv")
    big = Counted(20 * MB + CHUNK, head, tail)
    async with factories.client(**headers) as http:
        refused = await http.post("/api/v1/roster/import", content=big, headers=content_type)
        small = await http.post("/api/v1/roster/import", content=Counted(2 * MB, head, tail), headers=content_type)

    assert "20 MB" in _error(refused, 413, "body_too_large")["message"]
    assert big.pulled <= settings.UPLOAD_BODY_LIMIT + CHUNK
    assert small.status_code != 413  # past the 1 MB of a JSON body: the upload limit holds for multipart


async def test_form_field_over_multipart_cap_is_413_not_404() -> None:
    head, tail, content_type = _multipart("username")  # a text field, not a file: python-multipart caps it at 1 MB
    async with factories.client() as http:
        page = await http.post("/login", content=Counted(2 * MB, head, tail), headers=content_type)
    async with factories.client(**await _office_bearer()) as http:
        api = await http.post("/api/v1/roster/import", content=Counted(2 * MB, head, tail), headers=content_type)
        many = await http.post("/api/v1/roster/import", data={f"f{i}": "x" for i in range(1001)},
                               files={"file": ("roster.csv", b"name\n")})

    assert page.status_code == 413 and "表单字段过大或过多" in page.text
    _error(api, 413, "form_too_large")
    _error(many, 413, "form_too_large")


async def test_public_verify_upload_has_its_own_limit() -> None:
    office = await factories.account("office")
    await factories.roster()
    _, verdict = await issued_verdict(office)
    over = settings.VERIFY_BODY_LIMIT + CHUNK
    pdf = Counted(over, prefix=b"%PDF-1.7\n")
    async with factories.client() as http:
        api = await http.post(f"/api/v1/verdicts/{verdict['code']}/verify", content=pdf,
                              headers={"content-type": "application/pdf"})
        head, tail, content_type = _multipart("file", "verdict.pdf")
        page = await http.get(f"/verify/{verdict['code']}")
        token = page.cookies.get("rv_csrf") or http.cookies.get("rv_csrf")
        csrf = f'--b0undary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()
        web = await http.post(f"/verify/{verdict['code']}", content=Counted(over, csrf + head, tail),
                              headers=content_type)

    assert "10 MB" in _error(api, 413, "body_too_large")["message"]
    assert pdf.pulled <= settings.VERIFY_BODY_LIMIT + CHUNK
    assert web.status_code == 413 and "10 MB" in web.text


# --- a real server, a real socket -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, Path]]:
    """The app served by uvicorn on its own SQLite file, limits as configured."""
    data_dir = tmp_path_factory.mktemp("body-limit-server")
    port = _free_port()
    bin_dir = Path(__file__).resolve().parents[5] / ".venv" / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_TEST")}
    env.update(DATABASE_URL=f"sqlite:///{data_dir / 'server.db'}", REDIS_URL="", REVIEW_DATA_DIR=str(data_dir),
               COOKIE_SECURE="0", PYTHONUNBUFFERED="1")
    subprocess.run([str(bin_dir / "review"), "migrate"], env=env, cwd=data_dir, check=True, capture_output=True,
                   timeout=120)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        # uvicorn as `review serve` runs it, without its font check (verdict PDFs play no part here)
        process = subprocess.Popen([str(bin_dir / "python"), "-m", "uvicorn", "review.app:app", "--host",
                                    "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                                   env=env, cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield "127.0.0.1", port, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stream_chunked(host: str, port: int, path: str, total: int) -> tuple[int, bytes]:
    """Send a chunked body of up to `total` bytes; (bytes sent before the server answered or hung up, answer)."""
    sent, answer = 0, b""
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
        conn.settimeout(0.5)
        try:
            while sent < total:
                conn.sendall(chunk)
                sent += CHUNK
                conn.setblocking(False)
                try:
                    answer += conn.recv(65536)
                except BlockingIOError:
                    pass
                finally:
                    conn.settimeout(0.5)
                if answer:
                    break
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the server stopped reading and closed: what we want
        conn.settimeout(5)
        try:
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                more = conn.recv(65536)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
    return sent, answer


def test_real_server_stops_reading_a_chunked_body_past_the_limit(served: tuple[str, int, Path]) -> None:
    host, port, _ = served

    sent, answer = _stream_chunked(host, port, "/api/v1/track", 100 * MB)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"]["code"] == "body_too_large"
    assert sent < 4 * MB  # out of 100 MB offered: the server read about 1 MB and hung up


async def test_unreadable_multipart_is_400_in_the_error_form_not_404() -> None:
    async with factories.client(**await _office_bearer()) as http:
        response = await http.post("/api/v1/roster/import", content=b"--x\r\n\r\n",
                                   headers={"content-type": "multipart/form-data"})  # no boundary

    _error(response, 400, "invalid_form")
