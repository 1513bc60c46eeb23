// Passkeys (WebAuthn): turn the server's JSON options into what the browser's
// navigator.credentials takes, and its answer back into JSON (binary as base64url).
// Buttons with data-passkey="add" or "login" and data-options / data-url run it.
(function () {
  "use strict";
  function toBytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }
  function toText(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) { return match[1]; }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": csrf(), "Content-Type": "application/json"},
      body: body ? JSON.stringify(body) : "{}"
    });
  }
  function answer(credential) {
    var r = credential.response, out = {id: credential.id, rawId: toText(credential.rawId),
      type: credential.type, clientExtensionResults: {}, response: {
        clientDataJSON: toText(r.clientDataJSON)}};
    if (r.attestationObject) { out.response.attestationObject = toText(r.attestationObject); }
    if (r.authenticatorData) { out.response.authenticatorData = toText(r.authenticatorData); }
    if (r.signature) { out.response.signature = toText(r.signature); }
    if (r.userHandle) { out.response.userHandle = toText(r.userHandle); }
    return out;
  }
  function say(button, text) {
    var where = document.getElementById(button.dataset.say);
    if (where) { where.textContent = text; where.hidden = false; }
  }
  function run(button) {
    var kind = button.dataset.passkey;
    post(button.dataset.options).then(function (r) { return r.json(); }).then(function (o) {
      o.challenge = toBytes(o.challenge);
      if (kind === "add") {
        o.user.id = toBytes(o.user.id);
        (o.excludeCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
        return navigator.credentials.create({publicKey: o});
      }
      (o.allowCredentials || []).forEach(function (c) { c.id = toBytes(c.id); });
      return navigator.credentials.get({publicKey: o});
    }).then(function (credential) {
      return post(button.dataset.url, answer(credential));
    }).then(function (r) { return r.json(); }).then(function (result) {
      if (result.next) { window.location.assign(result.next); } else { say(button, result.error); }
    }).catch(function () { say(button, button.dataset.failed); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) { return; }
    document.querySelectorAll("[data-passkey]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function (event) { event.preventDefault(); run(button); });
    });
  });
})();
