"""The review side: hit-map layers, ranking, exports, CAP 1.2, the daily bulletin, robots, push."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.api.conftest import login
from tests.api.test_tasks import photo

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def test_hit_map_layers_and_ranking(client: TestClient, admin: dict[str, str]) -> None:
    hits = client.get("/stats/hits.geojson", headers=admin)
    assert hits.status_code == 200 and hits.headers["etag"]
    assert (
        client.get("/stats/hits.geojson", headers=admin | {"If-None-Match": hits.headers["etag"]}).status_code
        == 304
    )
    features = hits.json()["features"]
    assert len(features) >= 13 and {f["properties"]["hazard"] for f in features} == {"fire"}
    with_suppressed = client.get("/stats/hits.geojson", params={"suppressed": True}, headers=admin).json()[
        "features"
    ]
    suppressed = [f for f in with_suppressed if f["properties"]["status"] == "suppressed"]
    assert len(suppressed) >= 2 and all("heat source" in f["properties"]["reason"] for f in suppressed)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert client.get("/stats/hits.geojson", params={"since": future}, headers=admin).json()["features"] == []
    cells = client.get("/stats/cells.geojson", params={"level": "township"}, headers=admin).json()["features"]
    assert len(cells) == 173 and cells[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert sum(c["properties"]["pushed"] for c in cells) == sum(
        1 for f in features if f["properties"]["task"]
    )
    ranking = client.get("/stats/ranking", headers=admin).json()
    assert len(ranking) == 173 and [r["rank"] for r in ranking[:3]] == [1, 2, 3]
    keys = [(-r["confirmed"], -r["pushed"]) for r in ranking]
    assert keys == sorted(keys)
    reviewer_cell = features[0]["properties"]["cell"][:9]
    reviewer = login(client, f"rev-{reviewer_cell}")
    mine = client.get("/stats/ranking", headers=reviewer).json()
    assert [r["code"] for r in mine] == [reviewer_cell]  # a township sees its own row


def test_confirmed_points_count_in_the_ranking(client: TestClient, admin: dict[str, str]) -> None:
    task = client.get("/tasks", headers=admin).json()[8]
    inspector = login(client, f"insp-{task['cell_code']}")
    client.post(f"/tasks/{task['id']}/acknowledge", json={}, headers=inspector)
    client.post(f"/tasks/{task['id']}/on-site", json={}, headers=inspector)
    incident = client.get(f"/incidents/{task['incident_id']}", headers=admin).json()
    photo(client, task["id"], inspector, incident["lon"], incident["lat"])
    assert (
        client.post(
            f"/tasks/{task['id']}/verdict", json={"verdict": "confirmed"}, headers=inspector
        ).status_code
        == 200
    )
    row = next(
        r for r in client.get("/stats/ranking", headers=admin).json() if r["code"] == task["cell_code"][:9]
    )
    assert row["confirmed"] >= 1 and row["confirmation_rate"] is not None and row["first_fire"]
    assert row["median_verify_min"] is not None and row["rank"] <= 3
    point = next(
        f
        for f in client.get("/stats/hits.geojson", headers=admin).json()["features"]
        if f["id"] == task["incident_id"]
    )
    assert point["properties"]["status"] == "confirmed"


def test_exports_cap_and_bulletin(client: TestClient, admin: dict[str, str]) -> None:
    geo = client.get("/export/incidents.geojson", headers=admin).json()
    assert geo["features"][0]["properties"]["place"] and geo["features"][0]["properties"]["hazard"] == "fire"
    csv = client.get("/export/incidents.csv", headers=admin)
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("事件编号,类型,事件状态,任务编号") and len(lines) == len(geo["features"]) + 1
    assert lines[0].endswith("hazard_code,status_code,task_status_code,verdict_code,reason_code,sources_code")
    book = load_workbook(io.BytesIO(client.get("/export/incidents.xlsx", headers=admin).content))
    sheet = book["事件"]
    header = [c.value for c in sheet[1]]
    assert sheet.max_row == len(lines) and header[0] == "事件编号" and header[1] == "类型"
    first_seen = header.index("首次发现(北京时间)")
    row = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    feature = geo["features"][0]["properties"]
    stored = datetime.fromisoformat(feature["first_seen"])
    assert row[first_seen] == stored.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)
    assert sheet.cell(2, first_seen + 1).is_date  # a real date cell in local time, not text
    assert row[1] == "火点" and row[header.index("hazard_code")] == "fire"  # labels first, codes trailing
    code_columns = [i for i, h in enumerate(header) if str(h).endswith("_code")]
    assert code_columns == list(range(len(header) - 6, len(header)))
    assert all(sheet.column_dimensions[get_column_letter(i + 1)].hidden for i in code_columns)
    assert not sheet.column_dimensions["B"].hidden
    english = client.get("/export/incidents.csv", params={"lang": "en"}, headers=admin).content.decode(
        "utf-8-sig"
    )
    assert english.splitlines()[0].startswith("incident,hazard,incident status,task")
    incident_id = geo["features"][0]["id"]
    root = ET.fromstring(client.get(f"/incidents/{incident_id}/cap.xml", headers=admin).content)
    assert root.find(f"{CAP}msgType").text in ("Alert", "Update", "Cancel")
    assert root.find(f"{CAP}info/{CAP}area/{CAP}circle").text.endswith(" 0.5")
    assert root.find(f"{CAP}identifier").text.startswith(f"firegrid.incident.{incident_id}.")
    assert "UTC" not in root.find(f"{CAP}info/{CAP}description").text
    headline = root.find(f"{CAP}info/{CAP}headline").text
    assert not re.search(r"[A-Za-z]{3,}", headline), headline
    assert not re.search(r"[A-Za-z]{3,}", root.find(f"{CAP}restriction").text)  # people read these
    page = client.get("/bulletins/daily", headers=admin)
    assert page.status_code == 200 and "乡镇排名" in page.text and "data:image/png;base64," in page.text
    numbers = client.get("/bulletins/daily.json", headers=admin).json()
    assert numbers["until"].endswith("17:00:00+08:00") and set(numbers["totals"]) >= {"pushed", "confirmed"}
    png = client.get("/bulletins/daily.png", headers=admin)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_robots_and_push_subscriptions(client: TestClient, admin: dict[str, str]) -> None:
    operator = login(client, "op-140902")
    inspector = login(client, "insp-140902001001")
    robot = {
        "name": "秀容街道群",
        "kind": "dingtalk",
        "cell_code": "140902001",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=SECRET",
        "secret": "SEC",
    }
    assert client.post("/notify/robots", json=robot, headers=inspector).status_code == 403
    made = client.post("/notify/robots", json=robot, headers=operator).json()
    assert made["signed"] and "SECRET" not in made["url"]
    assert (
        client.post("/notify/robots", json=robot | {"cell_code": "140921"}, headers=operator).status_code
        == 404
    )
    key = client.get("/push/key", headers=inspector).json()["key"]
    assert len(key) == 87  # base64url of a 65-byte uncompressed P-256 point
    sub = {"endpoint": "http://127.0.0.1:9/push/x", "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}
    assert client.post("/push/subscriptions", json=sub, headers=inspector).status_code == 201
    assert client.request("DELETE", "/push/subscriptions", json=sub, headers=inspector).status_code == 204


def test_pages_are_served_without_outside_resources(client: TestClient) -> None:
    for path in ("/app/", "/map/"):
        page = client.get(path)
        assert page.status_code == 200
        for ref in ("http://", "https://", "//cdn", "unpkg", "jsdelivr"):
            assert f'src="{ref}' not in page.text and f'href="{ref}' not in page.text
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/leaflet.heat/leaflet-heat.js").status_code == 200
    assert client.get("/app/manifest.webmanifest").json()["start_url"] == "/app/"
    assert client.get("/app/sw.js").headers["service-worker-allowed"] == "/app/"


def test_the_bulletin_counts_the_tasks_pushed_in_its_window(
    client: TestClient, admin: dict[str, str]
) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    now = datetime.now(zone)
    day = now.date() + timedelta(days=1) if now.hour >= 17 else now.date()  # the window holding now
    tasks = client.get("/tasks", headers=admin).json()
    numbers = client.get("/bulletins/daily.json", params={"day": day.isoformat()}, headers=admin).json()
    since, until = datetime.fromisoformat(numbers["since"]), datetime.fromisoformat(numbers["until"])
    pushed = [t for t in tasks if since <= datetime.fromisoformat(t["created_at"]) < until]
    assert pushed and numbers["totals"]["pushed"] == len(pushed)
    fire = client.get("/export/incidents.geojson", headers=admin).json()["features"][0]["properties"]
    fires_day = datetime.fromisoformat(fire["first_seen"]).astimezone(zone).date()
    if fires_day != day:  # the day of the fires: no task was pushed then
        before = client.get("/bulletins/daily.json", params={"day": fires_day.isoformat()}, headers=admin)
        assert before.json()["totals"]["pushed"] == 0
