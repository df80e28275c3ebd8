/* The field app's store on the device (IndexedDB): what the crew recorded, the photos
   as Blobs, the downloaded route. It outlives a browser restart and days without a
   network; the sync (sync.js) empties it towards the server.

   Stores:
   - meta    {key, value}: device id, ticket counters, last download
   - days    {date, ...}: /lapangan/data/ for one day (stops, services)
   - records {id, previous, root, kind, visit_id, recorded_at, payload, attachments,
              state: waiting|sent|conflict|error, attempted, user, seq, replaced_by, ...}
   - files   {id, record, sha256, size, content_type, received, complete, tried, state}
   - blobs   {id, blob}: the photo's bytes, apart so that listing the files stays cheap
   A record once attempted is frozen: an edit becomes a new record whose `previous` is
   its id (MPPFieldDB.edit). */
(function () {
  "use strict";
  const NAME = "mpp-lapangan";
  const VERSION = 1;
  let opening = null;

  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        const db = request.result;
        db.createObjectStore("meta", { keyPath: "key" });
        db.createObjectStore("days", { keyPath: "date" });
        const records = db.createObjectStore("records", { keyPath: "id" });
        records.createIndex("seq", "seq");
        records.createIndex("state", "state");
        const files = db.createObjectStore("files", { keyPath: "id" });
        files.createIndex("record", "record");
        db.createObjectStore("blobs", { keyPath: "id" });
      };
      request.onsuccess = function () {
        const db = request.result;
        db.onversionchange = function () { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = function () { opening = null; reject(request.error); };
      request.onblocked = function () { opening = null; reject(new Error("blocked")); };
    });
    return opening;
  }

  function done(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Run fn(stores) in one transaction; resolves with fn's result once it has committed.
  async function tx(names, mode, fn) {
    const db = await open();
    return new Promise(function (resolve, reject) {
      const t = db.transaction(names, mode);
      const stores = {};
      names.forEach(function (n) { stores[n] = t.objectStore(n); });
      let result;
      t.oncomplete = function () { resolve(result); };
      t.onerror = function () { reject(t.error); };
      t.onabort = function () { reject(t.error || new Error("aborted")); };
      Promise.resolve().then(function () { return fn(stores); }).then(
        function (value) { result = value; },
        function (error) { try { t.abort(); } catch (e) { /* already done */ } reject(error); }
      );
    });
  }

  async function getMeta(key) {
    const row = await tx(["meta"], "readonly", function (s) { return done(s.meta.get(key)); });
    return row ? row.value : undefined;
  }

  function setMeta(key, value) {
    return tx(["meta"], "readwrite", function (s) { return done(s.meta.put({ key: key, value: value })); });
  }

  async function deviceId() {
    let id = await getMeta("device_id");
    if (!id) {
      id = crypto.randomUUID();
      await setMeta("device_id", id);
    }
    return id;
  }

  // The next number of a field ticket for this device and day (K<device>-<n>).
  async function nextTicketNumber(date, device) {
    return tx(["meta"], "readwrite", async function (s) {
      const key = "ticket:" + date;
      const row = await done(s.meta.get(key));
      const n = (row ? row.value : 0) + 1;
      await done(s.meta.put({ key: key, value: n }));
      return "K" + device.slice(0, 2).toUpperCase() + "-" + String(n).padStart(3, "0");
    });
  }

  function putDays(days) {
    return tx(["days"], "readwrite", async function (s) {
      for (const day of days) { await done(s.days.put(day)); }
    });
  }

  function allDays() {
    return tx(["days"], "readonly", function (s) { return done(s.days.getAll()); });
  }

  function allRecords() {
    return tx(["records"], "readonly", function (s) { return done(s.records.index("seq").getAll()); });
  }

  function allFiles() {
    return tx(["files"], "readonly", function (s) { return done(s.files.getAll()); });
  }

  // One file with its bytes (for the upload).
  function getFile(id) {
    return tx(["files", "blobs"], "readonly", async function (s) {
      const f = await done(s.files.get(id));
      const b = await done(s.blobs.get(id));
      return f && b ? Object.assign(f, { blob: b.blob }) : null;
    });
  }

  function putFile(s, recordId, p) {
    return Promise.all([
      done(s.files.add({ id: p.id, record: recordId, sha256: p.sha256, size: p.size,
        content_type: p.content_type, received: 0, complete: false, tried: false, state: "waiting" })),
      done(s.blobs.add({ id: p.id, blob: p.blob })),
    ]);
  }

  function getRecord(id) {
    return tx(["records"], "readonly", function (s) { return done(s.records.get(id)); });
  }

  // Photos: [{id, blob, sha256, size, content_type}] made by the caller (digests first,
  // so that the record and its photos are written in one transaction).
  function addRecord(record, photos) {
    return tx(["records", "files", "blobs"], "readwrite", async function (s) {
      record.attachments = photos.map(function (p) {
        return { id: p.id, sha256: p.sha256, size: p.size, content_type: p.content_type };
      });
      await done(s.records.add(record));
      for (const p of photos) { await putFile(s, record.id, p); }
      return record;
    });
  }

  // An edit: a record never tried yet changes in place (it never left the device);
  // one that was (maybe) uploaded stays as it was and a new version points to it.
  function edit(oldId, changes, photos, makeId) {
    return tx(["records", "files", "blobs"], "readwrite", async function (s) {
      const old = await done(s.records.get(oldId));
      if (!old) { throw new Error("unknown record"); }
      const extra = photos.map(function (p) {
        return { id: p.id, sha256: p.sha256, size: p.size, content_type: p.content_type };
      });
      let target;
      if (!old.attempted && old.state === "waiting") {
        Object.assign(old, changes);
        old.attachments = old.attachments.concat(extra);
        old.rev = (old.rev || 0) + 1;
        await done(s.records.put(old));
        target = old;
      } else {
        target = Object.assign({}, old, changes, {
          id: makeId(), previous: old.id, root: old.root || old.id, attachments: extra,
          state: "waiting", attempted: false, message: "", conflict_id: null,
          replaced_by: null, rev: 0,
        });
        await done(s.records.add(target));
        old.replaced_by = target.id;
        await done(s.records.put(old));
      }
      for (const p of photos) { await putFile(s, target.id, p); }
      return target;
    });
  }

  // Mark records as tried before they are sent (frozen from then on).
  function markAttempted(ids) {
    return tx(["records"], "readwrite", async function (s) {
      for (const id of ids) {
        const r = await done(s.records.get(id));
        if (r && !r.attempted) { r.attempted = true; await done(s.records.put(r)); }
      }
    });
  }

  // results: the server's [{id, status, conflict_id?, code?, message?, attachments_missing?}]
  function applyResults(results) {
    return tx(["records", "files", "blobs"], "readwrite", async function (s) {
      for (const res of results) {
        const r = await done(s.records.get(res.id));
        if (!r) { continue; }
        if (res.status === "accepted" || res.status === "duplicate") {
          r.state = "sent";
          r.message = "";
        } else if (res.status === "conflict") {
          r.state = "conflict";
          r.conflict_id = res.conflict_id || null;
          r.message = res.message || "";
        } else {
          r.state = "error";
          r.message = res.message || res.code || "";
        }
        await done(s.records.put(r));
        // Photos the server says it already has are done.
        if (Array.isArray(res.attachments_missing) && res.status !== "invalid") {
          for (const a of r.attachments) {
            if (res.attachments_missing.indexOf(a.id) === -1) {
              const f = await done(s.files.get(a.id));
              if (f && !f.complete) {
                f.complete = true; f.received = f.size; f.state = "done";
                await done(s.files.put(f));
                await done(s.blobs.delete(f.id));
              }
            }
          }
        }
      }
    });
  }

  // A file's upload state; once the server holds it whole, its bytes leave the device.
  function updateFile(id, changes) {
    return tx(["files", "blobs"], "readwrite", async function (s) {
      const f = await done(s.files.get(id));
      if (!f) { return null; }
      Object.assign(f, changes);
      await done(s.files.put(f));
      if (f.complete) { await done(s.blobs.delete(id)); }
      return f;
    });
  }

  // Records in error go back to waiting (the crew asked to try again).
  function retryErrors() {
    return tx(["records", "files"], "readwrite", async function (s) {
      const records = await done(s.records.getAll());
      for (const r of records) {
        if (r.state === "error") { r.state = "waiting"; r.message = ""; await done(s.records.put(r)); }
      }
      const files = await done(s.files.getAll());
      for (const f of files) {
        if (f.state === "error") { f.state = "waiting"; f.message = ""; f.tried = true; await done(s.files.put(f)); }
      }
    });
  }

  window.MPPFieldDB = {
    open: open, getMeta: getMeta, setMeta: setMeta, deviceId: deviceId,
    nextTicketNumber: nextTicketNumber, putDays: putDays, allDays: allDays,
    allRecords: allRecords, allFiles: allFiles, getFile: getFile, getRecord: getRecord,
    addRecord: addRecord, edit: edit, markAttempted: markAttempted,
    applyResults: applyResults, updateFile: updateFile, retryErrors: retryErrors,
  };
})();
