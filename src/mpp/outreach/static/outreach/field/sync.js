/* Sending what the crew recorded (notes/outreach-brief.md, H4's endpoints):
   1. the coming days' route: GET data (kept in IndexedDB for offline days);
   2. records, oldest first, in batches: POST records {"device_id", "records": [...]};
      each answer (accepted, duplicate, conflict, invalid) is kept per record;
   3. photos, each in chunks (two files at a time): PUT files/<id> with Content-Range,
      resuming from what the server says it holds (GET files/<id>) after a failure; a
      chunk the server did not expect answers 409 with the count to go on from.
   A failed request stops the round (the network is gone); the next round starts on
   "online", on the button, on start and every minute while something waits. One round
   at a time per device (Web Locks across tabs). */
(function () {
  "use strict";
  const DB = window.MPPFieldDB;

  class Offline extends Error {}
  class SignedOut extends Error {}
  class Refused extends Error {
    constructor(message, code) { super(message); this.code = code; }
  }

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function request(url, options) {
    const opts = Object.assign({ credentials: "same-origin", redirect: "manual", cache: "no-store" }, options || {});
    opts.headers = Object.assign({ "X-CSRFToken": csrfToken(), "Accept": "application/json" }, opts.headers || {});
    let response;
    try {
      response = await fetch(url, opts);
    } catch (e) {
      throw new Offline(String(e));
    }
    // A redirect is the sign-in page (the session ended); 401 the same in JSON.
    if (response.type === "opaqueredirect" || response.status === 401) { throw new SignedOut(); }
    return response;
  }

  async function json(response) {
    try { return await response.json(); } catch (e) { return {}; }
  }

  function localDate(d) {
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  // The answer of GET data as one entry per day: {"dates": [...], "stops": [{"date", ...}],
  // "services", ...} (a single day's answer without "dates" is one day).
  function daysOf(body) {
    const dates = Array.isArray(body.dates) && body.dates.length ? body.dates : [body.date];
    const stops = Array.isArray(body.stops) ? body.stops : [];
    const fetched = new Date().toISOString();
    return dates.filter(Boolean).map(function (date) {
      return { date: date, user: body.user, vehicle: body.vehicle, fetched_at: fetched,
        services: body.services || [], offerings: body.offerings || [],
        stops: stops.filter(function (s) { return (s.date || body.date) === date; }) };
    });
  }

  class Sync {
    constructor(config, onChange) {
      this.config = config;
      this.onChange = onChange || function () {};
      this.running = false;
      this.again = false;
    }

    status(state, detail) { this.onChange(state, detail || {}); }

    async fetchDays() {
      const url = this.config.urls.data + "?date=" + localDate(new Date()) + "&days=" + this.config.days;
      const response = await request(url);
      if (!response.ok) {
        const body = await json(response);
        throw new Refused(body.message || String(response.status), body.code);
      }
      const days = daysOf(await json(response));
      await DB.putDays(days);
      await DB.setMeta("data_fetched_at", new Date().toISOString());
      return days;
    }

    async sendRecords(device) {
      const user = this.config.user;
      const all = await DB.allRecords();
      const waiting = all.filter(function (r) { return r.state === "waiting" && r.user === user; });
      for (let i = 0; i < waiting.length; i += this.config.batch) {
        const batch = waiting.slice(i, i + this.config.batch);
        await DB.markAttempted(batch.map(function (r) { return r.id; }));
        const body = {
          device_id: device,
          records: batch.map(function (r) {
            return { id: r.id, previous: r.previous || null, kind: r.kind,
              visit_id: r.visit_id || null, recorded_at: r.recorded_at, payload: r.payload,
              attachments: r.attachments };
          }),
        };
        const response = await request(this.config.urls.records, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        });
        const answer = await json(response);
        if (!response.ok) {
          if (response.status >= 500 || response.status === 429) { throw new Offline(String(response.status)); }
          throw new Refused(answer.message || String(response.status), answer.code);
        }
        await DB.applyResults(answer.results || []);
        this.status("progress");
      }
    }

    async sendFile(id) {
      const f = await DB.getFile(id);
      if (!f || f.complete || f.state === "error") { return; }
      const url = this.config.urls.file + f.id;
      let received = f.received || 0;
      let failures = f.checksum_failures || 0;
      if (f.tried) {  // a round stopped during this file: ask where the server is
        const response = await request(url);
        const body = await json(response);
        if (response.status === 404) {
          received = 0;
        } else if (!response.ok) {
          throw new Offline(String(response.status));
        } else if (body.complete) {
          await DB.updateFile(f.id, { complete: true, received: f.size, state: "done" });
          this.status("progress");
          return;
        } else {
          received = body.received || 0;
        }
      }
      try {
        await this.sendChunks(f, url, received, failures);
      } catch (e) {
        // Where the server stopped is unknown now: ask it before the next try.
        if (e instanceof Offline) { await DB.updateFile(f.id, { tried: true }); }
        throw e;
      }
    }

    async sendChunks(f, url, received, failures) {
      for (;;) {
        const end = Math.min(received + this.config.chunk, f.size);
        const response = await request(url, {
          method: "PUT",
          headers: { "Content-Type": "application/octet-stream",
            "Content-Range": "bytes " + received + "-" + (end - 1) + "/" + f.size },
          body: f.blob.slice(received, end),
        });
        const body = await json(response);
        if (response.ok) {
          received = body.received;
          if (body.complete) {
            await DB.updateFile(f.id, { complete: true, received: f.size, state: "done" });
            this.status("progress");
            return;
          }
          await DB.updateFile(f.id, { received: received });
          continue;
        }
        if (response.status === 409 && body.code === "offset_mismatch") {
          received = body.received || 0;
          continue;
        }
        if (response.status === 422 && body.code === "checksum_mismatch" && failures < 2) {
          failures += 1;
          received = 0;
          await DB.updateFile(f.id, { received: 0, checksum_failures: failures });
          continue;
        }
        if (response.status >= 500 || response.status === 429) { throw new Offline(String(response.status)); }
        await DB.updateFile(f.id, { state: "error", message: body.message || body.code || String(response.status) });
        this.status("progress");
        return;
      }
    }

    async sendFiles() {
      const user = this.config.user;
      const records = await DB.allRecords();
      const stored = {};
      records.forEach(function (r) {
        if ((r.state === "sent" || r.state === "conflict") && r.user === user) { stored[r.id] = true; }
      });
      const queue = (await DB.allFiles()).filter(function (f) {
        return !f.complete && f.state !== "error" && stored[f.record];
      });
      // Two at a time: one waits for the network while the server takes the other.
      let failure = null;
      const worker = async () => {
        while (queue.length && !failure) {
          try { await this.sendFile(queue.shift().id); } catch (e) { failure = failure || e; }
        }
      };
      await Promise.all([worker(), worker()]);
      if (failure) { throw failure; }
    }

    // One round; `manual`: the crew pressed the button (records in error are tried again).
    async run(manual) {
      if (this.running) { this.again = true; return; }
      this.running = true;
      try {
        const work = async () => {
          do {
            this.again = false;
            await this.round(manual);
            manual = false;
          } while (this.again);
        };
        if (navigator.locks) {
          await navigator.locks.request("mpp-lapangan-sync", work);
        } else {
          await work();
        }
      } finally {
        this.running = false;
      }
    }

    async round(manual) {
      if (!navigator.onLine) { this.status("offline"); return; }
      this.status("running");
      try {
        if (manual) { await DB.retryErrors(); }
        const device = await DB.deviceId();
        try {
          await this.fetchDays();
          this.status("data");
        } catch (e) {
          if (e instanceof Offline || e instanceof SignedOut) { throw e; }
          this.status("data_refused", { message: e.message, code: e.code });
        }
        await this.sendRecords(device);
        await this.sendFiles();
        this.status("done");
      } catch (e) {
        if (e instanceof Offline) { this.status("offline", { message: e.message }); }
        else if (e instanceof SignedOut) { this.status("signed_out"); }
        else if (e instanceof Refused) { this.status("refused", { message: e.message, code: e.code }); }
        else { this.status("failed", { message: String(e && e.message || e) }); }
      }
    }
  }

  window.MPPFieldSync = { Sync: Sync, localDate: localDate };
})();
