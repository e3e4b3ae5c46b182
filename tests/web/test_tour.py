"""The README tour in Chromium, at phone and desktop size, on a fresh ``firegrid demo`` home.

Every screen is read as a person reads it: the test fails on an English word or a raw code in the visible
text (a short allowlist of proper nouns), on a UTC timestamp, on any request to a host other than the
server and on script or console errors. The browser runs in English (en-US) and, for the township page,
in New York time: what the pages show must come from the server's catalogue and zone, not the browser's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook

from firegrid.cli.demo import DEMO_PASSWORD
from firegrid.navigation import wgs84_to_gcj02
from firegrid.store.tables import TaskAssignee, TaskRow, User
from tests.api.test_tasks import jpeg
from tests.web.conftest import demo_server, need_chromium, offline_page

ZONE = ZoneInfo("Asia/Shanghai")
SIZES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1400, "height": 900}},
}
PROPER_NOUNS = {"firegrid", "EN", "VIIRS", "MODIS", "Suomi", "NPP", "NOAA", "Landsat", "Sentinel", "Excel"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
UTC_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\bUTC\b|\d{2}:\d{2}(?::\d{2})?Z\b|[+-]00:00\b")


def reads_chinese(text: str, where: str) -> None:
    """No English word or raw code (``on_site``, ``no_exif_time``), no UTC timestamp in ``text``."""
    strangers = sorted({w for w in LATIN_WORD.findall(text) if w not in PROPER_NOUNS})
    assert strangers == [], f"{where}: English words or raw codes {strangers} in {text!r}"
    stamp = UTC_STAMP.search(text)
    assert stamp is None, f"{where}: a UTC timestamp {stamp.group(0) if stamp else ''!r} in {text!r}"


def test_the_reader_check_can_fail() -> None:
    for bad in ("状态 on_site", "核查截止 2026-12-05 09:00", "17:00 UTC", "已签收 acknowledged", "12:00Z"):
        with pytest.raises(AssertionError):
            reads_chinese(bad, "sample")
    reads_chinese("火点 #3 · 12月5日 17:00 · VIIRS Suomi NPP · firegrid", "sample")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    need_chromium()
    with demo_server(tmp_path_factory.mktemp("tour") / "home", story=True) as server:
        printed = {line.split()[0]: line for line in server["notes"] if line.startswith("  ")}
        server["inspector"] = next(n for n, line in printed.items() if "inspector with a new task" in line)
        server["reviewer"] = next(n for n, line in printed.items() if "township reviewer" in line)
        server["operator"] = next(n for n, line in printed.items() if "county operator" in line)
        yield server


def token(demo: dict[str, Any], username: str) -> dict[str, str]:
    r = httpx.post(f"{demo['base']}/auth/token", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def inspector_with_new_task(demo: dict[str, Any], size: str) -> str:
    """The printed inspector for the phone; another inspector with a new task for the desktop."""
    if size == "phone":
        return str(demo["inspector"])
    with demo["runtime"].sessions() as session:
        names = session.scalars(
            select_new_task_inspectors().where(User.username != demo["inspector"]).order_by(User.username)
        ).all()
    assert names, "the demo leaves more than one new task"
    return str(names[0])


def select_new_task_inspectors() -> Any:
    from sqlalchemy import select

    return (
        select(User.username)
        .join(TaskAssignee, TaskAssignee.user_id == User.id)
        .join(TaskRow, TaskRow.id == TaskAssignee.task_id)
        .where(TaskRow.status == "new", User.role == "inspector")
    )


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("账号").fill(username)  # the form's fields are labelled
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def refused(page: Any, action: str) -> str:
    """Send an action through the app's offline queue and return the alert the refusal raises."""
    with page.expect_event("dialog") as dialog:
        page.evaluate(f"() => {{ {action}; }}")  # not awaited: the alert holds the queue until dismissed
    message = str(dialog.value.message)
    dialog.value.dismiss()
    return message


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_inspector_tour_in_chinese(demo: dict[str, Any], browser: Any, size: str, tmp_path: Path) -> None:
    base, username = demo["base"], inspector_with_new_task(demo, size)
    mine = httpx.get(f"{base}/tasks/mine", headers=token(demo, username)).json()
    task = next(t for t in mine if t["status"] == "new")
    lat, lon = task["lat"], task["lon"]
    context, page, watch = offline_page(
        browser,
        base,
        **SIZES[size],
        geolocation={"longitude": lon, "latitude": lat, "accuracy": 8},
        permissions=["geolocation"],
    )
    page.goto(f"{base}/app/")
    page.wait_for_function("() => window.appReady === true")
    reads_chinese(page.inner_text("body"), "login form")
    log_in(page, username, "wrong-password")
    page.wait_for_function("() => document.getElementById('login-error').textContent.length > 0")
    assert page.inner_text("#login-error") == "账号或密码错误"
    watch.expected(401)
    log_in(page, username)
    page.wait_for_selector(f".task-card[data-task='{task['id']}']")
    listing = page.inner_text("#view")
    reads_chinese(listing, "my tasks")
    assert "签收截止" in listing and FGtime(task["next_deadline"]) in listing
    page.click(f".task-card[data-task='{task['id']}']")
    page.wait_for_selector("#map .leaflet-interactive")
    reads_chinese(page.inner_text("body"), "new task")
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    assert f"position={g_lon:.6f},{g_lat:.6f}" in page.get_attribute("#nav", "href")  # GCJ-02 for AMap
    early = f"Outbox.add({{url: '/tasks/{task['id']}/verdict', json: {{verdict: 'confirmed'}}}})"
    assert refused(page, early) == "提交被拒绝: 请先签收任务"  # the 409 names the next step
    watch.expected(409)
    page.get_by_role("button", name="签收").click()
    page.wait_for_function("() => document.querySelector('#task-status').textContent === '已签收'")
    assert refused(page, early) == "提交被拒绝: 请先到场并拍照取证"
    watch.expected(409)
    page.get_by_role("button", name="已到场").click()
    page.wait_for_function("() => document.querySelector('#task-status').textContent === '已到场'")
    photo = tmp_path / "fire.jpg"
    photo.write_bytes(jpeg((lon, lat), datetime.now(UTC).astimezone(ZONE).strftime("%Y:%m:%d %H:%M:%S")))
    page.set_input_files("#photo-input", str(photo))
    page.wait_for_function(
        "() => [...document.querySelectorAll('#photos img')].some((i) => i.naturalWidth > 0)"
    )
    page.get_by_role("button", name="查实(确有火点/扬尘)").click()
    page.wait_for_function("() => document.querySelector('#task-status').textContent === '查实'")
    done = page.inner_text("body")
    reads_chinese(done, "confirmed task")
    assert all(step in page.inner_text("#history") for step in ("签收", "到场", "核查结论"))
    page.click("#lang")  # English is one tap away, from the same catalogue
    page.wait_for_function("() => document.querySelector('#task-status').textContent === 'confirmed'")
    assert "acknowledged" in page.inner_text("#history") and page.inner_text("#lang") == "中文"
    page.click("#lang")
    page.wait_for_function("() => document.querySelector('#task-status').textContent === '查实'")
    detail = httpx.get(f"{base}/tasks/{task['id']}", headers=token(demo, "admin")).json()
    assert [e["action"] for e in detail["events"]][-3:] == ["acknowledge", "on_site", "verdict"]
    assert watch.problems() == []
    context.close()


