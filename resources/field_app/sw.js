/* Service worker of the field client: the page works offline. The app's own files come
   from the cache (and are refreshed from the server in the background); API calls always
   go to the network — the page keeps what could not be sent in its IndexedDB outbox. */
"use strict";
var CACHE = "seatdesk-field-v5";
var SHELL = ["./", "index.html", "app.css", "store.js", "app.js", "manifest.webmanifest",
             "icon.svg"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin
      || url.pathname.indexOf("/field/app/") !== 0) {
    return;  // the API: straight to the network
  }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(event.request, {ignoreSearch: true}).then(function (hit) {
      var fresh = fetch(event.request).then(function (response) {
        if (response.ok) { cache.put(event.request, response.clone()); }
        return response;
      });
      if (hit) {
        fresh.catch(function () {});  // offline: the cached copy is the answer
        return hit;
      }
      return fresh;
    });
  }));
});
