/* Dispatch board behaviour: place the blocks on the timelines, drag and drop to assign or
   move, and keep polling out of the way while a drag is under way.
   A static file: the content security policy allows no inline script. Positions are set
   through element.style (the CSSOM), which the policy allows; markup carries only minutes. */
(function () {
  "use strict";

  var SNAP = 15; // minutes
  var dragging = null;

  function layout(root) {
    (root || document).querySelectorAll(".tl").forEach(function (tl) {
      var start = parseInt(tl.getAttribute("data-start"), 10);
      var end = parseInt(tl.getAttribute("data-end"), 10);
      var span = Math.max(1, end - start);
      tl.querySelectorAll("[data-start]").forEach(function (el) {
        if (el === tl) return;
        var s = Math.max(start, parseInt(el.getAttribute("data-start"), 10));
        var e = el.hasAttribute("data-end") ? Math.min(end, parseInt(el.getAttribute("data-end"), 10)) : s;
        el.style.left = ((s - start) / span) * 100 + "%";
        if (el.hasAttribute("data-end")) el.style.width = Math.max(0, ((e - s) / span) * 100) + "%";
      });
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function minuteAt(track, clientX) {
    var tl = track.closest(".tl");
    var start = parseInt(tl.getAttribute("data-start"), 10);
    var end = parseInt(tl.getAttribute("data-end"), 10);
    var box = track.getBoundingClientRect();
    var ratio = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    var minute = start + ratio * (end - start);
    return Math.min(end - SNAP, Math.round(minute / SNAP) * SNAP);
  }

  function live() { return document.getElementById("board-live"); }

  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); }
    catch (e) { return {}; }
  }

  function guide(track, minute) {
    var g = track.querySelector(".tl-guide");
    if (!g) {
      g = document.createElement("span");
      g.className = "tl-guide";
      track.appendChild(g);
    }
    var tl = track.closest(".tl");
    var start = parseInt(tl.getAttribute("data-start"), 10);
    var end = parseInt(tl.getAttribute("data-end"), 10);
    g.style.left = ((minute - start) / Math.max(1, end - start)) * 100 + "%";
    g.textContent = pad(Math.floor(minute / 60)) + ":" + pad(minute % 60);
  }

  function clearGuides() {
    document.querySelectorAll(".tl-guide").forEach(function (g) { g.remove(); });
    document.querySelectorAll(".tl-track.drop").forEach(function (t) { t.classList.remove("drop"); });
  }

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-work-order][draggable], [data-appointment][draggable]");
    if (!item) return;
    dragging = item.hasAttribute("data-work-order")
      ? { kind: "work_order", id: item.getAttribute("data-work-order") }
      : { kind: "appointment", id: item.getAttribute("data-appointment"), url: item.getAttribute("data-move-url") };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", JSON.stringify(dragging));
    item.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    if (event.target.classList) event.target.classList.remove("dragging");
    dragging = null;
    clearGuides();
  });

  document.addEventListener("dragover", function (event) {
    var track = event.target.closest && event.target.closest("#board-live .tl-track[data-technician]");
    if (!track || !dragging) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".tl-track.drop").forEach(function (t) { if (t !== track) t.classList.remove("drop"); });
    track.classList.add("drop");
    guide(track, minuteAt(track, event.clientX));
  });

  document.addEventListener("drop", function (event) {
    var track = event.target.closest && event.target.closest("#board-live .tl-track[data-technician]");
    if (!track) return;
    event.preventDefault();
    var data = dragging;
    if (!data) {
      try { data = JSON.parse(event.dataTransfer.getData("text/plain")); } catch (e) { return; }
    }
    var board = live();
    var minute = minuteAt(track, event.clientX);
    var values = {
      technician: track.getAttribute("data-technician"),
      date: board.getAttribute("data-date"),
      territory: board.getAttribute("data-territory"),
      start: pad(Math.floor(minute / 60)) + ":" + pad(minute % 60)
    };
    var url;
    if (data.kind === "work_order") {
      url = board.getAttribute("data-assign-url");
      values.work_order = data.id;
    } else {
      url = data.url;
    }
    dragging = null;
    clearGuides();
    if (!url || !window.htmx) return;
    window.htmx.ajax("POST", url, {
      target: "#board-live",
      swap: "outerHTML",
      values: values,
      headers: csrfHeaders()
    });
  });

  // A poll arriving mid-drag would replace the element being dragged.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (dragging && event.detail.elt && event.detail.elt.id === "board-live" &&
        (event.detail.requestConfig || {}).verb === "get") {
      event.preventDefault();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function () { layout(); });
  document.body.addEventListener("htmx:afterSettle", function () { layout(); });

  // After a change made from the panel, the panel has done its job: the job it showed was
  // assigned or moved, so its forms would only act on a stale choice. Back to the hint.
  document.body.addEventListener("board-changed", function () {
    var panel = document.getElementById("board-panel");
    if (!panel || !panel.querySelector("form")) return;
    var heading = document.createElement("h2");
    heading.textContent = "Selected job";
    var hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = "Done. Choose another job on the board, or Assign on an unassigned one.";
    panel.replaceChildren(heading, hint);
  });

  // The date and territory pickers apply at once.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.board-day");
    if (form) form.submit();
  });

  layout();
})();
