/* nlp.view: selecting a check highlights every span it read; sortable tables; the
   removed-text toggle. Plain DOM, no libraries, works from file:// in Chromium and
   Firefox. */
(function () {
  "use strict";

  var errors = [];
  window.__viewErrors = errors;
  window.addEventListener("error", function (event) {
    errors.push(String(event.message || event));
  });

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function ids(value) {
    return (value || "").split(/\s+/).filter(function (x) { return x; });
  }

  function elements(value) {
    return ids(value).map(function (id) { return document.getElementById(id); })
      .filter(function (el) { return el; });
  }

  var status = null;
  var current = null;

  function say(text) {
    if (status) { status.textContent = text; }
  }

  function reveal(el) {
    // Open every closed <details> holding el, so it can be seen and focused.
    for (var node = el.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) { node.open = true; }
    }
  }

  function scrollTo(el) {
    reveal(el);
    el.scrollIntoView({ block: "center", inline: "nearest" });
  }

  function clear() {
    all(".hl").forEach(function (el) { el.classList.remove("hl"); });
    all(".hl-focus").forEach(function (el) { el.classList.remove("hl-focus"); });
    if (current) {
      current.setAttribute("aria-pressed", "false");
      if (current.parentElement) { current.parentElement.classList.remove("on"); }
    }
    current = null;
  }

  function setHash(button) {
    var kind = button.getAttribute("data-kind");
    var hash = "#" + kind + "=" + encodeURIComponent(button.getAttribute("data-key"));
    try {
      history.replaceState(null, "", hash);
    } catch (e) {
      /* some file:// contexts refuse; the selection still works */
    }
  }

  function select(button, options) {
    options = options || {};
    clear();
    current = button;
    button.setAttribute("aria-pressed", "true");
    if (button.parentElement) { button.parentElement.classList.add("on"); }
    reveal(button);
    button.scrollIntoView({ block: "nearest" });
    var found = elements(button.getAttribute("data-targets"));
    found.forEach(function (el) { el.classList.add("hl"); });
    if (found.length) { scrollTo(found[0]); }
    if (options.focus) { button.focus({ preventScroll: true }); }
    if (!options.keepHash) { setHash(button); }
    var label = button.querySelector(".msg");
    say((found.length ? found.length + " spans highlighted" : "no span in this report") +
        (label ? ": " + label.textContent : ""));
  }

  function jump(button) {
    all(".hl-focus").forEach(function (el) { el.classList.remove("hl-focus"); });
    var found = elements(button.getAttribute("data-targets"));
    found.forEach(function (el) { el.classList.add("hl-focus"); });
    if (found.length) { scrollTo(found[0]); }
  }

  function selectables() {
    // The selectable items a keyboard user can reach (those not in a closed group).
    return all("button.sel").filter(function (b) {
      for (var node = b.parentElement; node; node = node.parentElement) {
        if (node.tagName === "DETAILS" && !node.open) { return false; }
      }
      return true;
    });
  }

  function activate(button) {
    if (button.classList.contains("sel")) { select(button, {}); }
    else if (button.classList.contains("jump")) { jump(button); }
    else if (button.classList.contains("sort")) {
      var th = button.parentElement;
      sortTable(th.closest("table"), Array.prototype.indexOf.call(th.parentElement.children, th), button);
    }
  }

  function onKey(event) {
    var target = event.target;
    // Enter and Space work our buttons directly rather than through the browser's
    // synthesized click, so every way of pressing them behaves the same.
    if ((event.key === "Enter" || event.key === " ") && target.tagName === "BUTTON" &&
        /\b(sel|jump|sort)\b/.test(target.className)) {
      event.preventDefault();
      activate(target);
      return;
    }
    if (event.key === "Escape") {
      clear();
      say("selection cleared");
      return;
    }
    if (!target.classList || !target.classList.contains("sel")) { return; }
    var list = selectables();
    var at = list.indexOf(target);
    var next = null;
    if (event.key === "ArrowDown") { next = list[at + 1]; }
    else if (event.key === "ArrowUp") { next = list[at - 1]; }
    else if (event.key === "Home") { next = list[0]; }
    else if (event.key === "End") { next = list[list.length - 1]; }
    else { return; }
    event.preventDefault();
    if (next) { next.focus(); }
  }

  function fromHash() {
    var match = /^#(check|w|meta)=(.*)$/.exec(location.hash);
    if (!match) { return; }
    var key = decodeURIComponent(match[2]);
    var found = all("button.sel").filter(function (b) {
      return b.getAttribute("data-kind") === match[1] && b.getAttribute("data-key") === key;
    });
    if (found.length) { select(found[0], { focus: true, keepHash: true }); }
  }

  /* sortable tables: a header button sorts by its column, numbers as numbers */
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var value = cell.getAttribute("data-sort");
    return value !== null ? value : cell.textContent.trim();
  }

  function sortTable(table, index, button) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var th = button.parentElement;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var numeric = rows.every(function (r) {
      var v = cellValue(r, index);
      return v === "" || !isNaN(Number(v));
    });
    rows.sort(function (a, b) {
      var x = cellValue(a, index);
      var y = cellValue(b, index);
      var order;
      if (numeric) { order = (x === "" ? -Infinity : Number(x)) - (y === "" ? -Infinity : Number(y)); }
      else { order = x.localeCompare(y, "zh-Hans-CN"); }
      return ascending ? order : -order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    all("th", table.tHead).forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }

  function init() {
    status = document.getElementById("status");
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button") : null;
      if (button) { activate(button); }
    });
    document.addEventListener("keydown", onKey);
    var toggle = document.getElementById("show-removed");
    if (toggle) {
      toggle.addEventListener("change", function () {
        document.body.classList.toggle("show-removed", toggle.checked);
      });
    }
    window.addEventListener("hashchange", fromHash);
    fromHash();
    document.documentElement.setAttribute("data-view-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
