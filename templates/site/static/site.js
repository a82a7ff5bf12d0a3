/* Portal behaviour: Chinese search (substring match, bigram prefilter) and the
 * 简/繁 switch that keeps the reader at the same article.  Data comes from
 * data/search.<locale>.js (a script, so file:// works without fetch).  Every
 * piece of text is inserted with textContent: nothing from the data is parsed
 * as HTML. */
(function () {
  "use strict";

  function norm(s) {
    s = String(s || "");
    if (s.normalize) { s = s.normalize("NFKC"); }
    return s.toLowerCase();
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function bigrams(s) {
    var set = {};
    for (var i = 0; i + 1 < s.length; i++) { set[s.substr(i, 2)] = true; }
    return set;
  }

  // ---- search ------------------------------------------------------------
  var Index = null;

  function prepare(data) {
    return data.docs.map(function (d) {
      var head = norm([d.id, d.title, d.category, d.department].join(" "));
      var segs = d.segments.map(function (s) { return { a: s.a, l: s.l, t: s.t, n: norm(s.l + " " + s.t) }; });
      var all = head + " " + segs.map(function (s) { return s.n; }).join(" ");
      return { doc: d, head: head, segs: segs, all: all, grams: null };
    });
  }

  function hasTerm(entry, term) {
    if (term.length >= 2) {
      if (!entry.grams) { entry.grams = bigrams(entry.all); }
      var g = bigrams(term);
      for (var k in g) { if (!entry.grams[k]) { return false; } }
    }
    return entry.all.indexOf(term) >= 0;
  }

  function search(query) {
    var terms = norm(query).split(/\s+/).filter(function (t) { return t.length > 0; });
    if (!terms.length || !Index) { return []; }
    var results = [];
    Index.forEach(function (entry) {
      for (var i = 0; i < terms.length; i++) { if (!hasTerm(entry, terms[i])) { return; } }
      var score = 0, hits = [];
      terms.forEach(function (t) { if (entry.head.indexOf(t) >= 0) { score += 100; } });
      entry.segs.forEach(function (s) {
        var n = 0;
        terms.forEach(function (t) { if (s.n.indexOf(t) >= 0) { n++; } });
        if (n) { hits.push({ seg: s, n: n }); score += n; }
      });
      hits.sort(function (a, b) { return b.n - a.n; });
      if (!entry.doc.in_force) { score -= 50; }
      results.push({ entry: entry, score: score, hits: hits });
    });
    results.sort(function (a, b) { return b.score - a.score || (a.entry.doc.id < b.entry.doc.id ? -1 : 1); });
    return results.map(function (r) { r.terms = terms; return r; });
  }

  // text with every occurrence of the terms wrapped in <mark> (built as DOM nodes)
  function marked(parent, text, terms) {
    var low = norm(text);
    var pos = 0;
    // NFKC may change lengths for some characters; fall back to plain text then
    if (low.length !== text.length) { parent.appendChild(document.createTextNode(text)); return; }
    while (pos < text.length) {
      var best = -1, len = 0;
      terms.forEach(function (t) {
        var i = low.indexOf(t, pos);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = t.length; }
      });
      if (best < 0) { parent.appendChild(document.createTextNode(text.slice(pos))); break; }
      if (best > pos) { parent.appendChild(document.createTextNode(text.slice(pos, best))); }
      parent.appendChild(el("mark", "", text.slice(best, best + len)));
      pos = best + len;
    }
  }

  function snippet(text, terms) {
    var low = norm(text), first = -1;
    terms.forEach(function (t) { var i = low.indexOf(t); if (i >= 0 && (first < 0 || i < first)) { first = i; } });
    if (first < 0) { return text.length > 80 ? text.slice(0, 80) + "…" : text; }
    var start = Math.max(0, first - 30), end = Math.min(text.length, first + 60);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function fmt(template, vars) {
    return String(template).replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }

  function render(query, results, data) {
    var box = document.getElementById("search-results");
    var cat = document.getElementById("catalogue");
    if (!box) { return; }
    var list = box.querySelector(".hits");
    var summary = box.querySelector(".search-summary");
    list.textContent = "";
    if (!query.trim()) { box.hidden = true; if (cat) { cat.hidden = false; } return; }
    box.hidden = false;
    if (cat) { cat.hidden = true; }
    summary.textContent = results.length ? fmt(data.words.search_count, { n: results.length, q: query.trim() })
      : fmt(data.words.search_none, { q: query.trim() });
    results.forEach(function (r) {
      var d = r.entry.doc;
      var li = el("li", "hit" + (d.in_force ? "" : " not-in-force"));
      li.dataset.policy = d.id;
      var h = el("h2", "");
      var a = el("a", "");
      a.href = d.url;
      marked(a, d.title, r.terms);
      h.appendChild(a);
      h.appendChild(document.createTextNode(" "));
      h.appendChild(el("code", "", d.id));
      h.appendChild(document.createTextNode(" "));
      h.appendChild(el("span", "badge " + (d.in_force ? "v-in_force" : "v-superseded"), d.status_label));
      li.appendChild(h);
      var ul = el("ul", "snippets");
      r.hits.slice(0, 3).forEach(function (hit) {
        var s = hit.seg;
        var item = el("li", "");
        var link = el("a", "seg-link");
        link.href = d.url + (s.a ? "#" + encodeURIComponent(s.a) : "");
        link.textContent = s.l || d.title;
        item.appendChild(link);
        item.appendChild(document.createTextNode("　"));
        var span = el("span", "snip");
        marked(span, snippet(s.t, r.terms), r.terms);
        item.appendChild(span);
        ul.appendChild(item);
      });
      li.appendChild(ul);
      list.appendChild(li);
    });
  }

  function initSearch() {
    var data = window.POLICYDOCS_SEARCH;
    var box = document.getElementById("search-results");
    var input = document.getElementById("q");
    if (!data || !box || !input) { return; }
    Index = prepare(data);
    var m = /[?&]q=([^&#]*)/.exec(location.search);
    var q = m ? decodeURIComponent(m[1].replace(/\+/g, " ")) : "";
    input.value = q;
    render(q, search(q), data);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        render(input.value, search(input.value), data);
        try {
          history.replaceState(null, "", input.value.trim() ? "?q=" + encodeURIComponent(input.value.trim()) : location.pathname.split("/").pop());
        } catch (e) { /* file:// in some browsers */ }
      }, 120);
    });
  }

  // ---- 简/繁 switch keeps the article ---------------------------------------
  function initSwitch() {
    var mine = (document.body.dataset.anchors || "").split(" ");
    var links = document.querySelectorAll(".locale-switch a[data-locale]");
    Array.prototype.forEach.call(links, function (a) {
      var base = a.getAttribute("href").split("#")[0].split("?")[0];
      a.addEventListener("click", function () {
        var hash = decodeURIComponent(location.hash.slice(1));
        var target = base;
        var theirs = (a.dataset.anchors || "").split(" ");
        var i = hash ? mine.indexOf(hash) : -1;
        if (i >= 0 && theirs[i]) { target += "#" + theirs[i]; }
        var q = document.getElementById("q");
        if (document.body.classList.contains("page-index") && q && q.value.trim()) {
          target = base + "?q=" + encodeURIComponent(q.value.trim());
        }
        a.setAttribute("href", target);
      });
    });
  }

  window.policydocsSearch = { search: search, norm: norm };
  initSearch();
  initSwitch();
})();

/* History page: compare any two versions — opens their 修订对照表 (files/diff/ID_OLD_NEW.html). */
(function () {
  "use strict";
  var form = document.querySelector("form.compare-form");
  if (!form) { return; }
  function safe(v) { return v.replace(/[^A-Za-z0-9.-]/g, "-") || "v"; }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var all = Array.prototype.map.call(form.querySelectorAll("select[name=to] option"), function (o) { return o.value; });
    var a = form.elements.from.value, b = form.elements.to.value;
    var order = [form.querySelector("select[name=from] option").value].concat(all);
    if (a === b) { return; }
    if (order.indexOf(a) > order.indexOf(b)) { var t = a; a = b; b = t; }
    location.href = "../files/diff/" + form.dataset.policy + "_" + safe(a) + "_" + safe(b) + ".html";
  });
})();
