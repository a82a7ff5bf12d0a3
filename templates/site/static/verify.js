/* Verify page: SHA-256 of a picked file, computed in the browser, looked up in
 * every file ever published (data/published.js, from the ledger's publication
 * record), with the version's status today: in force, superseded by … on …,
 * scheduled from …, repealed.  WebCrypto when available; the bundled JavaScript
 * SHA-256 otherwise (plain-http intranets).  ?hash=js forces the fallback. */
(function () {
  "use strict";
  var box = document.getElementById("verify-box");
  var input = document.getElementById("verify-file");
  var out = document.getElementById("verify-result");
  if (!box || !input || !out) { return; }
  var W = box.dataset;
  var data = window.POLICYDOCS_PUBLISHED || { files: [], policies: {} };
  var forceJs = /[?&]hash=js(&|$)/.test(location.search);
  var today = (/[?&]today=(\d{4}-\d{2}-\d{2})/.exec(location.search) || [])[1] || new Date().toISOString().slice(0, 10);
  var bySha = {};
  data.files.forEach(function (a) { (bySha[a.sha256] = bySha[a.sha256] || []).push(a); });

  /* The status of a version on ``day``: the latest release whose effective date has come is in force. */
  function statusOf(pid, version, day) {
    var rows = (data.policies[pid] || {}).versions || [];
    var current = null, mine = null;
    rows.forEach(function (r) { if (r.effective <= day) { current = r; } if (r.version === version) { mine = r; } });
    if (!mine) { return ""; }
    if (mine.state === "repealed" && mine.until && mine.until <= day) { return W.stRepealed.replace("{date}", mine.until); }
    if (current && current.version === mine.version && mine.until && mine.until <= day && mine.by) {
      return W.stSuperseded.replace("{by}", mine.by).replace("{date}", mine.until);  /* by another policy */
    }
    if (current && current.version === mine.version) { return W.stInForce; }
    if (mine.effective > day) { return W.stScheduled.replace("{date}", mine.effective); }
    if (current) { return W.stSuperseded.replace("{by}", current.version).replace("{date}", current.effective); }
    return "";
  }

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
      var policy = data.policies[a.policy];
      if (a.kind === "policy" && policy) {
        var link = el("a", "", (policy.titles || {})[W.code] || a.policy);
        link.href = a.policy + ".html";
        h.appendChild(link);
      } else {
        h.textContent = W.wHandbook.replace("{v}", a.version) + " · " + a.policy;
      }
      card.appendChild(h);
      var d = el("dl", "facts");
      if (a.kind === "policy") { fact(d, W.wDocNo, a.policy); }
      fact(d, W.wVersion, a.version || "");
      fact(d, W.wLanguage, (data.locale_names || {})[a.locale] || a.locale || "");
      fact(d, W.wFormat, (a.format || "").toUpperCase() + (a.signed ? " · " + W.wSigned : ""));
      if (a.kind === "policy") {
        var st = el("strong", "status", statusOf(a.policy, a.version, today));
        fact(d, W.wStatus, null, st);
      }
      var f = el("a", "", a.path);
      f.href = "../" + a.site_path;
      fact(d, W.wRecord, null, f);
      card.appendChild(d);
      if (a.reissue_reason) {
        card.appendChild(el("p", "reissue", W.stReissue.replace("{reason}", a.reissue_reason)));
      }
      if (a.replaced_by) {  // authentic, but a re-issue replaced it: say which file to use instead
        var p = el("p", "replaced", "");
        var parts = W.stReplaced.split("{file}");
        p.appendChild(document.createTextNode(parts[0]));
        var nf = el("a", "", a.replaced_by.path.split("/").pop());
        nf.href = "../" + a.replaced_by.site_path;
        p.appendChild(nf);
        p.appendChild(document.createTextNode((parts[1] || "").replace("{reason}", a.replaced_by.reason)));
        card.appendChild(p);
      }
      out.appendChild(card);
    });
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
