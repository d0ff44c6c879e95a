// The citizen's form on a bad connection (issue 15). Without this file the page is one plain
// form that posts and works; with it:
// - progress: answered / total questions, in a polite live region and a <progress>;
// - a draft of the answers in localStorage ("sipas-draft:<counter slug>"), so a reload, a
//   language switch or a dropped connection loses nothing; only the answers (q_*, field,
//   comment), dropped after data-keep-hours and after a reply from the server;
// - "Gửi" posts with fetch; when the network fails the tokens of that form (CSRF token, form
//   token, receipt token) are queued ("sipas-queue:<slug>") and the same request is sent
//   again on the `online` event and on a backoff timer, also after a reload. The form token
//   makes the server store it once; a repeat is answered 409 "already received".
// Served from this origin: the Content-Security-Policy allows script-src 'self' only.
(function () {
  "use strict";
  var TOKENS = ["csrf_token", "form_token", "d"];
  var form, key, keepMs, inflight = false, timer = null, delay = 0;

  function store(name, value) {
    try {
      if (value === null) localStorage.removeItem(name + key);
      else localStorage.setItem(name + key, JSON.stringify(value));
    } catch (e) { /* storage full or disabled: the form still works, only less kindly */ }
  }

  function load(name) {
    try {
      var item = JSON.parse(localStorage.getItem(name + key) || "null");
      if (item && Date.now() - item.saved < keepMs) return item;
    } catch (e) { /* unreadable: treat as absent */ }
    store(name, null);
    return null;
  }

  // Drafts of other counters' forms, left and expired, go too: answers stay on a phone
  // no longer than a form token lives.
  function sweep() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i -= 1) {
        var name = localStorage.key(i);
        if (!/^sipas-(draft|queue):/.test(name)) continue;
        var item = JSON.parse(localStorage.getItem(name) || "null");
        if (!item || !(Date.now() - item.saved < keepMs)) localStorage.removeItem(name);
      }
    } catch (e) { /* storage disabled or unreadable: nothing to sweep */ }
  }

  function isAnswer(name) {
    return name.indexOf("q_") === 0 || name === "field" || name === "comment";
  }

  function answers() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !isAnswer(el.name)) return;
      if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
      else if (el.value) out[el.name] = el.value;
    });
    return out;
  }

  function restore(values) {
    var restored = false;
    Object.keys(values).forEach(function (name) {
      var els = form.elements[name];
      if (!els || !isAnswer(name)) return;
      if (els.length !== undefined && els.tagName !== "SELECT") {  // a radio group
        Array.prototype.forEach.call(els, function (r) {
          if (r.value === values[name]) { r.checked = true; restored = true; }
        });
      } else if (els.value !== values[name]) {
        els.value = values[name];
        restored = restored || els.value === values[name];
      }
    });
    return restored;
  }

  function say(id, text) {
    var el = document.getElementById(id);
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function text(id, name) {
    var el = document.getElementById(id);
    return el ? el.getAttribute("data-" + name) : "";
  }

  function progress() {
    var groups = form.querySelectorAll("fieldset.q");
    var done = 0;
    Array.prototype.forEach.call(groups, function (g) {
      if (g.querySelector("input:checked")) done += 1;
    });
    var bar = document.getElementById("progress");
    var label = document.getElementById("progress-text");
    bar.max = groups.length || 1;
    bar.value = done;
    var words = label.getAttribute("data-template")
      .replace("{done}", done).replace("{total}", groups.length);
    if (label.textContent !== words) label.textContent = words;
    document.getElementById("progress-box").hidden = false;
    document.documentElement.classList.add("survey-progress");  // survey.css: scroll padding
  }

  function saveDraft() {
    store("sipas-draft:", {saved: Date.now(), answers: answers()});
  }

  function tokens() {
    var out = {};
    TOKENS.forEach(function (n) { if (form.elements[n]) out[n] = form.elements[n].value; });
    return out;
  }

  function useTokens(kept) {
    TOKENS.forEach(function (n) { if (form.elements[n] && n in kept) form.elements[n].value = kept[n]; });
  }

  // Show a page the server sent (thank-you, errors, "already received") in place: it is
  // already here, so a weak connection need not fetch it a second time.
  function show(html, url) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    if (url && url !== location.href) history.replaceState(null, "", url);
    window.scrollTo(0, 0);
    var focus = document.getElementById("errors") || document.getElementById("main");
    if (focus) focus.focus({preventScroll: true});  // a screen reader starts on the new page
    start();
  }

  function retryLater() {
    clearTimeout(timer);
    delay = Math.min(delay ? delay * 2 : 2000, 60000);
    timer = setTimeout(send, delay);
  }

  function send() {
    clearTimeout(timer);
    var queued = load("sipas-queue:");
    if (!queued || inflight) return;
    inflight = true;
    say("send-status", text("send-status", "sending"));
    var body = new URLSearchParams(new FormData(form));
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "follow",
      headers: {"Content-Type": "application/x-www-form-urlencoded"}
    }).then(function (reply) {
      // Busy or a gateway without the app behind it: as good as offline, try again later.
      if (reply.status === 429 || reply.status >= 502) throw new Error("retry");
      return reply.text().then(function (html) {
        inflight = false;
        store("sipas-queue:", null);
        // Stored (303 → thank-you) or already stored (409): the draft has done its job.
        // Otherwise (422 errors, 400 expired) it stays to fill the page after a reload.
        if (reply.ok || reply.status === 409) store("sipas-draft:", null);
        show(html, reply.ok ? reply.url : null);
      });
    }).catch(function () {
      inflight = false;
      say("send-status", text("send-status", "queued"));
      retryLater();
    });
  }

  function submit(event) {
    event.preventDefault();
    saveDraft();
    var queued = load("sipas-queue:");
    // Every later tap re-sends the first tap's tokens: one form token, one response.
    store("sipas-queue:", {saved: queued ? queued.saved : Date.now(),
                           tokens: queued ? queued.tokens : tokens()});
    delay = 0;
    send();
  }

  function start() {
    form = document.getElementById("survey");
    if (!form || !window.fetch || !window.URLSearchParams) return;
    key = form.getAttribute("data-draft-key");
    keepMs = parseFloat(form.getAttribute("data-keep-hours") || "12") * 3600 * 1000;
    sweep();
    var draft = load("sipas-draft:");
    // A page the server sent back with errors shows that citizen's answers already.
    if (draft && !document.getElementById("errors") && restore(draft.answers)) {
      say("draft-status", text("draft-status", "restored"));
    }
    var queued = load("sipas-queue:");
    if (queued) useTokens(queued.tokens);
    progress();
    form.addEventListener("change", function () { progress(); saveDraft(); });
    form.addEventListener("input", saveDraft);
    form.addEventListener("submit", submit);
    if (queued) send();  // a tap that had no connection, before this page was (re)loaded
  }

  window.addEventListener("online", function () { delay = 0; send(); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
