// Passkeys on the account pages: the only script they load (Content-Security-Policy: script-src 'self').
// A form marked data-passkey="create" or "get" is a passkey button: the script fetches the ceremony's options
// (posting the form itself, so its antiforgery token goes along), asks the browser's authenticator, puts the
// credential's JSON into the form's "credential" field and submits the form as usual. Without this script (or
// without WebAuthn) the buttons stay hidden and the page says passkeys need JavaScript; everything else works.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) { return { type: d.type, id: toBytes(d.id), transports: d.transports }; });
  }

  function creationOptions(o) {
    var copy = Object.assign({}, o, { challenge: toBytes(o.challenge), excludeCredentials: descriptors(o.excludeCredentials) });
    copy.user = Object.assign({}, o.user, { id: toBytes(o.user.id) });
    return copy;
  }

  function requestOptions(o) {
    return Object.assign({}, o, { challenge: toBytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) });
  }

  function credentialJson(c) {
    var r = c.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return JSON.stringify({
      id: c.id, rawId: toText(c.rawId), type: c.type, response: response,
      authenticatorAttachment: c.authenticatorAttachment || null,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    });
  }

  function start(form, event) {
    var field = form.querySelector("input[name=credential]");
    if (field.value) {
      return; // the credential is in: let the form go
    }
    event.preventDefault();
    var status = form.querySelector("[data-passkey-status]");
    status.textContent = "";
    fetch(form.getAttribute("data-options"), { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (answer) { return answer.json(); })
      .then(function (body) {
        if (body.redirect) {
          window.location.assign(body.redirect);
          return null;
        }
        if (!body.options) {
          throw new Error(body.title || "no options");
        }
        return form.getAttribute("data-passkey") === "create"
          ? navigator.credentials.create({ publicKey: creationOptions(body.options) })
          : navigator.credentials.get({ publicKey: requestOptions(body.options) });
      })
      .then(function (credential) {
        if (credential) {
          field.value = credentialJson(credential);
          form.submit();
        }
      })
      .catch(function () {
        status.textContent = form.getAttribute("data-failed");
      });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.hidden = false;
    var note = document.getElementById(form.getAttribute("data-nojs"));
    if (note) { note.hidden = true; }
    form.addEventListener("submit", function (event) { start(form, event); });
  });
})();
