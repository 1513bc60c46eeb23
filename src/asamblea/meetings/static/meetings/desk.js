// The desk without signal (docs/meetings.md, "Sin señal en la sala"). The page's forms
// go into an outbox kept on this device (localStorage), each entry with its own UUID and
// signed with the key this session received for this meeting (HMAC-SHA256), and the
// outbox is sent in order to the room's sync address, at once when online, else when
// the device reconnects. Without JavaScript the forms post as usual, online.
(function () {
  "use strict";
  var desk = document.getElementById("desk");
  if (!desk || !window.crypto || !crypto.subtle || !crypto.randomUUID || !window.localStorage) {
    return;
  }
  var d = desk.dataset, STORE = "asamblea-outbox-" + d.meeting, sending = false, fresh = {};
  var outbox = document.getElementById("outbox"), status = document.getElementById("desk-status");
  var counter = desk.querySelector(".present-count"), base = counter ? +counter.textContent : 0;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(d.sw, {scope: d.scope}).catch(function () {});
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(list) { localStorage.setItem(STORE, JSON.stringify(list)); }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  function sign(e) {
    var p = {}, raw = new Uint8Array(d.secret.length / 2);
    Object.keys(e.payload).sort().forEach(function (k) { p[k] = e.payload[k]; });
    for (var i = 0; i < raw.length; i++) { raw[i] = parseInt(d.secret.substr(2 * i, 2), 16); }
    var text = JSON.stringify([e.uuid, e.kind, String(e.meeting), e.entered_at, p]);
    return crypto.subtle.importKey("raw", raw, {name: "HMAC", hash: "SHA-256"}, false, ["sign"])
      .then(function (k) { return crypto.subtle.sign("HMAC", k, new TextEncoder().encode(text)); })
      .then(hex);
  }
  function row(person) { return desk.ownerDocument.querySelector(".desk-roll li[data-person='" + person + "']"); }
  function show() {
    var list = load(), present = base;
    outbox.textContent = "";
    list.forEach(function (e, n) {
      var live = e.state === "pending" || fresh[e.uuid];
      if (live && e.kind === "check_in") {
        present += 1;
        var li = row(e.payload.person);
        if (li && !li.querySelector(".tag")) {
          var button = li.querySelector("button"), tag = document.createElement("span");
          tag.className = "tag ok"; tag.textContent = d.present;
          if (button) { button.hidden = true; }
          li.classList.toggle("pending", e.state === "pending");
          li.appendChild(tag);
        }
      }
      if (live && e.kind === "check_out") { present -= 1; }
      var item = document.createElement("li");
      item.className = e.state; item.setAttribute("data-uuid", e.uuid);
      item.textContent = e.label + " · " + (d[e.state] || e.state) + (e.message ? ": " + e.message : "");
      if (e.state === "refused" || e.state === "conflict") {
        var drop = document.createElement("button");
        drop.className = "link"; drop.type = "button"; drop.textContent = d.dismiss;
        drop.addEventListener("click", function () {
          var all = load(); all.splice(n, 1); save(all); show();
        });
        item.appendChild(document.createTextNode(" ")); item.appendChild(drop);
      }
      if (e.state !== "applied" || fresh[e.uuid]) { outbox.appendChild(item); }
    });
    if (counter) { counter.textContent = String(present); }
    var waiting = list.filter(function (e) { return e.state === "pending"; }).length;
    status.textContent = (navigator.onLine ? d.onlineNote : d.offlineNote) + (waiting ? " (" + waiting + ")" : "");
  }
  function flush() {
    var todo = load().filter(function (e) { return e.state === "pending"; });
    show();
    if (sending || !todo.length) { return; }
    sending = true;
    fetch(d.sync, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": d.csrf},
      body: JSON.stringify({entries: todo})
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { status.textContent = body.error || ""; return; }
        var answers = {}, list = load();
        body.answers.forEach(function (a) { answers[a.uuid] = a; });
        list.forEach(function (e) {
          var a = answers[e.uuid];
          if (!a) { return; }
          e.message = a.message;
          e.state = a.status === "already" ? "applied" : a.status;
          if (e.state === "applied") { fresh[e.uuid] = true; }
        });
        save(list);
        // The page as it is now, for the copy kept on the device.
        fetch(window.location.pathname, {credentials: "same-origin"}).catch(function () {});
        show();
      });
    }).catch(function () {}).then(function () { sending = false; show(); });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, kind = form.getAttribute("data-offline"), button = event.submitter;
    if (!kind) { return; }
    event.preventDefault();
    var payload = {}, section = form.closest("section"), label;
    if (kind === "roll") {
      // The roll is one form: the button pressed says whom, and whether in or out.
      if (!button || !button.value) { return; }
      kind = button.name === "attendance" ? "check_out" : "check_in";
      payload[button.name] = button.value;
      label = button.closest("li").firstChild.textContent.trim() + " — " + button.textContent;
    } else {
      new FormData(form).forEach(function (v, k) {
        if (["csrfmiddlewaretoken", "once", "next", "action"].indexOf(k) < 0) { payload[k] = String(v); }
      });
      label = section.querySelector("h2").textContent + ": " + [payload.yes, payload.no, payload.abstain].join("–");
    }
    var entry = {
      uuid: crypto.randomUUID(), kind: kind, meeting: d.meeting, payload: payload,
      entered_at: new Date().toISOString(), key: d.key, state: "pending", label: label
    };
    sign(entry).then(function (signature) {
      entry.signature = signature;
      var list = load(); list.push(entry); save(list);
      if (kind === "hand_count") { form.reset(); }
      show(); flush();
    });
  });
  var filter = document.getElementById("roll-filter");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll(".desk-roll li[data-person]").forEach(function (li) {
        li.hidden = q && li.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  }
  // Entries sent before this page was drawn are in it: keep only what still matters.
  save(load().filter(function (e) { return e.state !== "applied"; }));
  window.addEventListener("online", flush);
  window.addEventListener("offline", show);
  setInterval(flush, 15000);
  flush();
})();
