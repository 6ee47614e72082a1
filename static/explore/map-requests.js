/*
 * The Explore API requests of the dataset page's map (static/explore/map.js, loaded after this file): URLs built
 * from the map's configuration, always with the page view's filters, and JSON fetched with the API's error
 * message kept. ``window.exploreMapRequests(config)`` answers the functions map.js uses.
 */
(function () {
  "use strict";

  var CLUSTER_RADIUS = 60; // pixels: the side of a server cluster's cell
  var CLUSTER_LIMIT = 20000; // the most groups a grouped records request answers

  window.exploreMapRequests = function (config) {
    var KEYWORDS = ["and", "or", "not", "in", "is", "like", "null", "true", "false", "distinct", "as", "asc", "desc"];

    /* A field name as an ODSQL identifier: back-quoted only when it must be, because the API names a selected
       column as written (a back-quoted field would come back with its back-quotes). */
    function identifier(name) {
      var plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && KEYWORDS.indexOf(name.toLowerCase()) < 0;
      return plain ? name : "`" + name + "`";
    }

    /* A record's value in a feature's properties, named as selected. */
    function property(properties, name) {
      return name in properties ? properties[name] : properties[identifier(name)];
    }

    /* An Explore API URL of this dataset: ``params`` then the page's own filters, passed on unchanged (a second
       ``where`` is ANDed with the first by the API). */
    function apiUrl(path, params) {
      new URLSearchParams(config.filters).forEach(function (value, name) {
        params.append(name, value);
      });
      var base = config.apiBase + "/catalog/datasets/" + encodeURIComponent(config.datasetId) + "/";
      return base + path + "?" + params.toString();
    }

    /* The GeoJSON export: the geo field first (the export takes its geometry from the first geo column), then
       the popup's fields; ``where`` (the visible box) and ``limit`` when given. */
    function exportUrl(where, limit) {
      var params = new URLSearchParams();
      var names = [config.geoField].concat(config.tooltipFields);
      if (config.tooltipTitle && names.indexOf(config.tooltipTitle) < 0) {
        names.push(config.tooltipTitle);
      }
      params.set("select", names.map(identifier).join(","));
      if (where) {
        params.append("where", where);
      }
      params.set("limit", String(limit));
      return apiUrl("exports/geojson", params);
    }

    /* One row: how many records the filters keep, how many have a location, and the box around those. */
    function summaryUrl() {
      var geo = identifier(config.geoField);
      var params = new URLSearchParams();
      params.set("select", "count(*) as total, count(" + geo + ") as located, bbox(" + geo + ") as extent");
      return apiUrl("records", params);
    }

    /* The located records inside ``where`` (the visible box), grouped into cells of CLUSTER_RADIUS pixels at
       ``zoom``: each group is {lon, lat, count}, the centroid of its records and their number. */
    function clustersUrl(where, zoom) {
      var params = new URLSearchParams();
      var key = "geo_cluster(" + identifier(config.geoField) + ", " + zoom + ", radius=" + CLUSTER_RADIUS + ")";
      params.set("group_by", key + " as cluster");
      params.append("where", where);
      params.set("limit", String(CLUSTER_LIMIT));
      return apiUrl("records", params);
    }

    /* The map's visible box as an in_bbox() filter. The API takes longitudes within [-180, 180] and no box
       across the antimeridian: a view wider than the world is the whole world, others are clipped to it. */
    function boxWhere(bounds) {
      var south = Math.max(-90, bounds.getSouth());
      var north = Math.min(90, bounds.getNorth());
      var west = bounds.getWest();
      var east = bounds.getEast();
      if (east - west >= 360) {
        west = -180;
        east = 180;
      }
      west = Math.max(-180, Math.min(180, west));
      east = Math.max(-180, Math.min(180, east));
      var corners = [south, west, north, east].map(function (value) {
        return value.toFixed(6);
      });
      return "in_bbox(" + identifier(config.geoField) + ", " + corners.join(", ") + ")";
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

    function getJson(url, signal, accept) {
      var options = { headers: { Accept: accept || "application/json" }, credentials: "same-origin", signal: signal };
      return fetch(url, options).then(function (response) {
        if (!response.ok) {
          return errorMessage(response).then(function (message) {
            throw new Error(message);
          });
        }
        return response.json();
      });
    }

    function getGeoJson(url, signal) {
      return getJson(url, signal, "application/geo+json, application/json");
    }

    return {
      identifier: identifier,
      property: property,
      exportUrl: exportUrl,
      summaryUrl: summaryUrl,
      clustersUrl: clustersUrl,
      boxWhere: boxWhere,
      getJson: getJson,
      getGeoJson: getGeoJson,
    };
  };
})();
