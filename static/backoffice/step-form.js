/*
 * The back-office's "Add a processing step" page: choosing another step in #id_step sends the GET form that
 * holds it, so the page shows that step's arguments without a click on "Choose" (which stays, for pages
 * without scripts). A file, not an inline script: the Content-Security-Policy forbids those.
 */
(function () {
  "use strict";

  var select = document.getElementById("id_step");
  if (!select || !select.form) {
    return;
  }
  select.addEventListener("change", function () {
    if (select.value) {
      select.form.submit();
    }
  });
}());