def FGtime(iso: str) -> str:
    at = datetime.fromisoformat(iso).astimezone(ZONE)
    year = "" if at.year == datetime.now(ZONE).year else f"{at.year}年"
    return f"{year}{at.month}月{at.day}日 {at:%H:%M}"


def bulletin_window(now: datetime) -> tuple[datetime, datetime]:
    """The page's 日报时段: 17:00 to 17:00 in Beijing time, the one running now."""
    local = now.astimezone(ZONE)
    until = local.replace(hour=17, minute=0, second=0, microsecond=0)
    if until < local:
        until += timedelta(days=1)
    return until - timedelta(days=1), until


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_township_page_tour_in_chinese(demo: dict[str, Any], browser: Any, size: str) -> None:
    base, admin = demo["base"], token(demo, "admin")
    ranking = httpx.get(f"{base}/stats/ranking", headers=admin).json()
    since, until = bulletin_window(datetime.now(UTC))
    window = {"since": since.isoformat(), "until": until.isoformat()}
    today = httpx.get(f"{base}/stats/hits.geojson", params=window, headers=admin).json()["features"]
    assert today, "the demo has fires in the running bulletin window"
    context, page, watch = offline_page(browser, base, **SIZES[size], timezone_id="America/New_York")
    page.goto(f"{base}/map/")
    page.wait_for_selector("#login-form:not([hidden])")
    reads_chinese(page.inner_text("body"), "login form")
    log_in(page, "admin")
    page.wait_for_function("() => window.mapReady === true")
    reads_chinese(page.inner_text("body"), "township page")
    active = [r for r in ranking if r["pushed"] or r["overdue"]]
    assert page.locator("#ranking tbody tr:not([hidden]):not(#quiet-toggle)").count() == len(active)
    assert page.inner_text("#quiet-toggle") == f"其余 {len(ranking) - len(active)} 个乡镇无推送(点击展开)"
    page.click("#quiet-toggle button")
    assert page.locator("#ranking tbody tr[data-code]:not([hidden])").count() == len(ranking)
    counts = {}
    for button in ("bulletin", "week", "season", "everything"):
        page.evaluate("() => { window.mapReady = false; }")
        page.click(f"button[data-range={button}]")
        page.wait_for_function("() => window.mapReady === true")
        counts[button] = int(page.inner_text("#point-count"))
    assert counts["bulletin"] == len(today)  # the browser's New York clock does not move the window
    assert 0 < counts["bulletin"] <= counts["week"] <= counts["season"] <= counts["everything"]
    page.locator("path.point").first.click()
    page.wait_for_selector("#detail h3")
    reads_chinese(page.inner_text("#detail"), "drill-down")
    page.evaluate("() => { window.mapReady = false; }")
    page.check("input[name=suppressed]")
    page.wait_for_function("() => window.mapReady === true")
    page.locator("path.point-suppressed").first.click()
    page.wait_for_function("() => document.querySelector('#detail').textContent.includes('已屏蔽')")
    reads_chinese(page.inner_text("#detail"), "a suppressed point")  # not the registry's English name
    with context.expect_page() as popup:
        page.click("#bulletin")
    bulletin = popup.value
    bulletin.wait_for_selector("h1")
    text = bulletin.inner_text("body")
    reads_chinese(text, "bulletin")
    pushed = httpx.get(f"{base}/bulletins/daily.json", headers=admin).json()["totals"]["pushed"]
    assert pushed > 0 and f"推送 {pushed}" in text
    with page.expect_download() as download:
        page.click("#export")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in sheet[1]][:3] == ["事件编号", "类型", "事件状态"]
    assert watch.problems() == []
    context.close()


