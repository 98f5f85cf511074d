/* sync-admin screens: relative times, row selection, confirmations, live progress.
   Loaded as a static file (the Content-Security-Policy allows no inline script). */
(function () {
  "use strict";

  var UNITS = [
    ["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
    ["hour", 3600], ["minute", 60], ["second", 1]
  ];
  var rtf = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }) : null;

  function relative(date) {
    var seconds = Math.round((date.getTime() - Date.now()) / 1000);
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (Math.abs(seconds) >= unit[1] || unit[0] === "second") {
        var value = Math.round(seconds / unit[1]);
        if (rtf) { return rtf.format(value, unit[0]); }
        return Math.abs(value) + " " + unit[0] + (Math.abs(value) === 1 ? "" : "s") + (value < 0 ? " ago" : " from now");
      }
    }
    return date.toLocaleString();
  }

  /* Times are rendered in UTC by the server; the browser shows them relative,
     with the absolute time in the staff member's own timezone on hover. */
  function renderTimes(root) {
    var nodes = (root || document).querySelectorAll("time.sa-time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var date = new Date(nodes[i].getAttribute("datetime"));
      if (isNaN(date.getTime())) { continue; }
      nodes[i].textContent = relative(date);
      nodes[i].title = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "long" });
    }
  }

  /* "Select all" checkboxes: data-select-all="name of the row checkboxes". */
  function wireSelectAll() {
    var boxes = document.querySelectorAll("input[data-select-all]");
    for (var i = 0; i < boxes.length; i++) {
      boxes[i].addEventListener("change", function (event) {
        var name = event.target.getAttribute("data-select-all");
        var rows = document.querySelectorAll("input[type=checkbox][name='" + name + "']");
        for (var j = 0; j < rows.length; j++) { rows[j].checked = event.target.checked; }
      });
    }
  }

  /* Buttons and forms with data-confirm ask before they submit. */
  function wireConfirm() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = event.submitter;
      var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (text && !window.confirm(text)) { event.preventDefault(); }
    }, true);
  }

  var STATUS_TEXT = { synced: "Synced", needs_resync: "Needs Resync", syncing: "Syncing" };

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;  /* never innerHTML: company names are data */
    if (className) { node.className = className; }
    return node;
  }

  /* Data Feed: poll the progress endpoint while the page is open. */
  function renderProgress(data) {
    var live = document.getElementById("sa-live");
    var running = data.running || [];
    live.hidden = running.length === 0;
    document.getElementById("sa-live-count").textContent = running.length;
    document.getElementById("sa-live-done").textContent = data.done;
    document.getElementById("sa-live-total").textContent = data.total;
    var bar = document.getElementById("sa-live-bar");
    bar.setAttribute("aria-valuenow", data.done);
    bar.setAttribute("aria-valuemax", data.total);
    bar.firstElementChild.style.width = (data.total ? Math.round(100 * data.done / data.total) : 0) + "%";
    var list = document.getElementById("sa-live-running");
    list.replaceChildren();
    running.forEach(function (run) {
      list.appendChild(text("li", run.company + ": " + run.status + ", " + run.done + " / " + run.total + " records"));
    });
    var recentPanel = document.getElementById("sa-recent-panel");
    var recent = document.getElementById("sa-recent");
    recent.replaceChildren();
    (data.recent || []).forEach(function (run) {
      var item = text("li", run.company + ": " + run.status + " (" + run.done + " records, " + run.failed + " failed) ", "list-group-item sa-recent-item");
      var when = document.createElement("time");
      when.className = "sa-time";
      when.setAttribute("datetime", run.finished_at);
      item.appendChild(when);
      recent.appendChild(item);
    });
    recentPanel.hidden = recent.children.length === 0;
    renderTimes(recent);
    var statuses = data.statuses || {};
    Object.keys(statuses).forEach(function (id) {
      var cell = document.querySelector("tr[data-company-id='" + id + "'] .sa-status");
      if (cell) {
        cell.className = "sa-status sa-status-" + statuses[id];
        cell.textContent = STATUS_TEXT[statuses[id]] || statuses[id];
      }
    });
    /* Each row's own bar follows its running worker and goes when the run ends. */
    var runningBy = {};
    running.forEach(function (run) { runningBy[run.company_id] = run; });
    var bars = document.querySelectorAll("tr[data-company-id] .sa-status-cell .sa-progress");
    for (var i = 0; i < bars.length; i++) {
      var row = bars[i].closest("tr");
      var run = runningBy[row.getAttribute("data-company-id")];
      if (!run) { bars[i].remove(); continue; }
      bars[i].title = run.done + " / " + run.total;
      bars[i].firstElementChild.style.width = (run.total ? Math.round(100 * run.done / run.total) : 0) + "%";
    }
  }

  function pollProgress() {
    var root = document.querySelector("[data-progress-url]");
    if (!root) { return; }
    var url = root.getAttribute("data-progress-url");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { renderProgress(data); } })
        .catch(function () { /* the next tick tries again */ })
        .finally(function () { setTimeout(tick, document.hidden ? 10000 : 2000); });
    }
    tick();
  }

  window.syncAdmin = { renderTimes: renderTimes };

  document.addEventListener("DOMContentLoaded", function () {
    renderTimes(document);
    wireSelectAll();
    wireConfirm();
    pollProgress();
    setInterval(function () { renderTimes(document); }, 30000);
  });
})();
