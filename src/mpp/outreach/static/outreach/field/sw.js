/* The field app's service worker, served from /lapangan/sw.js (scope /lapangan/) by
   outreach.views.field_app, which puts self.MPP_FIELD = {version, shell, precache} on
   the line above: the files to keep and a version made from their bytes.

   - install: keep the shell page, the scripts, the styles, the icons and the manifest;
   - activate: drop the copies of older versions, take over the open pages;
   - fetch: the shell and those files from the network when it answers (and keep the
     fresh copy), else from the copy (the shell page waits at most 4 s for a slow network).
     The data and sync endpoints pass by untouched (the app handles their failures). */
/* global self, caches, fetch, Response, URL */
"use strict";

const CONFIG = self.MPP_FIELD;
const PREFIX = "mpp-lapangan-";
const CACHE = PREFIX + CONFIG.version;
const NETWORK_WAIT_MS = 4000; // a navigation waits this long for a slow network

function keyOf(url) {
  const u = new URL(url, self.location.href);
  return u.origin === self.location.origin ? u.pathname : null;
}

const KEPT = new Set(CONFIG.precache.map(keyOf));

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    const responses = await Promise.all(CONFIG.precache.map(async function (url) {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      // Never keep the sign-in page (a redirect) or an error in place of a file.
      if (!response.ok || response.redirected) { throw new Error("cannot keep " + url); }
      return [url, response];
    }));
    await Promise.all(responses.map(function (pair) { return cache.put(pair[0], pair[1]); }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.filter(function (n) { return n.startsWith(PREFIX) && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
    await self.clients.claim();
  })());
});

async function fromCache(key) {
  const cache = await caches.open(CACHE);
  return cache.match(key, { ignoreSearch: true });
}

async function networkFirst(request, key, isPage) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      cache.put(key, response.clone());
    }
    return response;
  });
  const fallback = function () {
    return fromCache(key).then(function (hit) {
      if (hit) { return hit; }
      return network; // nothing kept: let the network's own failure show
    });
  };
  if (!isPage) {
    return network.catch(fallback);
  }
  // A page: the network if it answers soon, else the kept shell.
  return new Promise(function (resolve) {
    let settled = false;
    const timer = setTimeout(function () {
      fromCache(key).then(function (hit) {
        if (hit && !settled) { settled = true; resolve(hit); }
      });
    }, NETWORK_WAIT_MS);
    network.then(function (response) {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(response); }
    }, function () {
      clearTimeout(timer);
      if (!settled) { settled = true; resolve(fallback().catch(offlinePage)); }
    });
  });
}

function offlinePage() {
  return new Response("<!doctype html><title>MPP</title><p>Offline.</p>", {
    status: 503, headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const key = keyOf(request.url);
  if (key === null) { return; }
  if (request.mode === "navigate") {
    // Only the shell page itself (any query string), never the data or sync paths.
    if (key === CONFIG.shell) {
      event.respondWith(networkFirst(request, CONFIG.shell, true));
    }
    return;
  }
  if (KEPT.has(key)) {
    event.respondWith(networkFirst(request, key, false));
  }
});
