/* sign.js — signing with the eID card on the "Parakstīt un nosūtīt" page.
 *
 * The card is reached through the Web eID browser extension (web-eid.eu),
 * spoken to directly with its window.postMessage protocol (version 2): the
 * page posts {action: "web-eid:get-signing-certificate" | "web-eid:sign",
 * libraryVersion, ...}; the extension answers "<action>-ack" at once, then
 * "<action>-success" or "<action>-failure" ({error: {code, message}}).
 * Between the two card steps the portal's two-phase signing API
 * (/api/v1/sign/start, /api/v1/sign/finish) turns the certificate into the
 * digest to sign and the signature value into the finished container.
 * Without JavaScript the page explains how to sign with the eParaksts
 * software instead; nothing here is needed for the rest of the portal. */
(function () {
  'use strict';
  var section = document.getElementById('sign-section');
  if (!section || section.getAttribute('data-signed')) return;
  var button = document.getElementById('sign-button');
  var status = document.getElementById('sign-status');
  var download = document.getElementById('sign-download');
  var sendForm = document.getElementById('send-form');
  var msg = document.getElementById('sign-messages').dataset;
  var lang = section.getAttribute('data-lang');

  var LIBRARY_VERSION = '2.0.0';
  var ACK_TIMEOUT = 1000; // the extension answers at once when it is there
  var REPLY_TIMEOUT = 1000 + 5000 + 2 * 120000; // handshakes and the person
  var LOAD_DELAY = 1000; // time for the extension's content script to load
  var loadedAt = Date.now();
  var pending = {};

  window.addEventListener('message', function (ev) {
    var d = ev.data;
    if (ev.source !== window || !d || typeof d.action !== 'string') return;
    var m = d.action.match(/^(web-eid:[a-z-]+?)-(ack|success|failure)$/);
    if (!m || !pending[m[1]]) return;
    var p = pending[m[1]];
    if (m[2] === 'ack') {
      clearTimeout(p.ackTimer);
      return;
    }
    clearTimeout(p.ackTimer);
    clearTimeout(p.replyTimer);
    delete pending[m[1]];
    if (m[2] === 'success') p.resolve(d);
    else p.reject(d.error || { code: 'ERR_WEBEID_UNKNOWN_ERROR' });
  });

  function webeid(action, payload) {
    var wait = Math.max(0, loadedAt + LOAD_DELAY - Date.now());
    return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
      return new Promise(function (resolve, reject) {
        var p = { resolve: resolve, reject: reject };
        var message = { action: action, libraryVersion: LIBRARY_VERSION };
        Object.keys(payload).forEach(function (k) { message[k] = payload[k]; });
        p.ackTimer = setTimeout(function () {
          clearTimeout(p.replyTimer);
          delete pending[action];
          reject({ code: 'ERR_WEBEID_EXTENSION_UNAVAILABLE' });
        }, ACK_TIMEOUT);
        p.replyTimer = setTimeout(function () {
          delete pending[action];
          reject({ code: 'ERR_WEBEID_ACTION_TIMEOUT' });
        }, REPLY_TIMEOUT);
        pending[action] = p;
        window.postMessage(message, '*');
      });
    });
  }

  function say(text) {
    status.textContent = text;
  }

  function post(url, body) {
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin' }).then(function (r) {
      if (r.ok) return r;
      return r.json().catch(function () { return {}; }).then(function (j) {
        throw { code: 'SERVER', status: r.status, message: j.message };
      });
    });
  }

  function explain(e) {
    var code = (e && e.code) || '';
    if (code === 'ERR_WEBEID_EXTENSION_UNAVAILABLE') return msg.noExtension;
    if (code === 'ERR_WEBEID_NATIVE_UNAVAILABLE') return msg.noApp;
    if (code === 'ERR_WEBEID_USER_CANCELLED') return msg.cancelled;
    if (code === 'ERR_WEBEID_USER_TIMEOUT' || code === 'ERR_WEBEID_ACTION_TIMEOUT') return msg.timeout;
    if (code === 'ERR_WEBEID_CONTEXT_INSECURE') return msg.insecure;
    if (code === 'SERVER' && e.status === 404) return msg.expired;
    if (code === 'SERVER' && e.message) return msg.server + ' ' + e.message;
    return msg.failed;
  }

  // While the card works the button stays focusable (a disabled button
  // would drop keyboard focus) but says it is busy and ignores presses.
  var busy = false;
  function setBusy(on) {
    busy = on;
    if (on) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
  }

  function sign() {
    var certificate;
    if (busy) return;
    if (!window.isSecureContext) {
      say(msg.insecure);
      return;
    }
    setBusy(true);
    say(msg.card);
    webeid('web-eid:get-signing-certificate', { options: { lang: lang } })
      .then(function (res) {
        certificate = res.certificate;
        var fd = new FormData();
        fd.append('_csrf', section.getAttribute('data-csrf'));
        fd.append('session', section.getAttribute('data-session'));
        fd.append('certificate', certificate);
        say(msg.preparing);
        return post(section.getAttribute('data-start'), fd);
      })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        say(msg.pin);
        return webeid('web-eid:sign', {
          certificate: certificate, hash: j.digest, hashFunction: j.hashFunction, options: { lang: lang },
        });
      })
      .then(function (res) {
        var body = new URLSearchParams();
        body.append('_csrf', section.getAttribute('data-csrf'));
        body.append('session', section.getAttribute('data-session'));
        body.append('signature', res.signature);
        say(msg.finishing);
        return post(section.getAttribute('data-finish'), body);
      })
      .then(function (r) { return r.blob(); })
      .then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = section.getAttribute('data-name') || 'dokuments.edoc';
        a.textContent = msg.download;
        download.appendChild(a);
        download.hidden = false;
        setBusy(false);
        button.parentNode.hidden = true;
        document.getElementById('sign-intro').hidden = true;
        document.getElementById('sign-nojs').hidden = true;
        sendForm.hidden = false;
        say(msg.done);
        document.getElementById('send-button').focus();
      })
      .catch(function (e) {
        say(explain(e));
        setBusy(false);
        button.focus();
      });
  }

  Array.prototype.forEach.call(section.querySelectorAll('.js-only'), function (el) { el.hidden = false; });
  button.addEventListener('click', sign);
})();
