// OutletCRM field app service worker (scope /m/), rendered by the server so it knows the
// bundle's URLs and a version that changes with the bundle. It keeps the app shell and the
// last copy of each page and of the day's snapshot, so the rep keeps working without signal.
// It never reads or sends positions: the pages do that only on check-in, check-out and capture.
/* eslint-disable */
const VERSION = "{{ version }}";
const CACHE = `outletcrm-field-${VERSION}`;
const SHELL_PAGES = {{ shell_pages|safe }};
const SHELL_ASSETS = {{ shell_assets|safe }};
const VISIT_SHELL = "{{ visit_shell }}";
const TODAY = "{{ today_url }}";
const TODAY_API = "{{ today_api }}";
const MAP_BASE = "{{ map_base }}";
const STATIC_PREFIX = "{{ static_prefix }}";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // One by one: a page that fails (logged out, server busy) must not stop the others.
    await Promise.all([...SHELL_ASSETS, ...SHELL_PAGES].map(async (url) => {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch (error) { /* offline during install: the pages cache themselves later */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("outletcrm-field-") && n !== CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

function pageKey(url) {
  // Search results and pages are cached without their query, except the visit pages' ids.
  return url.origin + url.pathname;
}

async function networkFirstPage(request) {
  const url = new URL(request.url);
  const cache = await caches.open(CACHE);
  const isVisit = url.pathname.startsWith(TODAY + "visit/") && url.pathname !== VISIT_SHELL;
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(pageKey(url), response.clone());
      return response;
    }
    // A visit still queued on this phone is unknown to the server: the shell renders it.
    if (isVisit && response.status === 404) {
      const shell = await cache.match(VISIT_SHELL);
      if (shell) return shell;
    }
    return response;
  } catch (error) {
    const cached = await cache.match(pageKey(url));
    if (cached) return offlineCopy(cached);
    if (isVisit) {
      const shell = await cache.match(VISIT_SHELL);
      if (shell) return offlineCopy(shell);
    }
    const today = await cache.match(TODAY);
    if (today) return offlineCopy(today);
    throw error;
  }
}

// A page served from the cache because the network failed says so on <html>: the phone may
// still report "online" (a dead signal, or a fresh page before the browser's state reaches it),
// and the rep must see that what is on screen is the phone's copy (sync.js reads the mark).
async function offlineCopy(response) {
  const html = await response.text();
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(html.replace(/<html\b/i, "<html data-offline-copy"), {
    status: response.status, statusText: response.statusText, headers,
  });
}

async function networkFirstData(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request.url, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request.url);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirstAsset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // uploads go straight to the network
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(TODAY)) {
    event.respondWith(networkFirstPage(request));
  } else if (url.pathname === TODAY_API || url.pathname === MAP_BASE) {
    event.respondWith(networkFirstData(request));
  } else if (url.pathname.startsWith(STATIC_PREFIX + "dist/")) {
    event.respondWith(cacheFirstAsset(request));
  }
});
