/* Materials checklist on a guide page: the ticks stay on this phone (localStorage), keyed by the
   matter's code and version, so a new version of the guide starts a fresh list. Without this
   script the boxes still tick for the visit and "清空勾选" (a reset button) still clears them. */
(function () {
  "use strict";
  var PREFIX = "minsheng.guides.checklist:";

  function load(key) {
    try {
      var saved = JSON.parse(window.localStorage.getItem(PREFIX + key) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (e) {
      return []; // private mode or a damaged entry: start empty
    }
  }

  function save(key, values) {
    try {
      if (values.length) {
        window.localStorage.setItem(PREFIX + key, JSON.stringify(values));
      } else {
        window.localStorage.removeItem(PREFIX + key);
      }
    } catch (e) {
      /* storage full or refused: the ticks still hold for this visit */
    }
  }

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
  }

  function showCount(form) {
    var line = form.querySelector("[data-checklist-count]");
    if (!line) return;
    var all = boxes(form);
    var done = all.filter(function (box) { return box.checked; }).length;
    line.textContent = (line.getAttribute("data-text") || "%(done)s / %(total)s")
      .replace("%(done)s", String(done))
      .replace("%(total)s", String(all.length));
    line.hidden = false;
  }

  function bind(form) {
    if (form.getAttribute("data-bound")) return; // htmx may run this script again
    form.setAttribute("data-bound", "1");
    var key = form.getAttribute("data-checklist");
    var ticked = load(key);
    boxes(form).forEach(function (box) {
      box.checked = ticked.indexOf(box.value) !== -1;
    });
    showCount(form);
    form.addEventListener("change", function () {
      save(key, boxes(form).filter(function (b) { return b.checked; }).map(function (b) { return b.value; }));
      showCount(form);
    });
    form.addEventListener("reset", function () {
      save(key, []);
      // The browser unticks the boxes after this event: count once it has.
      window.setTimeout(function () { showCount(form); }, 0);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-checklist]"), bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSettle", start);
})();
