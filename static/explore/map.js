/*
 * Map tab of the dataset page (templates/explore/tabs/map.html).
 *
 * Reads its configuration from the data-* attributes of #map and its data from the Explore API, always with the
 * page view's filters (data-filters: the where/refine of its search and refinements, rendered by the server);
 * the requests themselves are built by static/explore/map-requests.js.
 *
 * - Basemap: the tiles of MAP_TILES_URL when the operator set one; otherwise the vendored Natural Earth
 *   countries (static/explore/map-basemap.js) drawn on a sea-coloured background, so the map works offline.
 * - Points: every record counts. A summary request gives the number of records, those with a location and
 *   their extent. Up to EXACT_BELOW located records are fetched once and drawn one by one (clustered in the
 *   browser, with popups). Above that the API clusters them (group_by=geo_cluster(geo, zoom)) inside the
 *   visible box (in_bbox) each time the map stops moving; a view holding few records, or a close zoom, draws
 *   its records one by one instead.
 * - Shapes (a geo_shape field): the GeoJSON export, at most data-limit records, drawn whole.
 *
 * The map starts only once its container is visible (a hidden tab has no size, and Leaflet cannot fit bounds in
 * it). #map carries data-state: idle, loading, ready, empty or error, data-mode (clusters or records) and
 * data-zoom once drawn, and data-basemap (tiles, loading, ready or error), for people and tests waiting on it.
 */
