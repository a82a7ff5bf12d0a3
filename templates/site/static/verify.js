/* Verify page: SHA-256 of a picked file, computed in the browser, looked up in
 * the published manifest (data/manifest.js).  WebCrypto when available; the
 * bundled JavaScript SHA-256 otherwise (plain-http intranets).  ?hash=js forces
 * the fallback (tests, and anyone who wants to compare the two). */
(function () {
  "use strict";
  var box = document.getElementById("verify-box");
  var input = document.getElementById("verify-file");
  var out = document.getElementById("verify-result");
  if (!box || !input || !out) { return; }
  var W = box.dataset;
  var manifest = window.POLICYDOCS_MANIFEST || { artifacts: [] };
  var forceJs = /[?&]hash=js(&|$)/.test(location.search);
  var bySha = {}, byUnsigned = {};
  manifest.artifacts.forEach(function (a) {
    if (a.sha256) { (bySha[a.sha256] = bySha[a.sha256] || []).push(a); }
    if (a.unsigned_sha256 && a.signed) { (byUnsigned[a.unsigned_sha256] = byUnsigned[a.unsigned_sha256] || []).push(a); }
  });

  function useSubtle() {
    return !forceJs && window.isSecureContext !== false && window.crypto && window.crypto.subtle &&
      typeof window.crypto.subtle.digest === "function";
  }

  function toHex(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) { s += (b[i] < 16 ? "0" : "") + b[i].toString(16); }
    return s;
  }

  function readAll(file) {
    if (file.arrayBuffer) { return file.arrayBuffer(); }
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
      r.readAsArrayBuffer(file);
    });
  }

  function digest(buf) {
    if (useSubtle()) {
      return window.crypto.subtle.digest("SHA-256", buf).then(function (d) { return { hex: toHex(d), method: "subtle" }; });
    }
    return Promise.resolve({ hex: window.PolicydocsSHA256.hex(new Uint8Array(buf)), method: "js" });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function size(n) {
    if (n < 1024) { return n + " B"; }
    if (n < 1048576) { return Math.round(n / 1024) + " KB"; }
    return (n / 1048576).toFixed(1) + " MB";
  }

  function fact(dl, term, value, node) {
    dl.appendChild(el("dt", "", term));
    var dd = el("dd", "", node ? null : value);
    if (node) { dd.appendChild(node); }
    dl.appendChild(dd);
  }

  function show(file, res) {
    out.textContent = "";
    var hits = bySha[res.hex] || [];
    var state = hits.length ? "ok" : "bad";
    out.className = "verify-result " + state;
    out.dataset.state = state;
    out.dataset.method = res.method;
    out.dataset.sha256 = res.hex;
    out.appendChild(el("p", "verdict", hits.length ? W.ok : W.bad));
    var dl = el("dl", "facts");
    fact(dl, W.wFile, file.name + "（" + size(file.size) + "）");
    var code = el("code", "hash", res.hex);
    fact(dl, W.wDigestLabel || "SHA-256", null, code);
    out.appendChild(dl);
    hits.forEach(function (a) {
      var card = el("div", "match");
      var h = el("h2", "");
      if (a.kind === "policy" && a.policy_id) {
        var link = el("a", "", a.title || a.policy_id);
        link.href = a.policy_id + ".html";
        h.appendChild(link);
      } else {
        h.textContent = a.title || a.path;
      }
      card.appendChild(h);
      var d = el("dl", "facts");
      if (a.policy_id) { fact(d, W.wDocNo, a.policy_id); }
      fact(d, W.wVersion, a.version || "");
      fact(d, W.wLanguage, (manifest.locale_names || {})[a.locale] || a.locale || "");
      fact(d, W.wFormat, (a.format || "").toUpperCase() + (a.signed ? " · " + W.wSigned : (a.draft ? " · " + W.wDraft : "")));
      if (a.effective_date) { fact(d, W.wEffective, a.effective_date); }
      var f = el("a", "", a.path);
      f.href = "../" + (a.site_path || ("files/" + a.path));
      fact(d, "manifest", null, f);
      card.appendChild(d);
      out.appendChild(card);
    });
    if (!hits.length && byUnsigned[res.hex]) {
      out.appendChild(el("p", "note", W.unsignedCopy));
    }
    out.appendChild(el("p", "method", res.method === "subtle" ? W.methodSubtle : W.methodJs));
  }

  function check(file) {
    out.className = "verify-result busy";
    out.dataset.state = "busy";
    out.textContent = W.computing;
    return readAll(file).then(digest).then(function (res) { show(file, res); }, function (err) {
      out.className = "verify-result bad";
      out.dataset.state = "error";
      out.textContent = String(err);
    });
  }

  input.addEventListener("change", function () {
    if (input.files && input.files[0]) { check(input.files[0]); }
  });
  box.addEventListener("dragover", function (e) { e.preventDefault(); box.classList.add("drag"); });
  box.addEventListener("dragleave", function () { box.classList.remove("drag"); });
  box.addEventListener("drop", function (e) {
    e.preventDefault();
    box.classList.remove("drag");
    if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0]) { check(e.dataTransfer.files[0]); }
  });
  window.policydocsVerify = { digest: digest, useSubtle: useSubtle };
})();
