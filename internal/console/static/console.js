// cdrhub console: small improvements over pages that work without it.
(function () {
  "use strict";

  // A result row opens its record when clicked anywhere, as its link does.
  function linkRows() {
    var rows = document.querySelectorAll("#records tbody tr");
    rows.forEach(function (tr) {
      var a = tr.querySelector("a[href]");
      if (!a) { return; }
      tr.setAttribute("data-href", a.getAttribute("href"));
      tr.addEventListener("click", function (ev) {
        if (ev.target.closest("a, button, input, select")) { return; }
        if (window.getSelection && String(window.getSelection()) !== "") { return; }
        window.location.assign(a.href);
      });
    });
  }

  // "/" puts the cursor in the number search, as on most search pages.
  function focusKey() {
    var field = document.querySelector('#search input[name="phone_contains"]');
    if (!field) { return; }
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "/" || ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      var t = ev.target;
      if (t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName))) { return; }
      ev.preventDefault();
      field.focus();
    });
  }

  // The search form sends only the fields that are filled in, so that
  // its address stays short (the server drops empty ones anyway).
  function compactForm() {
    var form = document.getElementById("search");
    if (!form) { return; }
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (el) {
        if ((el.type !== "checkbox" && el.value === "") || (el.type === "checkbox" && !el.checked)) {
          el.disabled = true;
        }
      });
      window.setTimeout(function () {
        form.querySelectorAll("[disabled]").forEach(function (el) { el.disabled = false; });
      }, 0);
    });
  }

  // Printing an interaction opens its collapsed sections.
  function printOpen() {
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll(".renders details").forEach(function (d) { d.open = true; });
    });
  }

  // Sortable tables: each column's header becomes a button; a cell's
  // data-sort holds its value (a number where it can be read as one).
  function sortTables() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      var heads = table.querySelectorAll("thead th");
      heads.forEach(function (th, col) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = th.textContent;
        th.textContent = "";
        th.appendChild(b);
        b.addEventListener("click", function () {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          function key(tr) {
            var cell = tr.children[col];
            var v = (cell.getAttribute("data-sort") || cell.textContent).trim();
            return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v) ? parseFloat(v) : v.toLowerCase();
          }
          rows.sort(function (a, b) {
            var x = key(a), y = key(b);
            var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
            return asc ? c : -c;
          });
          rows.forEach(function (tr) { body.appendChild(tr); });
        });
      });
    });
  }

  // A chart's point or bar shows its value beside the pointer (its
  // <title> says the same to those without the script).
  function chartTips() {
    document.querySelectorAll("svg.chart-svg").forEach(function (svg) {
      var box = svg.parentNode;
      var tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.hidden = true;
      box.appendChild(tip);
      svg.addEventListener("mousemove", function (ev) {
        var t = ev.target.closest(".bar, .dot");
        if (!t) { tip.hidden = true; return; }
        var title = t.querySelector("title");
        tip.textContent = title ? title.textContent : "";
        var r = box.getBoundingClientRect();
        tip.style.left = (ev.clientX - r.left + 12) + "px";
        tip.style.top = (ev.clientY - r.top - 28) + "px";
        tip.hidden = false;
      });
      svg.addEventListener("mouseleave", function () { tip.hidden = true; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sortTables();
    chartTips();
    linkRows();
    focusKey();
    compactForm();
    printOpen();
  });
})();
