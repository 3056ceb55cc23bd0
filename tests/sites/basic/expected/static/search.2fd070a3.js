/* The search page: read the manifest /search-index.json, download every shard it lists
   at once, put their entries back in the site's order (newest first: ascending "o"),
   match every word of the query in the browser, show title, source, date and a snippet.
   Built with DOM calls and textContent only, so no article text is ever parsed as HTML. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var docs = null, loading = null, timer = 0;
  var MAX_RESULTS = 50, CONTEXT = 80;

  document.getElementById("search-nojs").hidden = true;
  form.hidden = false;

  function fold(text) {
    // Lower case, accents off, one output character per input code unit, so that
    // positions found in the folded text are positions in the original.
    if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i), f = c.normalize("NFD").charAt(0).toLowerCase();
      out += f.length === 1 ? f : c;
    }
    return out;
  }
  function getJSON(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
      return r.json();
    });
  }
  function load() {
    if (!loading) {
      loading = getJSON(form.getAttribute("data-index")).then(function (manifest) {
        return Promise.all(manifest.shards.map(getJSON));
      }).then(function (shards) {
        var entries = [].concat.apply([], shards);
        entries.sort(function (a, b) { return a.o < b.o ? -1 : a.o > b.o ? 1 : 0; });
        docs = entries.map(function (e) {
          return { e: e, title: fold(e.t), text: fold(e.x), rest: fold(e.k + " " + e.s) };
        });
        return docs;
      });
      loading.catch(function () { loading = null; });  // a later search tries again
    }
    return loading;
  }
  function terms(query) {
    return fold(query).split(/[^\w\u00c0-\uffff]+/).filter(function (t) { return t.length > 0; });
  }
  function score(doc, words) {
    var total = 0;
    for (var i = 0; i < words.length; i++) {
      var w = words[i], s = 0;
      if (doc.title.indexOf(w) >= 0) s += 10;
      if (doc.text.indexOf(w) >= 0) s += 3;
      if (doc.rest.indexOf(w) >= 0) s += 1;
      if (!s) return 0;
      total += s;
    }
    return total;
  }
  function snippet(doc, words) {
    var text = doc.e.x, at = -1, len = 0;
    for (var i = 0; i < words.length && at < 0; i++) {
      at = doc.text.indexOf(words[i]);
      len = words[i].length;
    }
    var p = document.createElement("p");
    p.className = "snippet";
    if (at < 0) { p.textContent = text.slice(0, 2 * CONTEXT) + (text.length > 2 * CONTEXT ? "…" : ""); return p; }
    var start = Math.max(0, at - CONTEXT), end = Math.min(text.length, at + len + CONTEXT);
    var space = text.indexOf(" ", start);  // cut at word boundaries, not mid-word
    if (start > 0 && space >= 0 && space < at) start = space + 1;
    space = text.lastIndexOf(" ", end);
    if (end < text.length && space > at + len) end = space;
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + len);
    p.appendChild(document.createTextNode((start > 0 ? "…" : "") + text.slice(start, at)));
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(at + len, end) + (end < text.length ? "…" : "")));
    return p;
  }
  function result(doc, words) {
    var li = document.createElement("li");
    var h = document.createElement("h2");
    var a = document.createElement("a");
    a.href = doc.e.u;
    a.textContent = doc.e.t;
    h.appendChild(a);
    var meta = document.createElement("p");
    meta.className = "byline";
    meta.textContent = (doc.e.s ? "on " + doc.e.s + " · " : "") + doc.e.d;
    li.appendChild(h);
    li.appendChild(meta);
    li.appendChild(snippet(doc, words));
    return li;
  }
  function show(query) {
    var words = terms(query);
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    var found = [];
    for (var i = 0; i < docs.length; i++) {
      var s = score(docs[i], words);
      if (s) found.push({ doc: docs[i], s: s, i: i });
    }
    found.sort(function (a, b) { return b.s - a.s || a.i - b.i; });
    status.textContent = found.length === 0 ? "No articles match “" + query + "”."
      : found.length + (found.length === 1 ? " article matches" : " articles match") + " “" + query + "”" +
        (found.length > MAX_RESULTS ? "; the first " + MAX_RESULTS + " are shown." : ".");
    for (var j = 0; j < found.length && j < MAX_RESULTS; j++) list.appendChild(result(found[j].doc, words));
  }
  function run() {
    var query = input.value.trim();
    load().then(function () { show(query); }, function () {
      status.textContent = "The search index could not be loaded. Try again later, or browse the archive.";
    });
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  input.addEventListener("focus", load, { once: true });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
