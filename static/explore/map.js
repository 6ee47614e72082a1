/*
 * Map tab of the dataset page (templates/explore/tabs/map.html).
 *
 * Reads its configuration from the data-* attributes of #map, fetches the dataset's GeoJSON export from the
 * Explore API with the page view's filters (data-filters: the where/refine of its
 * search and refinements, rendered by the server), and draws points as clustered markers and other
 * geometries as shapes, with a popup listing the record's visible fields. The map starts only once its
 * container is visible (a hidden tab has no size, and Leaflet cannot fit bounds in it).
 * #map carries data-state: idle, loading, ready, empty or error (for people and tests waiting on it).
 */
(function () {
  "use strict";

  var container = document.getElementById("map");
  if (!container || !window.L) {
    return;
  }
  var status = document.getElementById("map-status");
  var config = readConfig(container);
  var map = null;
  var layers = null;

  function readConfig(element) {
    var data = element.dataset;
    var color = /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(data.markerColor || "") ? data.markerColor : "#2a81cb";
    return {
      datasetId: data.datasetId,
      apiBase: data.apiBase || "/api/explore/v2.1",
      geoField: data.geoField,
      tooltipFields: JSON.parse(data.tooltipFields || "[]"),
      tooltipTitle: data.tooltipTitle || "",
      tooltipDisabled: data.tooltipDisabled === "true",
      labels: JSON.parse(data.fieldLabels || "{}"),
      markerColor: color,
      tilesUrl: data.tilesUrl || "",
      tilesAttribution: data.tilesAttribution || "",
      filters: data.filters || "",
      limit: parseInt(data.limit, 10) || 5000,
    };
  }

  function setState(state, message) {
    container.dataset.state = state;
    if (status) {
      status.textContent = message || "";
    }
  }

  var KEYWORDS = ["and", "or", "not", "in", "is", "like", "null", "true", "false", "distinct", "as", "asc", "desc"];

  /* A field name as an ODSQL identifier: back-quoted only when it must be, because the API names a selected
     column as written (a back-quoted field would come back with its back-quotes). */
  function identifier(name) {
    var plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && KEYWORDS.indexOf(name.toLowerCase()) < 0;
    return plain ? name : "`" + name + "`";
  }

  function property(properties, name) {
    return name in properties ? properties[name] : properties[identifier(name)];
  }

  /* The export URL: the geo field first (the export takes its geometry from the first geo column), then the
     popup's fields; the page's own filters are passed on unchanged. */
  function exportUrl() {
    var params = new URLSearchParams();
    var names = [config.geoField].concat(config.tooltipFields);
    if (config.tooltipTitle && names.indexOf(config.tooltipTitle) < 0) {
      names.push(config.tooltipTitle);
    }
    params.set("select", names.map(identifier).join(","));
    new URLSearchParams(config.filters).forEach(function (value, name) {
      params.append(name, value);
    });
    params.set("limit", String(config.limit));
    var path = "/catalog/datasets/" + encodeURIComponent(config.datasetId) + "/exports/geojson";
    return config.apiBase + path + "?" + params.toString();
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
    if (config.tilesUrl) {
      L.tileLayer(config.tilesUrl, { attribution: config.tilesAttribution, maxZoom: 19 }).addTo(map);
    } else {
      container.classList.add("no-tiles");
    }
    map.setView([20, 0], 2);
    var icon = markerIcon();
    layers = {
      icon: icon,
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
    layers.points.addTo(map);
    layers.shapes.addTo(map);
  }

  function draw(collection) {
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
    return drawn;
  }

  function fit() {
    var bounds = L.latLngBounds([]);
    if (layers.points.getLayers().length) {
      bounds.extend(layers.points.getBounds());
    }
    if (layers.shapes.getLayers().length) {
      bounds.extend(layers.shapes.getBounds());
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
    }
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

  function load() {
    setState("loading", "Loading the map…");
    return fetch(exportUrl(), { headers: { Accept: "application/geo+json, application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return errorMessage(response).then(function (message) {
            throw new Error(message);
          });
        }
        return response.json();
      })
      .then(function (collection) {
        var total = (collection.features || []).length;
        var drawn = draw(collection);
        fit();
        if (!drawn) {
          setState("empty", "No record with a location matches.");
          return;
        }
        var text = drawn + (drawn === 1 ? " record drawn" : " records drawn");
        if (total >= config.limit) {
          text += " (the first " + config.limit + " records only)";
        }
        if (total > drawn) {
          text += "; " + (total - drawn) + " without a location";
        }
        setState("ready", text + ".");
      })
      .catch(function (error) {
        setState("error", "The map could not be loaded: " + error.message);
      });
  }

  function start() {
    if (map) {
      map.invalidateSize();
      return;
    }
    createMap();
    load();
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
