/* The crew's field app: the day's route and stops, the service standards, the records
   kept on this device with their sync state, and the form (form.js) to issue a field
   ticket, record a service, start an application or write a note, with photos. Everything is kept on the device first (db.js) and
   sent by sync.js when there is a network; each record shows its own sync state.
   The page's text comes from the template; the sentences written here from the
   catalogue rendered into the page (#field-text), in the user's language. */
(function () {
  "use strict";
  const DB = window.MPPFieldDB;
  const root = document.getElementById("field-app");
  if (!root || !DB || !window.MPPFieldForm || !window.indexedDB) { return; }
  const config = JSON.parse(document.getElementById("field-config").textContent);
  const TEXT = JSON.parse(document.getElementById("field-text").textContent);
  const $ = function (id) { return document.getElementById(id); };
  const state = { days: [], date: null, records: [], files: [], photos: [], form: null, pending: 0 };

  function t(key, params) {
    return (TEXT[key] || key).replace(/%\((\w+)\)s/g, function (_, name) {
      return params && params[name] !== undefined ? String(params[name]) : "";
    });
  }

  function hhmm(value) { return value ? String(value).slice(0, 5) : ""; }

  function currentDay() {
    return state.days.find(function (d) { return d.date === state.date; }) || null;
  }

  function services(day) {
    return (day && day.services) || [];
  }

  function serviceName(code) {
    for (const d of state.days) {
      const s = services(d).find(function (x) { return x.code === code; });
      if (s) { return s.name; }
    }
    return code || "";
  }

  function stopsOf(day) { return (day && day.stops) || []; }

  function stopName(visitId) {
    for (const d of state.days) {
      const s = stopsOf(d).find(function (x) { return x.visit_id === visitId; });
      if (s) { return s.order + ". " + s.village_name; }
    }
    return t("no_stop");
  }

  // Sync state shown for a record: error, conflict, sent (and all photos) or waiting.
  function shownState(r, filesByRecord) {
    const files = filesByRecord[r.id] || [];
    if (r.state === "error" || files.some(function (f) { return f.state === "error"; })) { return "error"; }
    if (r.state === "conflict") { return "conflict"; }
    if (r.state === "sent" && files.every(function (f) { return f.complete; })) { return "sent"; }
    return "waiting";
  }

  // Rendering ----------------------------------------------------------------------------

  function renderStatus() {
    const online = navigator.onLine;
    root.dataset.online = online ? "1" : "0";
    const net = $("net-state");
    net.textContent = online ? t("online") : t("offline");
    net.classList.toggle("badge-warn", !online);
  }

  function renderDays() {
    const select = $("day-select");
    const dates = state.days.map(function (d) { return d.date; }).sort();
    select.textContent = "";
    dates.forEach(function (date) {
      const option = document.createElement("option");
      option.value = date;
      option.textContent = new Date(date + "T12:00:00").toLocaleDateString(document.documentElement.lang || "id",
        { weekday: "long", day: "numeric", month: "long" });
      select.appendChild(option);
    });
    if (!state.date || dates.indexOf(state.date) === -1) {
      const today = window.MPPFieldSync.localDate(new Date());
      state.date = dates.indexOf(today) !== -1 ? today
        : (dates.find(function (d) { return d > today; }) || dates[dates.length - 1] || null);
    }
    if (state.date) { select.value = state.date; }
    select.disabled = dates.length === 0;
    const day = currentDay();
    $("vehicle-name").textContent = day && day.vehicle ? "· " + day.vehicle.name : "";
    renderStops(day);
    renderStandards(day);
  }

  function renderStops(day) {
    const list = $("stops");
    list.textContent = "";
    if (!day) {
      $("data-state").textContent = t("no_data");
      return;
    }
    $("data-state").textContent = day.fetched_at
      ? t("data_updated", { time: new Date(day.fetched_at).toLocaleString(document.documentElement.lang || "id") }) : "";
    if (stopsOf(day).length === 0) {
      const li = document.createElement("li");
      li.textContent = t("no_route");
      list.appendChild(li);
    }
    stopsOf(day).forEach(function (stop) {
      const node = $("tpl-stop").content.firstElementChild.cloneNode(true);
      node.dataset.visit = stop.visit_id;
      const slot = function (name) { return node.querySelector('[data-slot="' + name + '"]'); };
      slot("order").textContent = stop.order;
      slot("village").textContent = stop.village_name;
      slot("kind").textContent = t("kind_" + stop.kind);
      slot("start").textContent = hhmm(stop.start);
      slot("end").textContent = hhmm(stop.end);
      slot("people").textContent = t("people", { count: stop.people });
      slot("services").textContent = (stop.services || []).map(function (s) { return s.name; }).join(", ");
      (stop.requests || []).forEach(function (req) {
        const li = document.createElement("li");
        const parts = [req.code, t("people", { count: req.people })];
        (req.needs || []).forEach(function (n) { parts.push(n); });
        if (req.address) { parts.push(req.address); }
        if (req.phone_masked) { parts.push(req.phone_masked); }
        li.textContent = parts.join(" · ");
        slot("requests").appendChild(li);
      });
      node.querySelectorAll("[data-action]").forEach(function (b) { b.dataset.visit = stop.visit_id; });
      list.appendChild(node);
    });
  }

  function renderStandards(day) {
    const box = $("standards");
    box.textContent = "";
    services(day).forEach(function (s) {
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = s.name;
      details.appendChild(summary);
      const dl = document.createElement("dl");
      const add = function (label, value) {
        const dt = document.createElement("dt"); dt.textContent = label;
        const dd = document.createElement("dd"); dd.textContent = value;
        dl.appendChild(dt); dl.appendChild(dd);
      };
      const reqs = (s.requirements || []).map(function (r) { return typeof r === "string" ? r : (r.name || ""); });
      add(t("requirements"), reqs.join("; ") || "–");
      add(t("duration"), s.duration || "–");
      const cost = Number(s.cost) > 0 ? "Rp " + Number(s.cost).toLocaleString(document.documentElement.lang || "id") : t("free");
      add(t("cost"), s.cost_varies ? cost + " · " + t("cost_varies") : cost);
      details.appendChild(dl);
      box.appendChild(details);
    });
  }

  const clock = new Intl.DateTimeFormat(document.documentElement.lang || "id", { hour: "2-digit", minute: "2-digit" });
  const drawn = new Map(); // record id -> {node, sign}: only what changed is drawn again

  function recordNode(r, shown, files) {
    const node = $("tpl-record").content.firstElementChild.cloneNode(true);
    node.dataset.id = r.id;
    node.dataset.kind = r.kind;
    node.dataset.state = shown;
    const slot = function (name) { return node.querySelector('[data-slot="' + name + '"]'); };
    slot("kind").textContent = t("kind_" + r.kind);
    const p = r.payload || {};
    slot("what").textContent = r.kind === "note" ? (p.text || "").slice(0, 60)
      : (r.kind === "ticket" ? p.number + " · " : "") + serviceName(p.service_code)
        + (r.kind === "application" ? " · " + (p.applicant_name || "") : "")
        + (r.kind === "service" ? " · " + p.people + " · " + t("outcome_" + p.outcome) : "");
    slot("state").textContent = t("state_" + shown);
    slot("state").classList.toggle("badge-warn", shown !== "sent");
    slot("time").textContent = clock.format(new Date(r.recorded_at));
    slot("stop").textContent = r.visit_id ? stopName(r.visit_id) : t("no_stop");
    const done = files.filter(function (f) { return f.complete; }).length;
    slot("photos").textContent = files.length && done < files.length
      ? t("photos_sent", { done: done, count: files.length }) : t("photos", { count: files.length });
    const notes = [];
    if (r.previous) { notes.push(t("edit_of")); }
    if (r.replaced_by) { notes.push(t("edited")); }
    if (r.user !== config.user && shown === "waiting") { notes.push(t("other_user")); }
    if (r.message) { notes.push(r.message); }
    files.forEach(function (f) { if (f.message) { notes.push(f.message); } });
    if (notes.length) { slot("message").textContent = notes.join(" · "); slot("message").hidden = false; }
    const edit = node.querySelector('[data-action="edit"]');
    edit.dataset.record = r.id;
    edit.hidden = Boolean(r.replaced_by) || r.user !== config.user;
    return node;
  }

  async function renderRecords() {
    state.records = await DB.allRecords();
    state.files = await DB.allFiles();
    const filesByRecord = {};
    state.files.forEach(function (f) { (filesByRecord[f.record] = filesByRecord[f.record] || []).push(f); });
    const counts = { waiting: 0, sent: 0, conflict: 0, error: 0 };
    const list = $("record-list");
    const seen = new Set();
    let position = 0;
    for (let i = state.records.length - 1; i >= 0; i--) {  // newest first
      const r = state.records[i];
      const files = filesByRecord[r.id] || [];
      const shown = shownState(r, filesByRecord);
      counts[shown] += 1;
      const done = files.filter(function (f) { return f.complete; }).length;
      const sign = [shown, r.rev, r.replaced_by, r.message, r.visit_id, files.length, done, state.days.length,
        files.map(function (f) { return f.message || ""; }).join()].join("|");
      let entry = drawn.get(r.id);
      if (!entry || entry.sign !== sign) {
        const node = recordNode(r, shown, files);
        if (entry) { entry.node.replaceWith(node); }
        entry = { node: node, sign: sign };
        drawn.set(r.id, entry);
      }
      seen.add(r.id);
      if (list.children[position] !== entry.node) { list.insertBefore(entry.node, list.children[position] || null); }
      position += 1;
    }
    drawn.forEach(function (entry, id) {
      if (!seen.has(id)) { entry.node.remove(); drawn.delete(id); }
    });
    Object.keys(counts).forEach(function (k) {
      root.querySelector('[data-count="' + k + '"]').textContent = counts[k];
    });
    state.pending = counts.waiting;
    root.dataset.total = String(state.records.length);
    root.dataset.pending = String(counts.waiting);
  }

  // While sending, the list is drawn again at most once a second (hundreds of photos).
  let renderTimer = null;
  function scheduleRender() {
    if (renderTimer) { return; }
    renderTimer = setTimeout(function () { renderTimer = null; renderRecords(); }, 1000);
  }

  async function loadDays() {
    state.days = await DB.allDays();
    renderDays();
  }

  // Sync ---------------------------------------------------------------------------------

  const SYNC_TEXT = {
    running: "syncing", done: "synced", offline: "sync_failed", signed_out: "signed_out",
  };
  const sync = new window.MPPFieldSync.Sync(config, function (what, detail) {
    if (what === "progress") { scheduleRender(); return; }
    if (what === "data") { loadDays(); return; }
    if (what === "data_refused") { $("data-state").textContent = detail.message || ""; return; }
    root.dataset.sync = { running: "running", done: "idle", offline: "offline", signed_out: "signed-out",
      refused: "refused", failed: "failed" }[what] || what;
    const box = $("sync-message");
    box.textContent = "";
    if (SYNC_TEXT[what]) { box.textContent = t(SYNC_TEXT[what]); }
    if (what === "refused" || what === "failed") { box.textContent = t("sync_error", { message: detail.message || "" }); }
    if (what === "signed_out") {
      const link = document.createElement("a");
      link.href = config.urls.login;
      link.textContent = " →";
      link.setAttribute("aria-label", t("signed_out"));
      box.appendChild(link);
    }
    if (what !== "running") { renderRecords(); }
  });

  let syncTimer = null;
  function scheduleSync() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(function () { sync.run(false); }, 1500);
  }

  // Offline: the service worker keeps the shell; ready once it holds this page.
  function registerWorker() {
    const ready = $("offline-ready");
    ready.textContent = t("offline_not_ready");
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(config.urls.sw, { scope: config.urls.scope }).catch(function () {});
    navigator.serviceWorker.ready.then(function () {
      return caches.match(config.urls.scope);
    }).then(function (hit) {
      if (hit) { ready.textContent = t("offline_ready"); ready.dataset.ready = "1"; }
    }).catch(function () {});
  }

  // Wiring -------------------------------------------------------------------------------

  const form = window.MPPFieldForm({
    DB: DB, config: config, state: state, $: $, t: t, currentDay: currentDay, stopsOf: stopsOf,
    services: services, serviceName: serviceName, renderRecords: renderRecords, scheduleSync: scheduleSync,
  });

  root.addEventListener("click", function (event) {
    const button = event.target.closest("[data-action]");
    if (!button || !root.contains(button)) { return; }
    const action = button.dataset.action;
    if (action === "edit") {
      const record = state.records.find(function (r) { return r.id === button.dataset.record; });
      if (record) { form.open(record.kind, record.visit_id, record); }
      return;
    }
    form.open(action, button.dataset.visit ? parseInt(button.dataset.visit, 10) : null, null);
  });
  $("day-select").addEventListener("change", function (event) { state.date = event.target.value; renderDays(); });
  $("sync-now").addEventListener("click", function () { sync.run(true); });
  window.addEventListener("online", function () { renderStatus(); sync.run(false); });
  window.addEventListener("offline", renderStatus);
  setInterval(function () { if (navigator.onLine && state.pending > 0) { sync.run(false); } }, 60000);

  root.hidden = false;
  renderStatus();
  registerWorker();
  Promise.all([loadDays(), renderRecords()]).then(function () {
    root.dataset.loaded = "1";
    if (navigator.onLine) { sync.run(false); } else { root.dataset.sync = "offline"; }
  }, function (e) {
    $("sync-message").textContent = t("storage_error", { message: String(e && e.message || e) });
  });
})();
