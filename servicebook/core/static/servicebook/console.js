/* Servicebook console behaviour: keyboard search, suggestions, canned responses.
   Loaded as a file (the content security policy allows no inline script). */
(function () {
  "use strict";

  function typingIn(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  var input = document.getElementById("global-search");
  var box = document.getElementById("search-suggest");

  function items() {
    return box ? Array.prototype.slice.call(box.querySelectorAll("a[data-hit]")) : [];
  }
  function setOpen(open) {
    if (!box || !input) return;
    box.classList.toggle("open", open);
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }
  function move(step) {
    var list = items();
    if (!list.length) return;
    var current = list.findIndex(function (a) { return a.classList.contains("active"); });
    var next = (current + step + list.length) % list.length;
    list.forEach(function (a) { a.classList.remove("active"); a.setAttribute("aria-selected", "false"); });
    list[next].classList.add("active");
    list[next].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", list[next].id);
    list[next].scrollIntoView({ block: "nearest" });
  }

  // "/" focuses the search box from anywhere except while typing in a field.
  document.addEventListener("keydown", function (event) {
    if (event.key === "/" && !typingIn(document.activeElement) && input) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  if (input && box) {
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); setOpen(true); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Escape") { setOpen(false); input.blur(); }
      else if (event.key === "Enter") {
        var active = box.querySelector("a.active");
        if (active && box.classList.contains("open")) { event.preventDefault(); window.location = active.href; }
      }
    });
    input.addEventListener("focus", function () { if (items().length) setOpen(true); });
    document.addEventListener("click", function (event) {
      if (!box.contains(event.target) && event.target !== input) setOpen(false);
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === box) setOpen(input.value.trim().length > 0);
    });
  }

  // Canned responses: choosing one fills the note box, ready to edit.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-canned-target]")) return;
    var option = select.options[select.selectedIndex];
    var target = document.getElementById(select.getAttribute("data-canned-target"));
    if (target && option && option.getAttribute("data-body")) {
      target.value = option.getAttribute("data-body");
      target.focus();
    }
  });

  // Buttons that change something irreversible ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
