/*
 * Analyze tab of the dataset page (templates/explore/tabs/analyze.html).
 *
 * The form (#analyze-form: x = group-by field, period = year|month|day|hour for a date x, width = bucket
 * width for a numeric x, agg = count|sum|avg|min|max, y = numeric field, chart = bar|line|pie) asks the
 * Explore API's records endpoint for one aggregate per group (select + group_by) with the page view's filters
 * (data-filters, rendered by the server from its search and refinements), and draws the answer on
 * canvas#chart with Chart.js. A period or a width groups by range() and is drawn in order (up to data-limit
 * groups); a plain grouping draws its data-top largest groups only, with a note saying how many there are
 * (thousands of bars of one record each say nothing). Its state lives in the page URL (history.replaceState on change), so a link reopens the same
 * chart; without a state in the URL the form starts from the dataset's default (data-default).
 * .analyze-chart carries data-state: idle, loading, ready, empty or error.
 */
(function () {
  "use strict";

  var form = document.getElementById("analyze-form");
  var canvas = document.getElementById("chart");
  if (!form || !canvas || !window.Chart) {
    return;
  }
  var box = canvas.parentElement;
  var status = document.getElementById("analyze-status");
  var STATE_PARAMS = ["x", "period", "width", "agg", "y", "chart"];
  // range() widths of each period, and how much of a bucket's ISO start names it ("2024", "2024-03", …).
  var PERIOD_WIDTHS = { year: "1 year", month: "1 month", day: "1 day", hour: "1 hour" };
  var PERIOD_LABELS = { year: 4, month: 7, day: 10, hour: 13 };
  var NUMERIC_TYPES = ["int", "double"];
  var AGGREGATES = ["count", "sum", "avg", "min", "max"];
  var PALETTE = ["#2a81cb", "#e4572e", "#29335c", "#f3a712", "#669bbc", "#a8c686", "#8e5572", "#3d5a40"];
  var chart = null;
  var pending = null;
  var started = false;

  function setState(state, message) {
    box.dataset.state = state;
    if (status) {
      status.textContent = message || "";
    }
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
  }

  function validWidth(text) {
    var width = Number(text);
    return text !== "" && isFinite(width) && width > 0;
  }

  function accepts(control, value) {
    if (control.tagName === "SELECT") {
      return hasOption(control, value);
    }
    return value === "" || validWidth(value);
  }

  /* Fill the form from a query string, ignoring values the form does not offer. */
  function applyState(query) {
    var params = new URLSearchParams(query);
    STATE_PARAMS.forEach(function (name) {
      var value = params.get(name);
      var control = form.elements[name];
      if (control && (value !== null || name === "period" || name === "width")) {
        // A state without a period or a width groups by each value.
        value = value === null ? "" : value;
        if (accepts(control, value)) {
          control.value = value;
        }
      }
      if (name === "x") {
        syncGrouping();
      }
    });
    syncFieldPicker();
  }

  function groupOption() {
    var x = form.elements.x;
    return x.options[x.selectedIndex] || null;
  }

  /* The period picker for a date field (with the periods its type has), the width for a numeric field. */
  function syncGrouping() {
    var option = groupOption();
    var periods = option && option.dataset.periods ? option.dataset.periods.split(" ") : [];
    var numeric = !!option && NUMERIC_TYPES.indexOf(option.dataset.type) >= 0;
    var period = form.elements.period;
    Array.prototype.forEach.call(period.options, function (choice) {
      var offered = choice.value === "" || periods.indexOf(choice.value) >= 0;
      choice.hidden = !offered;
      choice.disabled = !offered;
    });
    if (!periods.length || periods.indexOf(period.value) < 0) {
      period.value = "";
    }
    period.disabled = !periods.length;
    period.parentElement.hidden = !periods.length;
    form.elements.width.disabled = !numeric;
    form.elements.width.parentElement.hidden = !numeric;
  }

  function stateInUrl() {
    var params = new URLSearchParams(window.location.search);
    return STATE_PARAMS.some(function (name) {
      return params.has(name);
    });
  }

  /* The numeric field only matters for sum/avg/min/max. */
  function syncFieldPicker() {
    var y = form.elements.y;
    var needsField = form.elements.agg.value !== "count";
    y.disabled = !needsField;
    if (needsField && !y.value && y.options.length > 1) {
      y.value = y.options[1].value;
    }
  }

  function formState() {
    var agg = form.elements.agg.value;
    var period = form.elements.period;
    var width = form.elements.width;
    return {
      x: form.elements.x.value,
      period: period.disabled ? "" : period.value,
      width: !width.disabled && validWidth(width.value.trim()) ? width.value.trim() : "",
      agg: AGGREGATES.indexOf(agg) >= 0 ? agg : "count",
      y: agg === "count" ? "" : form.elements.y.value,
      chart: form.elements.chart.value,
    };
  }

  function writeUrl(state) {
    var params = new URLSearchParams(window.location.search);
    // The state after the view's own parameters, always in one order: one chart, one URL.
    STATE_PARAMS.forEach(function (name) {
      params.delete(name);
    });
    STATE_PARAMS.forEach(function (name) {
      if (state[name]) {
        params.set(name, state[name]);
      }
    });
    var url = window.location.pathname + "?" + params.toString() + window.location.hash;
    window.history.replaceState(window.history.state, "", url);
  }

  function quoted(name) {
    return "`" + name + "`";
  }

  /* The group_by expression: the field, or its date histogram, or its equal-width ranges. */
  function groupExpression(state) {
    if (state.period) {
      return "range(" + quoted(state.x) + ", " + PERIOD_WIDTHS[state.period] + ")";
    }
    if (state.width) {
      return "range(" + quoted(state.x) + ", " + state.width + ")";
    }
    return quoted(state.x);
  }

  /* Periods and ranges are drawn in their order, all of them; plain groups only their largest. */
  function ordered(state) {
    return !!(state.period || state.width);
  }

  function recordsUrl(state) {
    var value = state.agg === "count" ? "count(*)" : state.agg + "(" + quoted(state.y) + ")";
    var group = groupExpression(state);
    var params = new URLSearchParams();
    // Named columns: the answer's keys do not depend on how the field is written.
    params.set("select", group + " as label, " + value + " as value");
    params.set("group_by", group);
    // A line and a histogram follow the group order (dates, numbers); bars and slices come largest first.
    params.set("order_by", ordered(state) || state.chart === "line" ? "label" : "value desc");
    new URLSearchParams(form.dataset.filters || "").forEach(function (filter, name) {
      params.append(name, filter);
    });
    params.set("limit", ordered(state) ? form.dataset.limit || "20000" : form.dataset.top || "50");
    var path = "/catalog/datasets/" + encodeURIComponent(form.dataset.datasetId) + "/records";
    return (form.dataset.apiBase || "/api/explore/v2.1") + path + "?" + params.toString();
  }

  function optionText(select) {
    var option = select.options[select.selectedIndex];
    return option ? option.textContent.trim() : "";
  }

  function seriesLabel(state) {
    if (state.agg === "count") {
      return "Count of records";
    }
    return optionText(form.elements.agg) + " " + optionText(form.elements.y);
  }

  function labelText(value, period) {
    if (value === null || value === undefined || value === "") {
      return "(empty)";
    }
    if (period && typeof value === "string") {
      // A bucket's start, "2024-03-01T00:00:00+00:00", named by its period: "2024-03", "2024-03-01 13h".
      var name = value.slice(0, PERIOD_LABELS[period]).replace("T", " ");
      return period === "hour" ? name + "h" : name;
    }
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  function groupTitle(state) {
    var title = optionText(form.elements.x);
    if (state.period) {
      return title + " (by " + state.period + ")";
    }
    return state.width ? title + " (ranges of " + state.width + ")" : title;
  }

  function render(state, results) {
    var labels = results.map(function (row) {
      return labelText(row.label, state.period);
    });
    var values = results.map(function (row) {
      return row.value;
    });
    var pie = state.chart === "pie";
    var colors = pie
      ? labels.map(function (label, index) {
          return PALETTE[index % PALETTE.length];
        })
      : PALETTE[0];
    if (chart) {
      chart.destroy();
    }
    chart = new window.Chart(canvas, {
      type: state.chart,
      data: {
        labels: labels,
        datasets: [{ label: seriesLabel(state), data: values, backgroundColor: colors, borderColor: pie ? "#fff" : PALETTE[0] }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: pie } },
      },
    });
  }

  /* The same numbers as a table (text for screen readers, copy and paste, and tests). */
  function fillTable(state, results) {
    var table = document.getElementById("analyze-table");
    if (!table) {
      return;
    }
    document.getElementById("analyze-table-group").textContent = groupTitle(state);
    document.getElementById("analyze-table-value").textContent = seriesLabel(state);
    var body = table.tBodies[0];
    body.replaceChildren();
    results.forEach(function (row) {
      var line = body.insertRow();
      line.insertCell().textContent = labelText(row.label, state.period);
      line.insertCell().textContent = row.value === null || row.value === undefined ? "" : String(row.value);
    });
  }

  function errorMessage(response) {
    return response
      .json()
      .then(function (body) {
        return body.message || body.error_code || response.statusText;
      })
      .catch(function () {
        return response.statusText || "HTTP " + response.status;
      });
  }

  function cappedNote(state, shown, total) {
    var of = shown + " groups of " + total.toLocaleString("en") + ".";
    if (ordered(state)) {
      return "The first " + of + " Choose a longer period or wider ranges to see them all.";
    }
    if (state.chart === "line") {
      return "The first " + of;
    }
    return "The " + shown + " largest groups of " + total.toLocaleString("en") + ".";
  }

  function draw() {
    var state = formState();
    writeUrl(state);
    if (!state.x || (state.agg !== "count" && !state.y)) {
      setState("error", "Choose a field to group by and, for this aggregate, a numeric field.");
      return;
    }
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    setState("loading", "Computing…");
    fetch(recordsUrl(state), { headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal })
      .then(function (response) {
        if (!response.ok) {
          return errorMessage(response).then(function (message) {
            throw new Error(message);
          });
        }
        return response.json();
      })
      .then(function (body) {
        var results = body.results || [];
        render(state, results);
        fillTable(state, results);
        var total = typeof body.total_count === "number" ? body.total_count : results.length;
        box.dataset.groups = String(results.length);
        if (!results.length) {
          setState("empty", "No record matches.");
        } else if (total > results.length) {
          setState("ready", cappedNote(state, results.length, total));
        } else {
          setState("ready", results.length + (results.length === 1 ? " group." : " groups."));
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          setState("error", "The analysis failed: " + error.message);
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    draw();
  });
  form.addEventListener("change", function (event) {
    if (event.target === form.elements.agg) {
      syncFieldPicker();
    }
    if (event.target === form.elements.x) {
      syncGrouping();
      // A date field is drawn by period: each of thousands of dates as its own bar says nothing.
      var periods = form.elements.period;
      if (!periods.disabled && !periods.value) {
        periods.value = "year";
      }
    }
    if (started) {
      draw();
    }
  });
  window.addEventListener("popstate", function () {
    applyState(window.location.search);
    if (started) {
      draw();
    }
  });

  applyState(stateInUrl() ? window.location.search : form.dataset.default || "");

  // Query the API only once the tab is shown (a hidden tab has no size); Chart.js follows resizes itself.
  function startWhenVisible() {
    if (!started && box.offsetWidth > 0) {
      started = true;
      draw();
    }
  }
  if (window.ResizeObserver) {
    new ResizeObserver(startWhenVisible).observe(box);
  } else {
    startWhenVisible();
  }
})();
