/* Kafedra feedback widgets: let htmx show the server's answer to a refused or invalid form.
 *
 * By default htmx drops 4xx responses. The feedback and report forms answer 400 (the form is
 * wrong), 403 (not enrolled) or 409 with the re-rendered fragment carrying the message, so the
 * fragment is swapped in like a success. Everything else is plain htmx attributes. Loaded by
 * every slot that lazy-loads a widget, so it guards against registering twice.
 */
(function () {
  "use strict";

  if (window.kafedraFeedbackLoaded) {
    return;
  }
  window.kafedraFeedbackLoaded = true;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.elt;
    if ((status === 400 || status === 403 || status === 409) && source && source.closest("[data-feedback-form]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
