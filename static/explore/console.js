"use strict";
/*
 * The Explore API console: Swagger UI (drf-spectacular-sidecar's bundle, served from this site) on the API's
 * OpenAPI description. A static file rather than an inline script, for the Content-Security-Policy.
 *
 * ?dataset=<id> (the catalog's API tab links with it): the description is read first and the `dataset_id`
 * path parameter gets that dataset as its example, which Swagger UI puts in the field on "Try it out"; the
 * records operation is opened (Swagger UI's deep link #/Dataset/getRecords).
 */
(function () {
  const root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  const dataset = new URLSearchParams(window.location.search).get("dataset");
  const RECORDS_OPERATION = "#/Dataset/getRecords";

  function withDataset(description) {
    const parameter = description.components.parameters.dataset_id;
    parameter.example = dataset;
    return description;
  }

  function start(description) {
    root.textContent = "";
    if (dataset && !window.location.hash) {
      window.history.replaceState(null, "", RECORDS_OPERATION);
    }
    SwaggerUIBundle({
      spec: description,
      domNode: root,
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: Boolean(dataset),
    });
  }

  function failed(error) {
    root.textContent = "The API description could not be loaded (" + error.message + ").";
  }

  fetch(root.dataset.openapiUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (description) {
      start(dataset ? withDataset(description) : description);
    })
    .catch(failed);
})();
