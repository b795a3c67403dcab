"""Every main page of each person's journey, audited in a real browser: axe-core finds no violation of any impact
on a 390×844 phone or a 1366×900 desktop, nothing overflows a 320 px screen, and on the phone every primary
control and every link in a list or menu is at least 44 px tall.

axe-core comes from the npm registry at set-up time (`./dev test` installs it in .cache/axe); the site's CSP
refuses injected scripts, so it is evaluated through the browser's DevTools protocol."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import VENV_BIN, _child_env, _free_port, _run, _wait_healthy

pytestmark = pytest.mark.e2e

AXE = Path(os.environ.get("AXE_CORE", Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"))
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
TAP_MIN = 44
ACCESS_CODE = "A11Y-TEST-CODE-0001"
# Primary controls and links in lists or menus; inline links in running text are exempt (WCAG 2.5.8).
TAP_TARGETS = ("button, .button, select, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), "
               "header nav a, header summary, main li > a:first-child:last-child, main a.card")

_PICK = """
import json, sqlite3, sys
from review.core.secrets import hash_code
db = sqlite3.connect(sys.argv[1])
ruled, verify = db.execute("select c.number, v.code from review_case c join verdict v on v.\\"case\\" = c.id "
                           "where v.status = 'valid' order by c.id limit 1").fetchone()
db.execute("update review_case set access_code_hash = ? where number = ?", (hash_code(sys.argv[2]), ruled))
member, scoring = db.execute(
    "select a.username, c.number from seat s join roster_member r on s.member = r.id "
    "join account a on r.user = a.id join panel p on s.panel = p.id join review_case c on p.\\"case\\" = c.id "
    "where s.status = 'accepted' and c.status = 'under_review' order by c.id limit 1").fetchone()
department, liaison_case = db.execute(
    "select d.code, c.number from review_case c join department d on c.department = d.id "
    "where c.status = 'ruled' order by c.id limit 1").fetchone()
db.commit()
print(json.dumps({"ruled": ruled, "verify": verify, "member": member, "scoring": scoring,
                  "department": department, "liaison_case": liaison_case}))
"""


@dataclass
class Demo:
    url: str
    facts: dict[str, str]


@dataclass
class Findings:
    violations: list[str] = field(default_factory=list)
    overflowing: list[str] = field(default_factory=list)
    small: list[str] = field(default_factory=list)
    pages: int = 0


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: ./dev test installs it from the npm registry")
    return AXE.read_text()


@pytest.fixture(scope="module")
def demo(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo installation (a few dozen cases in every stage) behind a real server."""
    data_dir = tmp_path_factory.mktemp("a11y-data")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**_child_env(data_dir, url), "REVIEW_DEMO": "1"}
    _run([str(VENV_BIN / "review"), "migrate"], env, data_dir)
    _run([str(VENV_BIN / "review"), "seed-demo", "--cases", "40"], env, data_dir)
    picked = subprocess.run([str(VENV_BIN / "python"), "-c", _PICK, str(data_dir / "e2e.db"), ACCESS_CODE],
                            check=True, capture_output=True, text=True, env=env, cwd=data_dir)
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(VENV_BIN / "review"), "serve", "--port", str(port)], env=env,
                                   cwd=data_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log_path)
        yield Demo(url=url, facts=json.loads(picked.stdout))
    finally:
        process.terminate()
        process.wait(timeout=10)


def _audit(page: Page, axe_source: str) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    try:
        if cdp.send("Runtime.evaluate", {"expression": "typeof axe"})["result"]["value"] != "object":
            cdp.send("Runtime.evaluate", {"expression": axe_source})
        answer = cdp.send("Runtime.evaluate", {
            "expression": "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify("
                          "r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, "
                          "target: v.nodes[0].target.join(' ')}))))",
            "awaitPromise": True, "returnByValue": True})
    finally:
        cdp.detach()
    return json.loads(answer["result"]["value"])


