/* IndexedDB for the field client: a key-value store (token, user, classes, sent reports)
   and the outbox of reports, answers, duty changes and position fixes not yet sent. */
(function (global) {
  "use strict";
  var NAME = "seatdesk-field", VERSION = 1, opened = null;

  function open() {
    if (opened) { return opened; }
    opened = new Promise(function (resolve, reject) {
      var req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains("kv")) { db.createObjectStore("kv"); }
        if (!db.objectStoreNames.contains("outbox")) {
          db.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
        }
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { opened = null; reject(req.error); };
    });
    return opened;
  }

  function run(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), req = work(tx.objectStore(name)), result;
        if (req) { req.onsuccess = function () { result = req.result; }; }
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  global.store = {
    get: function (key) { return run("kv", "readonly", function (s) { return s.get(key); }); },
    set: function (key, value) {
      return run("kv", "readwrite", function (s) { return s.put(value, key); });
    },
    remove: function (key) { return run("kv", "readwrite", function (s) { return s.delete(key); }); },
    queue: function (item) { return run("outbox", "readwrite", function (s) { return s.add(item); }); },
    pending: function () { return run("outbox", "readonly", function (s) { return s.getAll(); }); },
    update: function (item) {
      return run("outbox", "readwrite", function (s) { return s.put(item); });
    },
    drop: function (seq) { return run("outbox", "readwrite", function (s) { return s.delete(seq); }); }
  };
})(window);
