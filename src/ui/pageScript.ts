/**
 * The page's only script, inlined (no CDN, works offline). Without it every page still
 * reads; with it: times read "12 s ago", the page follows `GET /events` (each event is
 * the re-rendered `<main>`) without a reload, and "Sync now" posts in the background.
 * It never builds HTML from data itself: the server renders (and escapes) everything.
 */
export const pageScript = `
(() => {
  "use strict";
  const main = document.getElementById("main");
  const live = document.getElementById("live");
  const notice = document.getElementById("notice");
  const relative = (iso) => {
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (Number.isNaN(seconds)) return iso;
    const abs = Math.abs(seconds);
    const text = abs < 60 ? abs + " s" : abs < 3600 ? Math.round(abs / 60) + " min" : abs < 86400 ? Math.round(abs / 3600) + " h" : Math.round(abs / 86400) + " d";
    return seconds > 0 ? "in " + text : text + " ago";
  };
  const times = () => {
    for (const t of document.querySelectorAll("time[data-rel]")) {
      t.textContent = relative(t.dateTime);
      t.title = t.dateTime;
    }
  };
  times();
  setInterval(times, 1000);
  if (main && window.EventSource) {
    const events = new EventSource("/events?view=" + encodeURIComponent(location.pathname));
    events.addEventListener("open", () => { if (live) live.textContent = "live"; });
    events.addEventListener("error", () => { if (live) live.textContent = "reconnecting…"; });
    events.addEventListener("main", (event) => {
      const focused = document.activeElement && document.activeElement.id;
      main.innerHTML = event.data;
      if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
      times();
    });
  }
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sync")) return;
    event.preventDefault();
    if (notice) notice.textContent = "Requesting a pass…";
    try {
      const response = await fetch(form.action, { method: "POST", headers: { accept: "application/json" }, credentials: "same-origin" });
      const body = await response.json().catch(() => ({}));
      if (notice) notice.textContent = response.ok ? "Pass " + body.id + " of " + body.source + " requested." : "Sync refused: " + (body.reason || "HTTP " + response.status);
    } catch (error) {
      if (notice) notice.textContent = "Sync failed: fleetd did not answer.";
    }
  });
})();
`
