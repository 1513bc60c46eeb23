// The trustee's pages (elections/ceremony.html, elections/decrypt.html): drive
// window.AsambleaTrustee (ballots/trustee.js) through the ceremony's steps and the
// decryption, with the server's JSON endpoints. The device secret and the wrapped
// share stay in this browser's localStorage; the server sees only public values.
(function () {
  "use strict";
  var form = document.getElementById("trustee");
  if (!form || !window.AsambleaTrustee) { return; }
  var T = window.AsambleaTrustee;
  var text = JSON.parse(document.getElementById("trustee-text").textContent);
  var statusLine = document.getElementById("trustee-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.className = isError ? "msg error" : "";
  }

  function show(id, on) { var el = document.getElementById(id); if (el) { el.hidden = !on; } }

  function call(url, body) {
    var options = { credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || text.failed); }
        return data;
      });
    });
  }

  function deviceName(state) { return "asamblea-trustee-device:" + state.context + ":" + state.index; }
  function shareName(context, index) { return "asamblea-trustee-share:" + context + ":" + index; }

  // ------------------------------------------------------------------ the ceremony
  var busy = false;
  var timer = null;
  var codeShown = false;

  function mark(state) {
    var order = ["device", "deal", "check", "done"];
    var at = order.indexOf(state.step);
    ["device", "deal", "check"].forEach(function (step, n) {
      var done = document.querySelector("#step-" + step + " [data-done]");
      if (done) { done.hidden = n >= at; }
    });
  }

  function again() { clearTimeout(timer); timer = setTimeout(refresh, 1500); }

  function refresh() {
    if (busy) { return again(); }
    call(form.dataset.state).then(advance).catch(function (e) { say(e.message, true); again(); });
  }

  function advance(state) {
    mark(state);
    var secret = localStorage.getItem(deviceName(state));
    show("start", state.step === "device");
    show("keep", state.step === "check" && !!state.dealings && !!secret);
    if (state.step === "device") { say(""); return; }
    if (!secret) { say(text.lost_device, true); return; }
    if (state.step === "deal") {
      if (!state.devices) { say(text.waiting_devices); return again(); }
      busy = true;
      say(text.dealing);
      T.deal(state.context, state.index, state.threshold, state.devices)
        .then(function (dealing) { return call(form.dataset.deal, dealing); })
        .then(function (next) { busy = false; advance(next); })
        .catch(function (e) { busy = false; say(e.message, true); });
      return;
    }
    if (state.step === "check") {
      if (!state.dealings) { say(text.waiting_dealings); return again(); }
      say(text.check_ready);
      return;
    }
    if (!codeShown) { say(state.state === "ceremony" ? text.done : text.ready); }
    if (state.state === "ceremony") { again(); }
  }

  function register() {
    busy = true;
    call(form.dataset.state).then(function (state) {
      var name = deviceName(state);
      var key = localStorage.getItem(name + ":public") ? null : T.newDeviceKey();
      if (key) {
        localStorage.setItem(name, key.secret);
        localStorage.setItem(name + ":public", key.public);
      }
      return call(form.dataset.device, { public: localStorage.getItem(name + ":public") });
    }).then(function (state) { busy = false; advance(state); })
      .catch(function (e) { busy = false; say(e.message, true); });
  }

  function check() {
    var first = document.getElementById("passphrase").value;
    var second = document.getElementById("passphrase2").value;
    if (first.length < 8) { return say(text.passphrase_short, true); }
    if (first !== second) { return say(text.passphrase_differ, true); }
    busy = true;
    var state;
    call(form.dataset.state).then(function (s) {
      state = s;
      return T.openDealings(state.context, state.index, localStorage.getItem(deviceName(state)), state.dealings);
    }).then(function (opened) {
      if (opened.complaints.length) {
        return call(form.dataset.check, { complaints: opened.complaints }).then(function (next) {
          busy = false; advance(next); say(text.complained, true);
        });
      }
      return T.wrapShare(opened.share, first).then(function (wrapped) {
        localStorage.setItem(shareName(state.context, state.index), wrapped);
        return call(form.dataset.check, { confirm: true });
      }).then(function (next) {
        busy = false;
        codeShown = true;
        document.getElementById("recovery-code").textContent = T.recoveryCode(opened.share);
        show("recovery", true);
        advance(next);
      });
    }).catch(function (e) { busy = false; say(e.message, true); });
  }

  // ------------------------------------------------------------------ the decryption
  function shareFromInputs(context, index) {
    var code = (document.getElementById("recovery").value || "").trim();
    if (code) {
      try { return Promise.resolve(T.fromRecoveryCode(code)); } catch (e) { return Promise.reject(new Error(text.wrong_code)); }
    }
    var wrapped = localStorage.getItem(shareName(context, index));
    if (!wrapped) { return Promise.reject(new Error(text.no_share)); }
    return T.unwrapShare(wrapped, document.getElementById("passphrase").value)
      .catch(function () { throw new Error(text.wrong_passphrase); });
  }

  function decrypt() {
    var button = document.getElementById("decrypt");
    button.disabled = true;
    say(text.decrypting);
    var box;
    call(form.dataset.ciphertexts).then(function (data) {
      box = data;
      return shareFromInputs(data.context, data.index);
    }).then(function (share) {
      if (box.verification_key && T.verificationKey(share) !== box.verification_key) {
        throw new Error(text.not_yours);
      }
      return call(form.dataset.share, T.partialDecrypt(box.context, box.index, share, box.ciphertexts));
    }).then(function (result) {
      say(text.decrypted);
      var progress = document.getElementById("tally-progress");
      if (result.status === "closed") { window.location.href = form.dataset.election; return; }
      if (progress) { progress.hidden = true; }
    }).catch(function (e) { button.disabled = false; say(e.message, true); });
  }

  if (form.dataset.mode === "ceremony") {
    document.getElementById("register").addEventListener("click", register);
    document.getElementById("check").addEventListener("click", check);
    var noted = document.getElementById("noted");
    var done = document.getElementById("noted-done");
    noted.addEventListener("change", function () { done.disabled = !noted.checked; });
    done.addEventListener("click", function () {
      document.getElementById("recovery-code").textContent = "";
      show("recovery", false);
      codeShown = false;
      refresh();
    });
    refresh();
  } else {
    document.getElementById("decrypt").addEventListener("click", decrypt);
  }
}());
