/*
 * The dataset page follows its dataset live: the panel #dataset-live polls its data-state-url (the staff-only
 * JSON of /admin/datasets/dataset/<id>/state/) every second while a job is queued or running, every ten
 * seconds otherwise, and updates the status and published badges, the latest job's progress bar, the recent
 * jobs' badges, the banner of edits waiting for a publish and the link to the public page.
 * A file, not an inline script: the Content-Security-Policy forbids those. Text is set with textContent only.
 */
(function () {
  "use strict";

  var BUSY_MS = 1000;
  var IDLE_MS = 10000;
  var RETRY_MS = 5000;

  function byId(id) {
    return document.getElementById(id);
  }

  function setHidden(element, hidden) {
    if (element) {
      element.hidden = hidden;
    }
  }

  function setText(element, text) {
    if (element && element.textContent !== text) {
      element.textContent = text;
    }
  }

  function field(root, name) {
    return root ? root.querySelector('[data-field="' + name + '"]') : null;
  }

  function capitalised(text) {
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function renderBadges(state) {
    var status = byId("dataset-status");
    if (status) {
      setText(status, "Status: " + state.status_display);
      status.className = "badge badge-status-" + state.status;
    }
    var published = byId("dataset-published");
    if (published) {
      var kind = !state.is_published ? "no" : state.shows_pending ? "pending" : "yes";
      var text = { no: "Not published", pending: "Published · changes pending", yes: "Published" }[kind];
      setText(published, text);
      published.className = "badge badge-published-" + kind;
    }
    var error = byId("dataset-status-error");
    setText(error, state.status_error || "");
    setHidden(error, !state.status_error);
  }

  function renderPublished(state) {
    var facts = byId("dataset-published-facts");
    setHidden(facts, !state.is_published);
    var when = field(facts, "published_at");
    if (when && state.published_at_display) {
      setText(when, state.published_at_display);
    }
    setText(field(facts, "record_count"), state.record_count === null ? "" : String(state.record_count));
    setHidden(field(facts, "record_count_text"), state.record_count === null);
    var link = byId("dataset-public-link");
    if (link) {
      if (state.public_url) {
        link.setAttribute("href", state.public_url);
      }
      setHidden(link, !state.public_url);
    }
  }

  function pendingItem(group) {
    var item = document.createElement("li");
    item.textContent = group.names.length ? group.label + ": " + group.names.join(", ") : group.label;
    return item;
  }

  function renderPending(state) {
    var banner = byId("pending-changes");
    var list = byId("pending-changes-list");
    setHidden(banner, !state.shows_pending);
    if (!list || !state.shows_pending) {
      return;
    }
    var items = state.pending_changes.length ? state.pending_changes : [{ label: "The configuration", names: [] }];
    var texts = items.map(function (group) { return pendingItem(group).textContent; });
    var current = Array.prototype.map.call(list.children, function (item) { return item.textContent; });
    if (texts.join("\n") !== current.join("\n")) {
      list.replaceChildren.apply(list, items.map(pendingItem));
    }
  }

  function renderLatestJob(job) {
    var box = byId("dataset-job");
    setHidden(box, !job);
    if (!job) {
      return;
    }
    var link = field(box, "job_link");
    if (link) {
      link.setAttribute("href", job.url);
      setText(link, job.job_uid);
    }
    setText(field(box, "job_function"), job.function);
    var phase = job.finished || job.phase === job.state ? job.state_display : job.state_display + ", " + job.phase;
    setText(field(box, "job_phase"), job.percent === null ? phase : phase + " (" + job.percent + " %)");
    var bar = byId("dataset-job-progress");
    if (bar) {
      bar.value = job.percent === null ? (job.state === "done" ? 100 : 0) : job.percent;
      setText(bar, job.percent === null ? job.state_display : job.percent + " %");
    }
  }

  function jobItem(job) {
    var item = document.createElement("li");
    item.setAttribute("data-job-id", String(job.id));
    var link = document.createElement("a");
    link.setAttribute("href", job.url);
    link.textContent = job.job_uid;
    var badge = document.createElement("span");
    item.append(link, " " + job.function + " ", badge, " " + job.created_at);
    return item;
  }

  function renderJobs(jobs) {
    var list = byId("dataset-recent-jobs");
    if (!list) {
      return;
    }
    setHidden(byId("dataset-recent-jobs-heading"), !jobs.length);
    jobs.slice().reverse().forEach(function (job) {
      var item = list.querySelector('[data-job-id="' + job.id + '"]');
      if (!item) {
        item = jobItem(job);
        list.insertBefore(item, list.firstChild);
      }
      var badge = item.querySelector(".badge") || item.querySelector("span");
      setText(badge, capitalised(job.state_display));
      badge.className = "badge badge-job-" + job.state;
    });
  }

  // The sections marked data-live-section (the record errors of the last publish) are rendered by the
  // server: when a job ends, the page is fetched again and only those sections are swapped in.
  var lastJob = null;
  var polled = false;

  function refreshSections() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-section]").forEach(function (section) {
          var replacement = fresh.getElementById(section.id);
          if (replacement) {
            section.replaceWith(document.importNode(replacement, true));
          }
        });
      })
      .catch(function () {
        // The sections stay as they were; the next job's end tries again.
      });
  }

  function noticeJobEnd(job) {
    // A job that ended since the last poll: one seen running, or one that came and went in between.
    var ended = polled && job && job.finished && (!lastJob || lastJob.job_uid !== job.job_uid || !lastJob.finished);
    lastJob = job;
    polled = true;
    if (ended) {
      refreshSections();
    }
  }

  function render(state) {
    noticeJobEnd(state.job);
    renderBadges(state);
    renderPublished(state);
    renderPending(state);
    renderLatestJob(state.job);
    renderJobs(state.jobs);
  }

  function poll(root) {
    fetch(root.getAttribute("data-state-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        render(state);
        window.setTimeout(function () { poll(root); }, state.active ? BUSY_MS : IDLE_MS);
      })
      .catch(function () {
        // A network hiccup or a restarting server: try again, more slowly.
        window.setTimeout(function () { poll(root); }, RETRY_MS);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = byId("dataset-live");
    if (root && root.getAttribute("data-state-url")) {
      poll(root);
    }
  });
})();
