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

  window.syncAdmin = { renderTimes: renderTimes };

  document.addEventListener("DOMContentLoaded", function () {
    renderTimes(document);
    wireSelectAll();
    wireConfirm();
    setInterval(function () { renderTimes(document); }, 30000);
  });
})();
