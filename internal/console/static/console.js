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

  document.addEventListener("DOMContentLoaded", function () {
    linkRows();
    focusKey();
    compactForm();
    printOpen();
  });
})();
