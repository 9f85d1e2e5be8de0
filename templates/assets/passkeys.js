// Latchkey passkeys (WebAuthn): registration on the account page, sign-in with a passkey (a button, and conditional
// UI: the browser offers passkeys in the username field's autofill), and the second-factor step after a password.
// Progressive: every passkey control is `hidden` until this script finds WebAuthn in the browser and shows it;
// without it the pages work with passwords and codes only. The server keeps each ceremony's challenge; this script
// only carries options and answers.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (credential) {
      var copy = Object.assign({}, credential);
      copy.id = toBuffer(credential.id);
      return copy;
    });
  }

  // Asks the server (`url`) for a ceremony, with the form's CSRF token: its id and the options for navigator.credentials.
  function ceremony(form, url) {
    var body = new URLSearchParams();
    body.set("csrf_token", form.elements.csrf_token.value);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("options " + response.status);
      }
      return response.json();
    });
  }

  function say(control, text) {
    var status = document.getElementById(control.dataset.status);
    if (status) {
      status.textContent = text;
      status.hidden = !text;
    }
  }

  // Posts the authenticator's answer with the form (an ordinary form POST to `action`: the server answers with a
  // redirect). The fields are made here, so a form posted without this script never carries them.
  function finish(form, action, id, credential) {
    [["ceremony", id], ["credential", JSON.stringify(credential)]].forEach(function (field) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = field[0];
      input.value = field[1];
      form.appendChild(input);
    });
    form.action = action;
    HTMLFormElement.prototype.submit.call(form);
  }

  // Account page: add a passkey.
  var add = document.getElementById("passkey-add");
  if (add) {
    add.hidden = false;
    add.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!add.reportValidity()) {
        return;
      }
      say(add, "");
      ceremony(add, add.dataset.options)
        .then(function (started) {
          var options = started.options.publicKey;
          options.challenge = toBuffer(options.challenge);
          options.user.id = toBuffer(options.user.id);
          options.excludeCredentials = withIds(options.excludeCredentials);
          return navigator.credentials.create({ publicKey: options }).then(function (made) {
            finish(add, add.getAttribute("action"), started.ceremony, {
              id: made.id,
              rawId: toText(made.rawId),
              type: made.type,
              response: {
                attestationObject: toText(made.response.attestationObject),
                clientDataJSON: toText(made.response.clientDataJSON),
                transports: made.response.getTransports ? made.response.getTransports() : undefined,
              },
              extensions: made.getClientExtensionResults ? made.getClientExtensionResults() : {},
            });
          });
        })
        .catch(function () {
          say(add, add.dataset.failed);
        });
    });
  }

  function assertion(used) {
    return {
      id: used.id,
      rawId: toText(used.rawId),
      type: used.type,
      response: {
        authenticatorData: toText(used.response.authenticatorData),
        clientDataJSON: toText(used.response.clientDataJSON),
        signature: toText(used.response.signature),
        userHandle: used.response.userHandle ? toText(used.response.userHandle) : null,
      },
      extensions: used.getClientExtensionResults ? used.getClientExtensionResults() : {},
    };
  }

  // A button that uses a passkey: it sits in a form whose hidden fields (CSRF token, the authorization request,
  // "trust this browser") the passkey's POST carries. `conditional`: also offer the passkeys in the username
  // field's autofill (the sign-in page).
  function passkeyButton(button, conditional) {
    if (!button || !button.form) {
      return;
    }
    var form = button.form;
    button.hidden = false;
    var unsupported = button.dataset.unsupported && document.getElementById(button.dataset.unsupported);
    if (unsupported) {
      unsupported.hidden = true;
    }
    var pending = null;

    function getPasskey(mediated) {
      var controller = new AbortController();
      pending = controller;
      return ceremony(form, button.dataset.options).then(function (started) {
        var options = started.options.publicKey;
        options.challenge = toBuffer(options.challenge);
        options.allowCredentials = withIds(options.allowCredentials);
        var request = { publicKey: options, signal: controller.signal };
        if (mediated) {
          request.mediation = "conditional";
        }
        return navigator.credentials.get(request).then(function (used) {
          if (used) {
            finish(form, button.dataset.action, started.ceremony, assertion(used));
          }
        });
      });
    }

    button.addEventListener("click", function () {
      if (pending) {
        pending.abort();
      }
      say(button, "");
      getPasskey(false).catch(function (error) {
        if (!error || error.name !== "AbortError") {
          say(button, button.dataset.failed);
        }
      });
    });

    // Conditional UI (WebAuthn Level 3 §5.1.4.1): the browser lists passkeys in the username field's autofill
    // (autocomplete="username webauthn"); choosing one signs in without the button.
    if (conditional && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (available) {
          getPasskey(true).catch(function () {});
        }
      });
    }
  }

  // Sign-in page: sign in with a passkey alone, from the button or from the username field's autofill.
  passkeyButton(document.getElementById("passkey-sign-in"), true);
  // Second-factor step: confirm a password sign-in with one of the account's passkeys.
  passkeyButton(document.getElementById("passkey-second-factor"), false);
})();
