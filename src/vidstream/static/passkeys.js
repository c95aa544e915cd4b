// Passkeys: adding one on the two-factor page, and signing in with one (passwordless
// on the sign-in page, or as the second step). The server sends WebAuthn options as
// JSON with binary fields in base64url; they are turned into ArrayBuffers for
// navigator.credentials, and the answer back into base64url for the server.
"use strict";

(function () {
  const status = document.getElementById("passkey-status");
  const csrf = document.querySelector('meta[name="csrf-token"]');

  function say(text) { if (status) status.textContent = text; }

  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    let binary = "";
    new Uint8Array(buffer).forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrf ? csrf.content : "",
      },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error((data.error && data.error.message) || "Refused.");
        return data;
      });
    });
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  function credentialJSON(credential, extra) {
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: Object.assign({ clientDataJSON: toText(credential.response.clientDataJSON) }, extra),
    };
  }

  function failed(error) {
    say(error && error.name === "NotAllowedError"
      ? "The passkey request was cancelled or timed out."
      : "The passkey did not work: " + (error && error.message ? error.message : "unknown error"));
  }

  function register(form) {
    const name = form.querySelector("input[name=name]").value;
    say("Follow your browser's prompt to make the passkey…");
    post(form.dataset.options).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.user.id = toBytes(options.user.id);
      options.excludeCredentials = withIds(options.excludeCredentials);
      return navigator.credentials.create({ publicKey: options });
    }).then(function (credential) {
      const response = credential.response;
      return post(form.dataset.register, {
        name: name,
        credential: credentialJSON(credential, {
          attestationObject: toText(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : [],
        }),
      });
    }).then(function () {
      say("Passkey added.");
      window.location.assign(form.dataset.done);
    }).catch(failed);
  }

  function signIn(button) {
    say("Follow your browser's prompt to use your passkey…");
    post(button.dataset.options).then(function (options) {
      options.challenge = toBytes(options.challenge);
      options.allowCredentials = withIds(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      const response = credential.response;
      return post(button.dataset.signin, {
        next: button.dataset.next || "",
        credential: credentialJSON(credential, {
          authenticatorData: toText(response.authenticatorData),
          signature: toText(response.signature),
          userHandle: toText(response.userHandle),
        }),
      });
    }).then(function (answer) {
      window.location.assign(answer.redirect);
    }).catch(failed);
  }

  const form = document.getElementById("passkey-add");
  const button = document.getElementById("passkey-signin");
  if (!window.PublicKeyCredential) {
    if (form || button) say("This browser cannot use passkeys.");
    return;
  }
  if (form) form.addEventListener("submit", function (event) { event.preventDefault(); register(form); });
  if (button) button.addEventListener("click", function () { signIn(button); });
})();
