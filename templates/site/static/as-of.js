/* As-of page: which version of each policy was in force on a chosen day, computed in
 * the browser from the effective dates of every release (data/published.js). The rule
 * is the ledger's: the latest release whose effective date has come is in force,
 * until the policy is repealed. ?day=YYYY-MM-DD preselects a day. */
(function () {
  "use strict";
  var form = document.getElementById("as-of-form");
  var input = document.getElementById("as-of-day");
  var out = document.getElementById("as-of-result");
  if (!form || !input || !out) { return; }
  var W = form.dataset;
  var data = window.POLICYDOCS_PUBLISHED || { policies: {} };

  function el(tag, text) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }

  function inForce(rows, day) {
    var current = null;
    rows.forEach(function (r) { if (r.effective <= day) { current = r; } });
    /* repealed, or replaced by another policy (a later version of this one is itself current) */
    if (current && current.until && current.until <= day) { return null; }
    return current;
  }

  function show(day) {
    out.textContent = "";
    var rows = [];
    Object.keys(data.policies).sort().forEach(function (pid) {
      var p = data.policies[pid];
      var v = inForce(p.versions, day);
      if (v) { rows.push([pid, (p.titles || {})[W.code] || pid, v]); }
    });
    out.appendChild(el("h2", W.head.replace("{date}", day)));
    if (!rows.length) { out.appendChild(el("p", W.none)); return; }
    var table = el("table"), head = el("tr");
    table.className = "policies";
    [W.wDocNo, W.wTitle, W.wVersion, W.wEffective].forEach(function (t) { head.appendChild(el("th", t)); });
    table.appendChild(head);
    rows.forEach(function (r) {
      var tr = el("tr"), link = el("a", r[1]);
      link.href = r[2].page;
      tr.dataset.policy = r[0];
      tr.dataset.version = r[2].version;
      tr.appendChild(el("td", r[0]));
      var td = el("td"); td.appendChild(link); tr.appendChild(td);
      tr.appendChild(el("td", r[2].version));
      tr.appendChild(el("td", r[2].effective));
      table.appendChild(tr);
    });
    out.appendChild(table);
  }

  var pre = (/[?&]day=(\d{4}-\d{2}-\d{2})/.exec(location.search) || [])[1];
  input.value = pre || data.day || new Date().toISOString().slice(0, 10);
  input.addEventListener("change", function () { if (input.value) { show(input.value); } });
  form.addEventListener("submit", function (e) { e.preventDefault(); if (input.value) { show(input.value); } });
  show(input.value);
})();
