/* The township ranking table: townships with pushes first, the quiet ones folded into one row that
   opens on a click (a county has dozens of townships, most without fires on a given day). */
"use strict";
const RANKING_COLUMNS = ["rank", "name", "pushed", "confirmed", "straw", "rate", "median", "overdue_n", "first_fire"];

function rankingHead() {
  document.querySelector("#ranking thead").innerHTML =
    "<tr>" + RANKING_COLUMNS.map((k) => `<th>${FG.t("ui." + k)}</th>`).join("") + "</tr>";
}

function rankingRow(r, hidden) {
  return `<tr data-code="${r.code}" class="${hidden ? "quiet-row" : ""}"${hidden ? " hidden" : ""}>
    <td>${r.rank}</td><td>${FG.esc(r.name)}</td><td>${r.pushed}</td><td>${r.confirmed}</td><td>${r.straw_burning}</td>
    <td>${r.confirmation_rate == null ? "—" : (r.confirmation_rate * 100).toFixed(0) + "%"}</td>
    <td>${r.median_verify_min ?? "—"}</td><td>${r.overdue}</td><td>${r.first_fire ? FG.fmtTime(r.first_fire) : "—"}</td></tr>`;
}

function table(rows) {
  const active = rows.filter((r) => r.pushed || r.overdue), quiet = rows.filter((r) => !(r.pushed || r.overdue));
  const fold = quiet.length
    ? `<tr id="quiet-toggle"><td colspan="${RANKING_COLUMNS.length}"><button type="button">${FG.t("ui.quiet_townships", { n: quiet.length })}</button></td></tr>`
    : "";
  const body = document.querySelector("#ranking tbody");
  body.innerHTML = active.map((r) => rankingRow(r, false)).join("") + fold + quiet.map((r) => rankingRow(r, true)).join("");
  const toggle = document.querySelector("#quiet-toggle button");
  if (toggle) toggle.onclick = () => body.querySelectorAll(".quiet-row").forEach((tr) => { tr.hidden = !tr.hidden; });
}
