/*
 * Live job progress in the back-office: every element with a data-progress-url polls that URL
 * (the staff-only JSON of /admin/jobs/job/<id>/progress/) once a second until the job has ended.
 * The job page's panel (#job-progress) shows state, phase, percentage, rows and ETA; the list's small
 * bars show the percentage. A file, not an inline script: the Content-Security-Policy forbids those.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 1000;

  function percentText(progress) {
    return progress.percent === null ? "—" : progress.percent + " %";
  }

  function rowsText(progress) {
    return progress.rows_total === null ? String(progress.rows_done) : progress.rows_done + " / " + progress.rows_total;
  }

  function etaText(progress) {
    if (progress.eta_seconds === null) {
      return "—";
    }
    var minutes = Math.floor(progress.eta_seconds / 60);
    var seconds = progress.eta_seconds % 60;
    return minutes ? minutes + " min " + seconds + " s" : seconds + " s";
  }

  function setField(root, name, text) {
    var element = root.querySelector('[data-field="' + name + '"]');
    if (element) {
      element.textContent = text;
    }
    return element;
  }

  function render(root, progress) {
    var bar = root.tagName === "PROGRESS" ? root : root.querySelector("progress");
    if (bar) {
      bar.value = progress.percent === null ? 0 : progress.percent;
      bar.textContent = percentText(progress);
    }
    var state = setField(root, "state", progress.state);
    if (state) {
      state.className = "badge badge-job-" + progress.state;
    }
    setField(root, "phase", progress.phase);
    setField(root, "percent", percentText(progress));
    setField(root, "rows", rowsText(progress));
    setField(root, "eta", etaText(progress));
    root.setAttribute("data-state", progress.state);
    var text = root.tagName === "PROGRESS" ? root.parentNode.querySelector("[data-progress-text]") : null;
    if (text) {
      text.textContent = progress.percent === null ? progress.phase : percentText(progress);
    }
    // In the jobs list, the row's state badge follows the bar (its label is the state, capitalised).
    var row = root.tagName === "PROGRESS" ? root.closest("tr") : null;
    var badge = row ? row.querySelector("[data-job-state]") : null;
    if (badge) {
      badge.textContent = progress.state.charAt(0).toUpperCase() + progress.state.slice(1);
      badge.className = "badge badge-job-" + progress.state;
    }
  }

  function poll(root) {
    var url = root.getAttribute("data-progress-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (progress) {
        render(root, progress);
        if (!progress.finished) {
          window.setTimeout(function () { poll(root); }, INTERVAL_MS);
        }
      })
      .catch(function () {
        // A network hiccup or a restarting server: try again, more slowly.
        window.setTimeout(function () { poll(root); }, INTERVAL_MS * 5);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var roots = document.querySelectorAll("[data-progress-url]");
    for (var i = 0; i < roots.length; i += 1) {
      poll(roots[i]);
    }
  });
})();