_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
_SMALL = """([selector, least]) => [...document.querySelectorAll(selector)].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden' && r.height < least;
}).map(e => `${e.tagName.toLowerCase()}「${(e.innerText || e.value || e.name || '').trim().slice(0, 12)}」 ${Math.round(e.getBoundingClientRect().height)}px`)"""


def _check(page: Page, path: str, axe_source: str, found: Findings, status: int = 200) -> None:
    """One navigation: audit on the phone, measure taps there and overflow at 320 px, audit on the desktop."""
    page.set_viewport_size(PHONE)
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    found.pages += 1
    page.evaluate("document.querySelectorAll('details.menu').forEach(menu => { menu.open = true; })")
    for v in _audit(page, axe_source):
        found.violations.append(f"{path} @390 {v['impact']} {v['id']} ×{v['nodes']} ({v['target']})")
    found.small += [f"{path}: {s}" for s in page.evaluate(_SMALL, [TAP_TARGETS, TAP_MIN])]
    page.set_viewport_size(NARROW)
    if (extra := page.evaluate(_OVERFLOW)) > 0:
        found.overflowing.append(f"{path}: {extra}px too wide at 320")
    page.set_viewport_size(DESKTOP)
    for v in _audit(page, axe_source):
        found.violations.append(f"{path} @1366 {v['impact']} {v['id']} ×{v['nodes']} ({v['target']})")


def _signed_in(browser: Browser, demo: Demo, username: str, password: str) -> Page:
    page = browser.new_context(base_url=demo.url, locale="zh-CN").new_page()
    page.context.set_default_timeout(15_000)
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_every_main_page_passes_axe_fits_320px_and_has_44px_targets(
        browser: Browser, demo: Demo, axe_source: str) -> None:
    facts = demo.facts
    found = Findings()

    public = browser.new_context(base_url=demo.url, locale="zh-CN").new_page()
    for path in ("/", "/public/criteria", "/public/rulings", "/public/assessments", "/public/clocks",
                 f"/verify/{facts['verify']}", "/track", "/login", "/public/selection", "/public/assessments/scheme"):
        _check(public, path, axe_source, found)
    _check(public, "/verify/NO-SUCH-CODE", axe_source, found, status=404)

    public.goto("/track")
    public.get_by_label("受理编号").fill(facts["ruled"])
    public.get_by_label("提取码").fill(ACCESS_CODE)
    public.get_by_role("button", name="查询").click()
    public.wait_for_url("**/track/case")
    _check(public, "/track/case", axe_source, found)
    public.context.close()

    office = _signed_in(browser, demo, "office", "demo-office")
    for path in ("/office", "/office/cases", f"/office/cases/{facts['scoring']}", f"/office/cases/{facts['ruled']}",
                 "/office/clocks", "/office/clocks/overdue", "/office/assessments", "/office/selection",
                 "/notifications", "/office/webhooks", "/office/holidays", "/office/rounds", "/office/quality",
                 "/office/criteria", "/office/verdicts/bulk", "/office/assessments/figures"):
        _check(office, path, axe_source, found)
    _check(office, "/office/cases/PY2099999999", axe_source, found, status=404)
    office.context.close()

    member = _signed_in(browser, demo, facts["member"], "demo-member")
    for path in ("/panel", "/panel/invitations", f"/panel/cases/{facts['scoring']}"):
        _check(member, path, axe_source, found)
    member.context.close()

    liaison = _signed_in(browser, demo, f"liaison-{facts['department']}", "demo-liaison")
    for path in ("/liaison", f"/liaison/cases/{facts['liaison_case']}", "/liaison/assessments"):
        _check(liaison, path, axe_source, found)
    liaison.context.close()

    summary = (f"{found.pages} pages: {len(found.violations)} axe violations, {len(found.overflowing)} overflowing "
               f"at 320 px, {len(found.small)} targets under {TAP_MIN} px")
    print(summary)
    if found.violations or found.overflowing or found.small:
        pytest.fail("\n".join([summary, *found.violations, *found.overflowing, *found.small]), pytrace=False)
