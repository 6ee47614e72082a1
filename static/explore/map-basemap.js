/*
 * The offline basemap of the dataset page's map (static/explore/map.js, loaded after this file): the Natural
 * Earth countries vendored in static/vendor/world-atlas (TopoJSON, read by topojson-client), drawn under the
 * data in a pane of their own. Used when the operator set no MAP_TILES_URL.
 *
 * ``window.exploreBasemap(map, container, url)`` draws them; #map's data-basemap says loading, ready or error.
 */
(function () {
  "use strict";

  var STYLE = { color: "#7f98a8", weight: 0.7, fillColor: "#f6f4ee", fillOpacity: 1 };

  /* Natural Earth rings cross the antimeridian as on a sphere, by a jump from 180° to -180°; on Leaflet's plane
     that jump is a line across the world (Russia, Fiji). Each point is moved by 360° to stay within 180° of
     the one before, and a ring that then goes round the globe (Antarctica's coast) is closed through its pole. */
  function unwrap(ring) {
    var offset = 0;
    var out = [];
    ring.forEach(function (point, index) {
      if (index) {
        var step = point[0] + offset - out[index - 1][0];
        offset += step > 180 ? -360 : step < -180 ? 360 : 0;
      }
      out.push([point[0] + offset, point[1]]);
    });
    var first = out[0];
    var last = out[out.length - 1];
    if (Math.abs(last[0] - first[0]) >= 180) {
      var pole = first[1] < 0 ? -90 : 90;
      out.push([last[0], pole], [first[0], pole]);
    }
    return out;
  }

  /* A ring lying along a pole (how a sphere closes Antarctica) has no area on the plane: left out. */
  function polarLine(ring) {
    return ring.every(function (point) {
      return Math.abs(point[1]) > 89.9;
    });
  }

  function planarPolygon(rings) {
    return rings
      .filter(function (ring) {
        return !polarLine(ring);
      })
      .map(unwrap);
  }

  function planar(feature) {
    var geometry = feature.geometry;
    if (geometry && geometry.type === "Polygon") {
      geometry.coordinates = planarPolygon(geometry.coordinates);
    } else if (geometry && geometry.type === "MultiPolygon") {
      geometry.coordinates = geometry.coordinates.map(planarPolygon).filter(function (polygon) {
        return polygon.length;
      });
    }
    return feature;
  }

  window.exploreBasemap = function (map, container, url) {
    if (!url || !window.topojson) {
      return;
    }
    container.dataset.basemap = "loading";
    map.createPane("basemap"); // .leaflet-basemap-pane: stacked under the overlays in viz.css
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (topology) {
        var countries = topojson.feature(topology, topology.objects.countries);
        countries.features.forEach(planar);
        L.geoJSON(countries, { pane: "basemap", interactive: false, attribution: "Natural Earth", style: STYLE }).addTo(
          map
        );
        container.dataset.basemap = "ready";
      })
      .catch(function () {
        container.dataset.basemap = "error"; // the data still shows, over the plain background
      });
  };
})();