def test_reviewer_sees_the_township_and_its_work(demo: dict[str, Any], browser: Any) -> None:
    base, reviewer = demo["base"], demo["reviewer"]
    tasks = httpx.get(f"{base}/tasks", headers=token(demo, reviewer)).json()
    assert tasks and all(t["cell_code"].startswith(reviewer.removeprefix("rev-")) for t in tasks)
    assert any(t["status"] in ("handled", "rejected") for t in tasks)  # something to close (销号)
    context, page, watch = offline_page(browser, base, **SIZES["desktop"])
    page.goto(f"{base}/map/")
    page.wait_for_selector("#login-form:not([hidden])")
    log_in(page, reviewer)
    page.wait_for_function("() => window.mapReady === true")
    reads_chinese(page.inner_text("body"), "reviewer's page")
    assert page.locator("#ranking tbody tr[data-code]").count() == 1
    assert watch.problems() == []
    context.close()


def test_docs_render_with_the_network_blocked(demo: dict[str, Any], browser: Any) -> None:
    base = demo["base"]
    context, page, watch = offline_page(browser, base, **SIZES["desktop"])
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "firegrid" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 50  # every operation is listed
    page.click("button.authorize")
    page.fill("#oauth_username", "admin")
    page.fill("#oauth_password", DEMO_PASSWORD)
    page.click(".auth-btn-wrapper button.authorize")
    page.wait_for_selector("button[aria-label='Remove authorization']")  # POST /auth/token answered
    page.click(".auth-btn-wrapper .btn-done")
    me = page.locator(".opblock-get", has=page.locator("[data-path='/auth/me']"))
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    answer = me.locator(".live-responses-table tbody .response-col_status")
    answer.first.wait_for()
    assert answer.first.inner_text().strip() == "200"
    assert '"name": "admin"' in me.locator(".live-responses-table tbody .microlight").first.inner_text()
    assert watch.problems() == []
    context.close()