(function () {
  "use strict";

  var container = document.getElementById("map");
  if (!container || !window.L || !window.exploreMapRequests) {
    return;
  }
  var EXACT_BELOW = 500; // a view holding at most this many records draws them one by one
  var EXACT_ZOOM = 17; // from this zoom on, records are drawn one by one whatever their number
  var EXACT_LIMIT = 2000; // the most records drawn one by one from a close zoom (coincident points)
  var SETTLE_MS = 250; // wait for the map to stay still this long before asking the API

  var status = document.getElementById("map-status");
  var config = readConfig(container);
  var api = window.exploreMapRequests(config);
  var identifier = api.identifier;
  var property = api.property;
  var map = null;
  var layers = null;
  var summary = null; // {total, located}: the records of the page's filters, and those with a location
  var pending = null; // the AbortController of the request in flight
  var timer = null;
  var drawnBox = null; // the box whose records are all drawn one by one (moving inside it needs no request)

  function readConfig(element) {
    var data = element.dataset;
    var color = /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(data.markerColor || "") ? data.markerColor : "#2a81cb";
    return {
      datasetId: data.datasetId,
      apiBase: data.apiBase || "/api/explore/v2.1",
      geoField: data.geoField,
      geoType: data.geoType || "geo_point_2d",
      tooltipFields: JSON.parse(data.tooltipFields || "[]"),
      tooltipTitle: data.tooltipTitle || "",
      tooltipDisabled: data.tooltipDisabled === "true",
      labels: JSON.parse(data.fieldLabels || "{}"),
      markerColor: color,
      tilesUrl: data.tilesUrl || "",
      tilesAttribution: data.tilesAttribution || "",
      basemapUrl: data.basemapUrl || "",
      filters: data.filters || "",
      limit: parseInt(data.limit, 10) || 5000,
    };
  }

  function setState(state, message) {
    container.dataset.state = state;
    if (status && message !== undefined) {
      status.textContent = message;
    }
  }

  function plural(count, one, many) {
    return count.toLocaleString("en") + " " + (count === 1 ? one : many);
  }

  function displayValue(value) {
    if (value === null || value === undefined || value === "") {
      return "—";
    }
    if (Array.isArray(value)) {
      return value.map(displayValue).join(", ");
    }
    if (typeof value === "object") {
      return JSON.stringify(value);
    }
    return String(value);
  }

  /* The popup as DOM nodes (never HTML text: record values are untrusted). */
  function popupContent(properties) {
    var box = document.createElement("div");
    box.className = "explore-popup";
    if (config.tooltipTitle) {
      var title = document.createElement("h3");
      title.textContent = displayValue(property(properties, config.tooltipTitle));
      box.appendChild(title);
    }
    var list = document.createElement("dl");
    config.tooltipFields.forEach(function (name) {
      var term = document.createElement("dt");
      term.textContent = config.labels[name] || name;
      var detail = document.createElement("dd");
      detail.textContent = displayValue(property(properties, name));
      list.appendChild(term);
      list.appendChild(detail);
    });
    box.appendChild(list);
    return box;
  }

  function markerIcon() {
    // The colour passed the pattern check above, so it is safe inside the icon's markup.
    return L.divIcon({
      className: "explore-marker",
      html: '<span style="background:' + config.markerColor + '"></span>',
      iconSize: [14, 14],
      iconAnchor: [7, 7],
      popupAnchor: [0, -7],
    });
  }

  function withPopup(layer, feature) {
    if (!config.tooltipDisabled && (config.tooltipFields.length || config.tooltipTitle)) {
      layer.bindPopup(function () {
        return popupContent(feature.properties || {});
      });
    }
    return layer;
  }

  function createMap() {
    // The clusters need a maxZoom on the map itself: without a tile layer nothing else sets one.
    map = L.map(container, { minZoom: 1, maxZoom: 19, worldCopyJump: true });
    map.setView([20, 0], 2);
    if (config.tilesUrl) {
      L.tileLayer(config.tilesUrl, { attribution: config.tilesAttribution, maxZoom: 19 }).addTo(map);
      container.dataset.basemap = "tiles";
    } else {
      container.classList.add("no-tiles"); // the sea, under the countries (if they load)
      if (window.exploreBasemap) {
        window.exploreBasemap(map, container, config.basemapUrl);
      }
    }
    var icon = markerIcon();
    layers = {
      icon: icon,
      clusters: L.layerGroup(),
      points: L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false }),
      shapes: L.geoJSON(null, {
        style: { color: config.markerColor, weight: 2, fillOpacity: 0.25 },
        pointToLayer: function (feature, latlng) {
          return L.marker(latlng, { icon: icon });
        },
        onEachFeature: function (feature, layer) {
          withPopup(layer, feature);
        },
      }),
    };
    layers.clusters.addTo(map);
    layers.points.addTo(map);
    layers.shapes.addTo(map);
  }

  /* Records as single markers (points, clustered in the browser) and shapes; the number with a geometry. */
  function drawFeatures(collection) {
    layers.clusters.clearLayers();
    layers.points.clearLayers();
    layers.shapes.clearLayers();
    var drawn = 0;
    var markers = [];
    (collection.features || []).forEach(function (feature) {
      var geometry = feature.geometry;
      if (!geometry) {
        return; // a record without a location
      }
      drawn += 1;
      if (geometry.type === "Point") {
        var latlng = L.latLng(geometry.coordinates[1], geometry.coordinates[0]);
        markers.push(withPopup(L.marker(latlng, { icon: layers.icon }), feature));
      } else {
        layers.shapes.addData(feature);
      }
    });
    layers.points.addLayers(markers);
    container.dataset.mode = "records";
    return drawn;
  }

  /* One marker per server cluster: a disc sized by its count, labelled with it; activating it zooms in. */
  function clusterMarker(cluster) {
    var label = document.createElement("span");
    label.textContent = String(cluster.count);
    label.style.setProperty("--cluster-color", config.markerColor);
    var size = Math.round(26 + 9 * Math.log10(cluster.count));
    var name = plural(cluster.count, "record", "records") + " here: zoom in";
    var marker = L.marker([cluster.lat, cluster.lon], {
      icon: L.divIcon({ className: "explore-cluster", html: label, iconSize: [size, size] }),
      title: name,
      keyboard: true, // focusable, a button
    });
    function zoomIn() {
      map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
    }
    marker.on("add", function () {
      marker.getElement().setAttribute("aria-label", name); // the count alone would be its name otherwise
    });
    marker.on("click", zoomIn);
    marker.on("keypress", function (event) {
      // Leaflet turns no key into a click on a marker: Enter and Space press the button.
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") {
        event.originalEvent.preventDefault();
        zoomIn();
      }
    });
    return marker;
  }

  function drawClusters(clusters) {
    layers.points.clearLayers();
    layers.shapes.clearLayers();
    layers.clusters.clearLayers();
    clusters.forEach(function (cluster) {
      layers.clusters.addLayer(clusterMarker(cluster));
    });
    container.dataset.mode = "clusters";
  }

  /* The status line: what is shown of the records the filters keep. */
  function report(shown, how) {
    var text = plural(shown, "record", "records") + " " + how;
    if (shown < summary.located) {
      text += " of " + summary.located.toLocaleString("en") + " with a location (move or zoom out for the others)";
    }
    var missing = summary.total - summary.located;
    if (missing > 0) {
      text += "; " + plural(missing, "record has", "records have") + " no location";
    }
    container.dataset.zoom = String(map.getZoom());
    setState("ready", text + ".");
  }

  /* The visible records one by one (``where``: the box), at most ``limit``; ``inView`` counted by the API. */
  function showRecords(where, limit, inView, signal, bounds) {
    return api.getGeoJson(api.exportUrl(where, limit), signal).then(function (collection) {
      if (signal && signal.aborted) {
        return;
      }
      var drawn = drawFeatures(collection);
      drawnBox = drawn >= inView ? bounds : null;
      report(drawn, drawn < inView ? "drawn (the first " + drawn + " of " + inView + " in view)" : "drawn");
    });
  }

  /* Ask the API for what the map now shows: clusters of the visible box, or its records when they are few. */
  function refresh() {
    if (pending) {
      pending.abort();
    }
    var bounds = map.getBounds();
    if (drawnBox && drawnBox.contains(bounds)) {
      container.dataset.zoom = String(map.getZoom());
      setState("ready"); // every record of this smaller view is drawn already
      return Promise.resolve();
    }
    var controller = new AbortController();
    pending = controller;
    var zoom = Math.max(0, Math.min(25, Math.round(map.getZoom())));
    var where = api.boxWhere(bounds);
    setState("loading");
    return api.getJson(api.clustersUrl(where, zoom), controller.signal)
      .then(function (body) {
        if (controller.signal.aborted) {
          return;
        }
        var clusters = (body.results || []).map(function (row) {
          return row.cluster;
        });
        clusters = clusters.filter(Boolean);
        var inView = clusters.reduce(function (sum, cluster) {
          return sum + cluster.count;
        }, 0);
        if (inView > 0 && (inView <= EXACT_BELOW || zoom >= EXACT_ZOOM)) {
          return showRecords(where, Math.min(inView, EXACT_LIMIT), inView, controller.signal, bounds);
        }
        drawnBox = null;
        drawClusters(clusters);
        report(inView, inView ? "in " + plural(clusters.length, "cluster", "clusters") : "in view");
      })
      .catch(failed);
  }

  function failed(error) {
    if (error && error.name === "AbortError") {
      return; // a newer request replaced this one
    }
    setState("error", "The map could not be loaded: " + error.message);
  }

  // Every move ends in moveend; ask once the map has stayed still for SETTLE_MS.
  function scheduleRefresh() {
    clearTimeout(timer);
    container.dataset.state = "loading";
    timer = setTimeout(refresh, SETTLE_MS);
  }

  /* The bounds of the extent the summary answers (a geometry, or a feature holding one). */
  function extentBounds(extent) {
    var geometry = extent && extent.geometry ? extent.geometry : extent;
    var bounds = L.latLngBounds([]);
    (function visit(coordinates) {
      if (typeof coordinates[0] === "number") {
        bounds.extend([coordinates[1], coordinates[0]]);
      } else {
        coordinates.forEach(visit);
      }
    })((geometry && geometry.coordinates) || []);
    return bounds;
  }

  function fitTo(bounds) {
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16, animate: false });
    }
  }

  function layerBounds() {
    var bounds = L.latLngBounds([]);
    if (layers.points.getLayers().length) {
      bounds.extend(layers.points.getBounds());
    }
    if (layers.shapes.getLayers().length) {
      bounds.extend(layers.shapes.getBounds());
    }
    return bounds;
  }

  /* Few located records: fetch them all once and let the browser cluster them, as the map follows. */
  function showAllRecords() {
    var located = identifier(config.geoField) + " is not null";
    return api.getGeoJson(api.exportUrl(located, EXACT_BELOW)).then(function (collection) {
      var drawn = drawFeatures(collection);
      fitTo(layerBounds());
      report(drawn, "drawn");
    });
  }

  /* Points: the summary decides between all records at once and server clusters that follow the map. */
  function loadPoints() {
    return api.getJson(api.summaryUrl()).then(function (body) {
      var row = (body.results || [])[0] || {};
      summary = { total: row.total || 0, located: row.located || 0 };
      if (!summary.located) {
        container.dataset.zoom = String(map.getZoom());
        var none = summary.total ? "No record that matches has a location." : "No record with a location matches.";
        setState("empty", none);
        return;
      }
      if (summary.located <= EXACT_BELOW) {
        return showAllRecords();
      }
      fitTo(extentBounds(row.extent));
      map.on("moveend", scheduleRefresh);
      return refresh();
    });
  }

  /* Shapes: the GeoJSON export, at most data-limit records, drawn whole. */
  function loadShapes() {
    return api.getGeoJson(api.exportUrl(null, config.limit)).then(function (collection) {
      var total = (collection.features || []).length;
      var drawn = drawFeatures(collection);
      fitTo(layerBounds());
      if (!drawn) {
        setState("empty", "No record with a location matches.");
        return;
      }
      var text = plural(drawn, "record", "records") + " drawn";
      if (total >= config.limit) {
        text += " (the first " + config.limit + " records only)";
      }
      if (total > drawn) {
        text += "; " + (total - drawn) + " without a location";
      }
      setState("ready", text + ".");
    });
  }

  function start() {
    if (map) {
      map.invalidateSize();
      return;
    }
    createMap();
    setState("loading", "Loading the map…");
    var load = config.geoType === "geo_shape" ? loadShapes : loadPoints;
    load().catch(failed);
  }

  // Start when the container first has a size (its tab shown); keep Leaflet's size in step afterwards.
  function visible() {
    return container.offsetWidth > 0 && container.offsetHeight > 0;
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      if (visible()) {
        start();
      }
    }).observe(container);
  } else if (visible()) {
    start();
  }
})();
