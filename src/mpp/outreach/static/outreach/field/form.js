/* The field app's form (app.js opens it): a field ticket, a service rendered, an
   application started or a note, at a stop of the day or none, with photos of documents
   from the camera. Saving keeps the record and its photos on the device in one
   transaction (db.js), with each photo's sha256 for the server to check; an edit of a
   record that may have left the device becomes a new version pointing to it. */
(function () {
  "use strict";

  window.MPPFieldForm = function (ctx) {
    const DB = ctx.DB;
    const config = ctx.config;
    const state = ctx.state;
    const $ = ctx.$;
    const t = ctx.t;
    const currentDay = ctx.currentDay;
    const stopsOf = ctx.stopsOf;
    const services = ctx.services;
    const serviceName = ctx.serviceName;

    function fillSelect(select, options, value) {
      select.textContent = "";
      options.forEach(function (o) {
        const option = document.createElement("option");
        option.value = o[0];
        option.textContent = o[1];
        select.appendChild(option);
      });
      select.value = value === undefined || value === null ? "" : String(value);
      if (select.selectedIndex === -1 && select.options.length) { select.selectedIndex = 0; }
    }

    function fillServices(visitId, value) {
      const day = currentDay();
      const stop = stopsOf(day).find(function (s) { return String(s.visit_id) === String(visitId); });
      const list = stop && stop.services && stop.services.length ? stop.services : services(day);
      fillSelect($("f-service"), list.map(function (s) { return [s.code, s.name]; }), value);
    }

    // The field tickets of this device the service may be recorded against (latest versions).
    function fillTickets(value) {
      const tickets = state.records.filter(function (r) { return r.kind === "ticket" && !r.replaced_by; });
      fillSelect($("f-ticket"), [["", t("no_ticket")]].concat(tickets.slice(-30).reverse().map(function (r) {
        return [r.id, r.payload.number + " · " + serviceName(r.payload.service_code)];
      })), value || "");
    }

    function openForm(kind, visitId, record) {
      state.form = { kind: kind, record: record ? record.id : null };
      state.photos = [];
      const form = $("record-form");
      form.reset();
      form.dataset.kind = kind;
      $("form-kind").textContent = t("kind_" + kind);
      $("form-edit").hidden = !record;
      form.querySelectorAll("[data-for]").forEach(function (el) {
        el.hidden = el.dataset.for.split(" ").indexOf(kind) === -1;
      });
      const day = currentDay();
      const stops = [["", t("no_stop")]].concat(stopsOf(day).map(function (s) {
        return [String(s.visit_id), s.order + ". " + s.village_name];
      }));
      const p = record ? record.payload : {};
      const visit = record ? record.visit_id : visitId;
      fillSelect($("f-visit"), stops, visit);
      fillServices(visit, p.service_code);
      $("f-people").value = p.people || 1;
      if (p.outcome) { form.querySelector('input[name=outcome][value="' + p.outcome + '"]').checked = true; }
      $("f-priority").value = p.priority || "regular";
      fillTickets(p.ticket_id);
      $("f-applicant").value = p.applicant_name || "";
      $("f-note").value = kind === "note" ? (p.text || "") : (p.note || "");
      renderPhotos();
      showFormError("");
      $("record-form-box").hidden = false;
      $("form-title").focus();
    }

    function closeForm() {
      $("record-form-box").hidden = true;
      state.form = null;
      state.photos = [];
    }

    function showFormError(message) {
      const box = $("form-error");
      box.textContent = message;
      box.hidden = !message;
    }

    function renderPhotos() {
      const list = $("f-photo-list");
      list.textContent = "";
      state.photos.forEach(function (file, i) {
        const li = document.createElement("li");
        li.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB) ";
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "btn btn-secondary";
        remove.textContent = t("remove");
        remove.setAttribute("aria-label", t("remove") + " " + file.name);
        remove.addEventListener("click", function () { state.photos.splice(i, 1); renderPhotos(); });
        li.appendChild(remove);
        list.appendChild(li);
      });
    }

    function hex(buffer) {
      return Array.from(new Uint8Array(buffer)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    }

    async function photoRows(files) {
      const rows = [];
      for (const file of files) {
        const bytes = await file.arrayBuffer();
        const type = file.type === "image/png" ? "image/png" : (file.type === "application/pdf" ? "application/pdf" : "image/jpeg");
        rows.push({ id: crypto.randomUUID(), blob: new Blob([bytes], { type: type }),
          sha256: hex(await crypto.subtle.digest("SHA-256", bytes)), size: bytes.byteLength, content_type: type });
      }
      return rows;
    }

    function payloadOf(kind) {
      const service = $("f-service").value;
      if (kind !== "note" && !service) { throw new Error(t("choose_service")); }
      const note = $("f-note").value.trim();
      if (kind === "note") {
        if (!note) { throw new Error(t("need_text")); }
        return { text: note };
      }
      if (kind === "service") {
        const people = Math.max(1, Math.min(500, parseInt($("f-people").value, 10) || 1));
        const outcome = $("record-form").querySelector("input[name=outcome]:checked").value;
        const out = { service_code: service, people: people, outcome: outcome, note: note };
        if ($("f-ticket").value) { out.ticket_id = $("f-ticket").value; }
        return out;
      }
      if (kind === "application") {
        const name = $("f-applicant").value.trim();
        if (!name) { throw new Error(t("need_name")); }
        return { service_code: service, applicant_name: name, note: note };
      }
      return { service_code: service, priority: $("f-priority").value };
    }

    // Save: what the form holds is read at once (the form is ready for the next person
    // while the photos are read and stored); nothing is lost when storing fails.
    async function save(event) {
      event.preventDefault();
      const form = state.form;
      if (!form) { return; }
      const button = $("record-form").querySelector("[type=submit]");
      let payload;
      try {
        payload = payloadOf(form.kind);
      } catch (e) {
        showFormError(e.message);
        return;
      }
      showFormError("");
      const files = state.photos;
      const visit = $("f-visit").value ? parseInt($("f-visit").value, 10) : null;
      const kept = { note: $("f-note").value, applicant: $("f-applicant").value };
      if (!form.record) {  // ready for the next person at the same stop
        state.photos = [];
        renderPhotos();
        $("f-note").value = "";
        $("f-applicant").value = "";
        $("f-people").value = 1;
      }
      button.disabled = true;
      try {
        const photos = await photoRows(files);
        const now = new Date();
        const changes = { visit_id: visit, recorded_at: now.toISOString(), seq: now.getTime() + Math.random(), payload: payload };
        let saved;
        if (form.record) {
          const old = await DB.getRecord(form.record);
          if (old.kind === "ticket") { payload.number = old.payload.number; }
          saved = await DB.edit(form.record, changes, photos, function () { return crypto.randomUUID(); });
          closeForm();
        } else {
          if (form.kind === "ticket") {
            payload.number = await DB.nextTicketNumber(state.date || window.MPPFieldSync.localDate(now), await DB.deviceId());
          }
          const id = crypto.randomUUID();
          saved = await DB.addRecord(Object.assign(changes, { id: id, previous: null, root: id, kind: form.kind,
            state: "waiting", attempted: false, user: config.user, rev: 0, message: "" }), photos);
        }
        const message = saved.kind === "ticket" ? t("ticket_saved", { number: saved.payload.number }) : t("saved");
        $("sync-message").textContent = message;
        await ctx.renderRecords();
        if (navigator.onLine) { ctx.scheduleSync(); }
      } catch (e) {
        if (!form.record) {  // give the form back as it was
          state.photos = files.concat(state.photos);
          renderPhotos();
          if (!$("f-note").value) { $("f-note").value = kept.note; }
          if (!$("f-applicant").value) { $("f-applicant").value = kept.applicant; }
        }
        showFormError(t("storage_error", { message: String(e && e.message || e) }));
      } finally {
        button.disabled = false;
      }
    }

    $("record-form").addEventListener("submit", save);
    $("form-cancel").addEventListener("click", closeForm);
    $("f-visit").addEventListener("change", function () { fillServices($("f-visit").value, $("f-service").value); });
    $("f-photos").addEventListener("change", function (event) {
      const input = event.target;
      showFormError("");
      Array.from(input.files).forEach(function (file) {
        if (file.size === 0) { showFormError(t("photo_empty")); return; }
        if (file.size > config.file_max) {
          showFormError(t("photo_too_big", { size: Math.floor(config.file_max / 1048576) }));
          return;
        }
        state.photos.push(file);
      });
      input.value = "";
      renderPhotos();
    });

    return { open: openForm, close: closeForm };
  };
})();
