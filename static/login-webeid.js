/* login-webeid.js — logging in with the eID card on the login page.
 *
 * The card is reached through the Web eID browser extension (web-eid.eu)
 * with the same window.postMessage protocol as sign.js: the page posts
 * {action: "web-eid:authenticate", libraryVersion, challengeNonce,
 * options}; the extension answers "web-eid:authenticate-ack" at once, then
 * "-success" (the authentication token's fields) or "-failure"
 * ({error: {code}}). The nonce comes from GET /api/v1/auth/challenge; the
 * token goes to POST /api/v1/auth/webeid with the page's CSRF token, and
 * the portal answers {"redirect": …} or 403 {"hint": …}. Without
 * JavaScript the page says to choose another way of logging in. */
(function () {
  'use strict';
  var section = document.getElementById('webeid-section');
  if (!section) return;
  var button = document.getElementById('webeid-button');
  var status = document.getElementById('webeid-status');
  var msg = document.getElementById('webeid-messages').dataset;
  var lang = section.getAttribute('data-lang');

  var LIBRARY_VERSION = '2.0.0';
  var ACK_TIMEOUT = 1000; // the extension answers at once when it is there
  var REPLY_TIMEOUT = 1000 + 5000 + 120000; // handshakes and the person
  var LOAD_DELAY = 1000; // time for the extension's content script to load
  var ACTION = 'web-eid:authenticate';
  var loadedAt = Date.now();
  var pending = null;

  window.addEventListener('message', function (ev) {
    var d = ev.data;
    if (ev.source !== window || !d || typeof d.action !== 'string' || !pending) return;
    if (d.action === ACTION + '-ack') {
      clearTimeout(pending.ackTimer);
      return;
    }
    if (d.action !== ACTION + '-success' && d.action !== ACTION + '-failure') return;
    var p = pending;
    pending = null;
    clearTimeout(p.ackTimer);
    clearTimeout(p.replyTimer);
    if (d.action === ACTION + '-success') p.resolve(d);
    else p.reject(d.error || { code: 'ERR_WEBEID_UNKNOWN_ERROR' });
  });

  function authenticate(nonce) {
    var wait = Math.max(0, loadedAt + LOAD_DELAY - Date.now());
    return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
      return new Promise(function (resolve, reject) {
        var p = { resolve: resolve, reject: reject };
        p.ackTimer = setTimeout(function () {
          clearTimeout(p.replyTimer);
          pending = null;
          reject({ code: 'ERR_WEBEID_EXTENSION_UNAVAILABLE' });
        }, ACK_TIMEOUT);
        p.replyTimer = setTimeout(function () {
          pending = null;
          reject({ code: 'ERR_WEBEID_ACTION_TIMEOUT' });
        }, REPLY_TIMEOUT);
        pending = p;
        window.postMessage({
          action: ACTION, libraryVersion: LIBRARY_VERSION, challengeNonce: nonce, options: { lang: lang },
        }, '*');
      });
    });
  }

  function say(text) {
    status.textContent = text;
  }

  // The portal's answer as JSON; a refusal becomes {code: 'SERVER', ...}.
  function answer(r) {
    return r.json().catch(function () { return {}; }).then(function (j) {
      if (r.ok) return j;
      throw { code: 'SERVER', status: r.status, hint: j.hint };
    });
  }

  function explain(e) {
    var code = (e && e.code) || '';
    if (code === 'ERR_WEBEID_EXTENSION_UNAVAILABLE') return msg.noExtension;
    if (code === 'ERR_WEBEID_NATIVE_UNAVAILABLE') return msg.noApp;
    if (code === 'ERR_WEBEID_USER_CANCELLED') return msg.cancelled;
    if (code === 'ERR_WEBEID_USER_TIMEOUT' || code === 'ERR_WEBEID_ACTION_TIMEOUT') return msg.timeout;
    if (code === 'ERR_WEBEID_CONTEXT_INSECURE') return msg.insecure;
    if (code === 'SERVER' && e.status === 429) return msg.busy;
    if (code === 'SERVER' && e.status === 403 && !e.hint) return msg.cookies;
    if (code === 'SERVER' && e.hint) return e.hint;
    return msg.failed;
  }

  // While the card works the button stays focusable but ignores presses.
  var busy = false;
  function setBusy(on) {
    busy = on;
    if (on) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }

  function login() {
    var nonce;
    if (busy) return;
    if (!window.isSecureContext) {
      say(msg.insecure);
      return;
    }
    setBusy(true);
    say(msg.card);
    fetch(section.getAttribute('data-challenge'), { credentials: 'same-origin', cache: 'no-store' })
      .then(answer)
      .then(function (j) {
        nonce = j.nonce;
        return authenticate(nonce);
      })
      .then(function (res) {
        var token = {};
        Object.keys(res).forEach(function (k) { if (k !== 'action') token[k] = res[k]; });
        var body = new URLSearchParams();
        body.append('_csrf', section.getAttribute('data-csrf'));
        body.append('nonce', nonce);
        body.append('token', JSON.stringify(token));
        if (section.getAttribute('data-next')) body.append('next', section.getAttribute('data-next'));
        say(msg.checking);
        return fetch(section.getAttribute('data-action'), {
          method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' },
        }).then(answer);
      })
      .then(function (j) {
        say(msg.done);
        window.location.assign(j.redirect || '/profils');
      })
      .catch(function (e) {
        say(explain(e));
        setBusy(false);
        button.focus();
      });
  }

  Array.prototype.forEach.call(section.querySelectorAll('.js-only'), function (el) { el.hidden = false; });
  button.addEventListener('click', login);
})();
