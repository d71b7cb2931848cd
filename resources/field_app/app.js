/* 城管通 reference field client: sign in, report with photos and position, answer 核实/核查
   tasks, clock on and off duty. Everything that must reach the centre goes through the
   IndexedDB outbox first (store.js), so nothing typed is lost without a network; the
   outbox is sent in order when the server answers again. API: docs/api.md (/field/v1). */
(function (global) {
  "use strict";
  var API = "/field/v1";
  var RETRY_MS = 5000, MAX_SIDE = 1600;
  var S = {token: null, user: null, device: null, online: false, position: null,
           photos: [], editing: null, tasks: [], etag: "", duty: false, interval: 30, flushing: false,
           dutyTimer: null, watch: null, polling: false, mustChange: false, signInPassword: null};

  function $(id) { return document.getElementById(id); }

  function uuid() {
    if (global.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "r" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  // -- messages -----------------------------------------------------------------------
  var noticeTimer = null;
  function notice(text, bad) {
    var el = $("notice");
    el.textContent = text;
    el.classList.toggle("bad", !!bad);
    el.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { el.hidden = true; }, 6000);
  }

  function errorText(body, status) {
    if (body && body.error && body.error.message) { return body.error.message; }
    return "服务器拒绝了请求（" + status + "）";
  }

  function setOnline(on) {
    S.online = on;
    $("net").textContent = on ? "在线" : "离线";
    $("net").classList.toggle("offline", !on);
  }

  // -- talking to the server ----------------------------------------------------------
  function call(method, path, body) {
    var options = {method: method, headers: {}};
    if (S.token) { options.headers.Authorization = "Bearer " + S.token; }
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      setOnline(true);
      return response;
    }, function (err) {
      setOnline(false);
      throw err;
    });
  }

  // -- views ----------------------------------------------------------------------------
  function show(view) {
    ["login", "password", "report", "tasks", "duty"].forEach(function (name) {
      $("view-" + name).hidden = name !== view;
    });
    $("tabs").hidden = view === "login" || (view === "password" && S.mustChange);
    var tab = view === "password" ? "duty" : view;  // 修改密码 is under 我的
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
      b.classList.toggle("on", b.dataset.view === tab);
    });
  }

  // -- sign-in --------------------------------------------------------------------------
  function signIn(event) {
    event.preventDefault();
    var error = $("login-error");
    error.hidden = true;
    $("login-go").disabled = true;
    var typed = $("login-pass").value;
    call("POST", "/session", {username: $("login-user").value.trim(),
                              password: typed, device_id: S.device})
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(errorText(body, response.status)); }
          S.token = body.token;
          S.user = {id: body.user_id, name: body.display_name};
          S.interval = body.position_interval_s || 30;
          S.mustChange = !!body.must_change_password;
          return Promise.all([store.set("token", S.token), store.set("user", S.user),
                              store.set("interval", S.interval),
                              store.set("must_change", S.mustChange)]);
        });
      })
      .then(function () {
        $("login-pass").value = "";
        if (S.mustChange) {
          S.signInPassword = typed;  // in memory only, for the change that comes next
          passwordView();
        } else {
          started();
        }
      })
      .catch(function (err) {
        error.textContent = err instanceof TypeError ? "无法连接指挥中心，请检查网络" : err.message;
        error.hidden = false;
      })
      .then(function () { $("login-go").disabled = false; });
  }

  function signOut() {
    var token = S.token;
    if (token) { call("DELETE", "/session").catch(function () {}); }
    stopDuty();
    S.token = null;
    S.user = null;
    S.mustChange = false;
    S.signInPassword = null;
    Promise.all([store.remove("token"), store.remove("user"),
                 store.remove("must_change")]).then(function () {
      $("who").textContent = "";
      show("login");
    });
  }

  function needSignIn() {
    S.token = null;
    store.remove("token");
    show("login");
    notice("登录已失效，请重新登录；未发送的内容会保留", true);
  }

  function started() {
    $("who").textContent = S.user ? S.user.name : "";
    show("report");
    loadClasses();
    refreshOutbox();
    renderSent();
    flush();
    pollTasks();
  }

  // -- the supervisor's own password ------------------------------------------------------
  // After ``seatdesk db logins`` or an administrator's reset the sign-in says the password
  // must be changed: nothing else until it is (as at a seat). 我的 → 修改密码 any time.
  function passwordView() {
    var known = S.mustChange && S.signInPassword !== null;
    ["password-old", "password-new", "password-again"].forEach(function (id) { $(id).value = ""; });
    $("password-old-label").hidden = known;
    $("password-why").hidden = !S.mustChange;
    $("password-cancel").hidden = S.mustChange;
    $("password-error").hidden = true;
    $("who").textContent = S.user ? S.user.name : "";
    show("password");
  }

  // The server answers 403 must_change_password when the password was given anew while
  // this phone was signed in (``seatdesk db logins`` again): the change view, and what
  // waits in the outbox stays there and goes once it is changed. True if that was it.
  function mustChangeNow(response, body) {
    if (response.status !== 403 || !body || !body.error
        || body.error.code !== "must_change_password") { return false; }
    if (!S.mustChange) {
      S.mustChange = true;
      S.signInPassword = null;
      store.set("must_change", true);
      passwordView();
      notice(body.error.message, true);
    }
    return true;
  }

  function changePassword(event) {
    event.preventDefault();
    var error = $("password-error");
    var old = $("password-old-label").hidden ? S.signInPassword : $("password-old").value;
    var fresh = $("password-new").value;
    error.hidden = true;
    var problem = fresh.length < 8 ? "新密码至少 8 位"
      : fresh !== $("password-again").value ? "两次输入的新密码不一致" : "";
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
      return;
    }
    $("password-go").disabled = true;
    call("POST", "/password", {old_password: old || "", new_password: fresh})
      .then(function (response) {
        if (response.status === 401) { needSignIn(); return; }
        if (!response.ok) {
          return response.json().then(function (body) {
            throw new Error(errorText(body, response.status));
          });
        }
        var forced = S.mustChange;
        S.mustChange = false;
        S.signInPassword = null;
        return store.set("must_change", false).then(function () {
          notice("密码已修改，下次登录请用新密码");
          if (forced) { started(); } else { show("duty"); }
        });
      })
      .catch(function (err) {
        error.textContent = err instanceof TypeError ? "无法连接指挥中心：联网后再修改密码" : err.message;
        error.hidden = false;
      })
      .then(function () { $("password-go").disabled = false; });
  }

  // -- classes --------------------------------------------------------------------------
  function loadClasses() {
    store.get("classes").then(function (cached) { if (cached) { renderClasses(cached); } });
    call("GET", "/classes").then(function (response) {
      if (!response.ok) { return; }
      return response.json().then(function (classes) {
        renderClasses(classes);
        return store.set("classes", classes);
      });
    }).catch(function () {});
  }

  function renderClasses(classes) {
    var select = $("report-class"), chosen = select.value, groups = {};
    while (select.options.length > 1) { select.remove(1); }
    Array.prototype.slice.call(select.querySelectorAll("optgroup")).forEach(function (g) {
      g.remove();
    });
    classes.forEach(function (c) {
      var key = (c.kind === "component" ? "部件 · " : "事件 · ") + c.major_name;
      if (!groups[key]) {
        groups[key] = document.createElement("optgroup");
        groups[key].label = key;
        select.appendChild(groups[key]);
      }
      var option = document.createElement("option");
      option.value = String(c.id);
      option.textContent = c.code + " " + c.name;
      groups[key].appendChild(option);
    });
    select.value = chosen;
  }

  // -- position -------------------------------------------------------------------------
  function setPosition(lon, lat, accuracy) {
    S.position = {lon: lon, lat: lat, accuracy_m: accuracy == null ? null : accuracy,
                  at: new Date().toISOString()};
    $("where-text").textContent = "经度 " + lon.toFixed(6) + "，纬度 " + lat.toFixed(6)
      + (accuracy ? "（±" + Math.round(accuracy) + " 米）" : "");
    $("where-text").classList.remove("error");
  }

  function locate() {
    if (!navigator.geolocation) { noPosition(); return; }
    $("where-text").textContent = "定位中…";
    navigator.geolocation.getCurrentPosition(function (p) {
      setPosition(p.coords.longitude, p.coords.latitude, p.coords.accuracy);
    }, noPosition, {enableHighAccuracy: true, timeout: 15000, maximumAge: 10000});
  }

  function noPosition() {
    $("where-text").textContent = "无法定位，请打开定位或手动输入坐标";
    $("where-text").classList.add("error");
    $("manual").open = true;
  }

  function reportPosition() {
    var lon = parseFloat($("manual-lon").value), lat = parseFloat($("manual-lat").value);
    if (isFinite(lon) && isFinite(lat)) { return {lon: lon, lat: lat}; }
    return S.position;
  }

  // -- photos ---------------------------------------------------------------------------
  function shrink(blob) {
    if (!global.createImageBitmap) { return Promise.resolve(blob); }
    return createImageBitmap(blob).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (out) { resolve(out || blob); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return blob; });
  }

  function addPhoto(blob) {
    return shrink(blob).then(showPhoto);
  }

  function showPhoto(small) {
    S.photos.push(small);
    var img = document.createElement("img");
    img.src = URL.createObjectURL(small);
    img.alt = "照片 " + S.photos.length;
    $("report-thumbs").appendChild(img);
    return S.photos.length;
  }

  function photosChosen(event) {
    Array.prototype.reduce.call(event.target.files, function (p, file) {
      return p.then(function () { return addPhoto(file); });
    }, Promise.resolve()).then(function () { event.target.value = ""; });
  }

  // -- reporting ------------------------------------------------------------------------
  function submitReport(event) {
    event.preventDefault();
    var where = reportPosition(), error = $("report-error");
    error.hidden = true;
    if (!where) {
      error.textContent = "请先定位，或手动输入坐标";
      error.hidden = false;
      return;
    }
    var item = {kind: "report", user: S.user.id, report_id: uuid(), created: Date.now(),
                state: "pending", photos: S.photos.slice(),
                fields: {lon: where.lon, lat: where.lat, description: $("report-text").value,
                         address: $("report-address").value, class_id: $("report-class").value,
                         urgency: $("report-urgent").checked ? "urgent" : "normal"}};
    var replaced = S.editing;  // a refused report corrected: it leaves the outbox now
    S.editing = null;
    store.queue(item).then(function () {
      return replaced === null ? null : store.drop(replaced);
    }).then(function () {
      resetReport();
      if (replaced !== null) {  // the corrected place was for that report only
        $("manual-lon").value = "";
        $("manual-lat").value = "";
        $("manual").open = false;
      }
      notice(S.online ? "正在上报…" : "已保存在手机上，联网后自动上报");
      refreshOutbox();
      renderSent();
      flush();
    });
  }

  function resetReport() {
    $("report-text").value = "";
    $("report-address").value = "";
    $("report-urgent").checked = false;
    $("report-thumbs").textContent = "";
    S.photos = [];
  }

  function reportForm(item) {
    var form = new FormData();
    form.append("report_id", item.report_id);
    Object.keys(item.fields).forEach(function (name) {
      var value = item.fields[name];
      if (value !== "" && value !== null && value !== undefined) { form.append(name, value); }
    });
    item.photos.forEach(function (blob, i) { form.append("photos", blob, "photo-" + (i + 1) + ".jpg"); });
    return form;
  }

  // -- the outbox -----------------------------------------------------------------------
  function request(item) {
    if (item.kind === "report") { return ["POST", "/reports", reportForm(item)]; }
    if (item.kind === "answer") {
      var form = new FormData();
      Object.keys(item.fields).forEach(function (k) { form.append(k, item.fields[k]); });
      item.photos.forEach(function (blob, i) { form.append("photos", blob, "answer-" + (i + 1) + ".jpg"); });
      return ["POST", "/tasks/" + item.case_id + "/answer", form];
    }
    if (item.kind === "duty") { return ["POST", "/duty", item.fields]; }
    return ["POST", "/positions", {fixes: item.fixes}];
  }

  function send(item) {
    var r = request(item);
    return call(r[0], r[1], r[2]).then(function (response) {
      if (response.status === 401) { needSignIn(); return false; }
      if (response.status === 429 || response.status >= 500) { return false; }
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) { return sent(item, body).then(function () { return true; }); }
        if (mustChangeNow(response, body)) { return false; }  // it waits for the change
        item.state = "failed";
        item.error = errorText(body, response.status);
        return store.update(item).then(function () { return true; });
      });
    }, function () { return false; });
  }

  function sent(item, body) {
    var done = store.drop(item.seq);
    if (item.kind === "report") {
      notice("已上报，案卷号 " + body.number + (body.replayed ? "（此前已收到）" : ""));
      done = done.then(function () { return remember(item, body); });
    } else if (item.kind === "answer") {
      notice("已提交案卷 " + body.number + " 的" + (item.label || "答复"));
    }
    return done;
  }

  function remember(item, body) {
    return store.get("sent").then(function (list) {
      list = (list || []).filter(function (x) { return x.report_id !== item.report_id; });
      list.unshift({report_id: item.report_id, number: body.number, at: Date.now(),
                    user: item.user,
                    text: item.fields.description || item.fields.address || "（无描述）"});
      return store.set("sent", list.slice(0, 20));
    }).then(renderSent);
  }

  function flush() {
    if (S.flushing || !S.token || !S.user) { return Promise.resolve(); }
    S.flushing = true;
    return store.pending().then(function (items) {
      var ready = items.filter(function (i) { return mine(i) && i.state !== "failed"; });
      return ready.reduce(function (p, item) {
        return p.then(function (go) { return go ? send(item) : false; });
      }, Promise.resolve(true));
    }).catch(function () {}).then(function () {
      S.flushing = false;
      refreshOutbox();
      renderSent();
    });
  }

  // A phone shared across a shift: each supervisor sees and sends only their own; another
  // account's waiting items are counted, and go when that supervisor signs in again.
  function mine(item) { return S.user !== null && item.user === S.user.id; }

  function refreshOutbox() {
    return store.pending().then(function (all) {
      var items = all.filter(mine), others = all.length - items.length;
      var waiting = items.filter(function (i) { return i.state !== "failed"; }).length;
      var failed = items.length - waiting;
      $("outbox-count").textContent = String(items.length);
      $("outbox-count").hidden = items.length === 0;
      $("outbox-text").textContent = (items.length === 0 ? "没有待发送的内容"
        : "待发送 " + waiting + " 条" + (failed ? "，被拒绝 " + failed + " 条（见上报列表）" : ""))
        + (others ? "；另有 " + others + " 条属于此手机上的其他账号，待其本人登录后发送" : "");
      return items;
    });
  }

  function renderSent() {
    Promise.all([store.pending(), store.get("sent")]).then(function (all) {
      var list = $("sent-list");
      list.textContent = "";
      all[0].filter(function (i) { return i.kind === "report" && mine(i); }).forEach(function (i) {
        var row = sentRow(i.fields.description || i.fields.address || "（无描述）",
                          i.state === "failed" ? "被拒绝：" + i.error : "待发送",
                          i.state === "failed" ? "failed" : "");
        if (i.state === "failed") {
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "fix";
          fix.textContent = "改正后重发";
          fix.addEventListener("click", function () { correct(i); });
          row.appendChild(fix);
        }
        list.appendChild(row);
      });
      (all[1] || []).filter(mine).forEach(function (x) {
        list.appendChild(sentRow(x.text, "已上报 " + x.number, "done"));
      });
    });
  }

  // A report the server refused (a position outside the city, a text it cannot keep)
  // back in the form with its photos, the refusal above the button; it stays in the
  // outbox until the corrected one is queued, so closing the page loses nothing.
  function correct(item) {
    if ((S.photos.length || $("report-text").value) && S.editing !== item.seq
        && !global.confirm("正在填写的上报将被这条被拒绝的上报替换，继续吗？")) { return; }
    resetReport();
    S.editing = item.seq;
    $("report-text").value = item.fields.description || "";
    $("report-address").value = item.fields.address || "";
    $("report-class").value = item.fields.class_id || "";
    $("report-urgent").checked = item.fields.urgency === "urgent";
    $("manual-lon").value = String(item.fields.lon);
    $("manual-lat").value = String(item.fields.lat);
    $("manual").open = true;
    item.photos.forEach(showPhoto);
    var error = $("report-error");
    error.textContent = "上次被拒绝：" + item.error
      + "。请改正（坐标可清空后点「定位」）再点「上报」。";
    error.hidden = false;
    show("report");
    $("report-text").scrollIntoView();
  }

  function sentRow(text, state, kind) {
    var li = document.createElement("li"), tag = document.createElement("span");
    li.textContent = text;
    tag.className = "state " + kind;
    tag.textContent = state;
    li.appendChild(tag);
    return li;
  }

  // -- tasks ----------------------------------------------------------------------------
  function pollTasks() {
    if (S.polling || !S.token) { return; }
    S.polling = true;
    var wait = S.etag ? 25 : 0;
    call("GET", "/tasks?wait=" + wait + "&etag=" + encodeURIComponent(S.etag))
      .then(function (response) {
        if (response.status === 401) { needSignIn(); throw new Error("signed out"); }
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            mustChangeNow(response, body);
            throw new Error(String(response.status));
          });
        }
        return response.json();
      })
      .then(function (body) {
        S.polling = false;
        if (body.etag !== S.etag) { S.etag = body.etag; renderTasks(body.tasks); }
        pollTasks();
      }, function () {
        S.polling = false;  // (after a password change started() polls again)
        if (S.token && !S.mustChange) { setTimeout(pollTasks, RETRY_MS); }
      });
  }

  function renderTasks(tasks) {
    S.tasks = tasks;
    var list = $("task-list");
    list.textContent = "";
    $("tasks-empty").hidden = tasks.length > 0;
    $("task-count").textContent = String(tasks.length);
    $("task-count").hidden = tasks.length === 0;
    tasks.forEach(function (task) { list.appendChild(taskCard(task)); });
  }

  function taskCard(task) {
    var li = document.createElement("li"), verify = task.kind === "verify";
    li.className = "task";
    li.dataset.caseId = String(task.case_id);
    var head = document.createElement("div");
    var kind = document.createElement("span");
    kind.className = "kind " + task.kind;
    kind.textContent = (verify ? "核实" : "核查") + " · " + task.number;
    head.appendChild(kind);
    if (!task.mine) {
      var pool = document.createElement("span");
      pool.className = "pool";
      pool.textContent = "任一监督员";
      head.appendChild(pool);
    }
    li.appendChild(head);
    li.appendChild(line("div", "", (task.class_name ? task.class_name + "：" : "")
                                   + (task.description || "（无描述）")));
    li.appendChild(line("div", "meta", task.address || "（无地址）"));
    if (!verify && task.closure_condition) {
      li.appendChild(line("div", "meta", "结案条件：" + task.closure_condition));
    }
    if (task.step_deadline_at) {
      li.appendChild(line("div", "meta", "时限：" + new Date(task.step_deadline_at)
        .toLocaleString("zh-CN", {month: "numeric", day: "numeric", hour: "2-digit",
                                  minute: "2-digit", hour12: false})));
    }
    var photos = document.createElement("div");
    photos.className = "photos";
    task.photos.filter(function (p) { return p.kind === "photo"; }).slice(0, 4)
      .forEach(function (p) { photos.appendChild(taskPhoto(p.url)); });
    li.appendChild(photos);
    var note = document.createElement("textarea");
    note.rows = 2;
    note.placeholder = verify ? "现场情况（不属实时必填）" : "核查情况（不通过时必填）";
    li.appendChild(note);
    var answer = document.createElement("div");
    answer.className = "answer";
    answer.appendChild(answerButton(task, note, verify ? "confirmed" : "pass",
                                    verify ? "属实" : "通过", "yes"));
    answer.appendChild(answerButton(task, note, verify ? "refuted" : "fail",
                                    verify ? "不属实" : "不通过", "no"));
    li.appendChild(answer);
    return li;
  }

  function line(tag, cls, text) {
    var el = document.createElement(tag);
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function taskPhoto(url) {
    var img = document.createElement("img");
    img.alt = "案卷照片";
    fetch(url, {headers: {Authorization: "Bearer " + S.token}})
      .then(function (r) { return r.ok ? r.blob() : null; })
      .then(function (blob) { if (blob) { img.src = URL.createObjectURL(blob); } })
      .catch(function () {});
    return img;
  }

  function answerButton(task, note, result, label, cls) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = cls;
    button.dataset.result = result;
    button.textContent = label;
    button.addEventListener("click", function () {
      var text = note.value.trim();
      if ((result === "refuted" || result === "fail") && !text) {
        notice("「" + label + "」必须说明情况", true);
        note.focus();
        return;
      }
      answerTask(task, result, text, label);
    });
    return button;
  }

  function answerTask(task, result, note, label) {
    var item = {kind: "answer", user: S.user.id, case_id: task.case_id, created: Date.now(),
                state: "pending", photos: [], label: (task.kind === "verify" ? "核实：" : "核查：") + label,
                fields: {version: task.version, result: result, note: note}};
    store.queue(item).then(function () {
      renderTasks(S.tasks.filter(function (t) { return t.case_id !== task.case_id; }));
      notice(S.online ? "正在提交…" : "已保存，联网后自动提交");
      refreshOutbox();
      flush();
    });
  }

  // -- duty and position pings --------------------------------------------------------
  function toggleDuty() {
    S.duty = !S.duty;
    var where = S.position || {};
    store.queue({kind: "duty", user: S.user.id, created: Date.now(), state: "pending",
                 fields: {on_duty: S.duty, lon: where.lon, lat: where.lat}})
      .then(function () { refreshOutbox(); flush(); });
    store.set("duty", S.duty);
    renderDuty();
    if (S.duty) { startDuty(); } else { stopDuty(); }
  }

  function renderDuty() {
    $("duty-state").textContent = S.duty ? "上班中 · 每 " + S.interval + " 秒上报位置" : "未上班";
    $("duty-state").classList.toggle("on", S.duty);
    $("duty-go").textContent = S.duty ? "下班打卡" : "上班打卡";
  }

  function startDuty() {
    if (navigator.geolocation && S.watch === null) {
      S.watch = navigator.geolocation.watchPosition(function (p) {
        setPosition(p.coords.longitude, p.coords.latitude, p.coords.accuracy);
      }, function () {}, {enableHighAccuracy: true, maximumAge: 10000});
    }
    clearInterval(S.dutyTimer);
    S.dutyTimer = setInterval(ping, S.interval * 1000);
  }

  function stopDuty() {
    if (S.watch !== null && navigator.geolocation) { navigator.geolocation.clearWatch(S.watch); }
    S.watch = null;
    clearInterval(S.dutyTimer);
  }

  function ping() {
    if (!S.position || !S.user) { return Promise.resolve(); }
    var fix = {lon: S.position.lon, lat: S.position.lat, accuracy_m: S.position.accuracy_m,
               at: new Date().toISOString()};
    return store.queue({kind: "fix", user: S.user.id, created: Date.now(), state: "pending",
                        fixes: [fix]}).then(flush);
  }

  // -- start ----------------------------------------------------------------------------
  function wire() {
    $("login-form").addEventListener("submit", signIn);
    $("report-form").addEventListener("submit", submitReport);
    $("report-photo").addEventListener("change", photosChosen);
    $("locate").addEventListener("click", locate);
    $("duty-go").addEventListener("click", toggleDuty);
    $("flush").addEventListener("click", flush);
    $("logout").addEventListener("click", signOut);
    $("password-form").addEventListener("submit", changePassword);
    $("password-open").addEventListener("click", passwordView);
    $("password-cancel").addEventListener("click", function () { show("duty"); });
    Array.prototype.forEach.call(document.querySelectorAll(".tabs button"), function (b) {
      b.addEventListener("click", function () { show(b.dataset.view); });
    });
    global.addEventListener("online", flush);
    setInterval(flush, RETRY_MS);
  }

  function start() {
    wire();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("sw.js").catch(function () {});
    }
    var device = localStorage.getItem("seatdesk-device");
    if (!device) {
      device = "web-" + uuid().slice(0, 12);
      localStorage.setItem("seatdesk-device", device);
    }
    S.device = device;
    Promise.all([store.get("token"), store.get("user"), store.get("interval"), store.get("duty"),
                 store.get("must_change")])
      .then(function (kv) {
        S.token = kv[0] || null;
        S.user = kv[1] || null;
        S.interval = kv[2] || 30;
        S.duty = !!kv[3];
        S.mustChange = !!kv[4];
        renderDuty();
        if (!S.token) { call("GET", "/me").catch(function () {}); }  // reachable at all?
        if (S.token && S.user && S.mustChange) {
          call("GET", "/me").catch(function () {});  // 在线 or 离线 on the bar
          passwordView();  // the old password asked again: it is not kept
        } else if (S.token && S.user) {
          started();
          if (S.duty) { startDuty(); }
        } else {
          show("login");
        }
        global.fieldApp.ready = true;
      });
  }

  global.fieldApp = {state: S, setPosition: setPosition, addPhoto: addPhoto, flush: flush,
                     refreshOutbox: refreshOutbox, renderSent: renderSent,
                     ping: ping, show: show, ready: false};
  document.addEventListener("DOMContentLoaded", start);
})(window);
