/* Kafedra exam sittings: the deadline submit, the submit confirmation and autosave stops (the
 * countdown and autosave errors are timed_work.js).
 *
 * At zero the page submits the sitting form with everything in it (answers, analyses, code);
 * the server accepts that work only if it arrives within a few seconds of the deadline, and
 * closes abandoned sittings itself every minute. Autosave is plain HTMX on each answer and on the practical task's code
 * (editor.js turns the editor's changes into input events); this file only stops it once the
 * whole form is posted, which carries the same work.
 */
(function () {
  "use strict";

  // The countdown (timed_work.js) is at zero: submit the sitting form with everything in it.
  document.addEventListener("kafedra:time-up", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-sitting-form]")) {
      return;
    }
    event.preventDefault();
    form.dataset.deadline = "1";
    var button = form.querySelector("[data-sitting-submit]");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button || undefined);
    } else {
      form.submit();
    }
  });

  // A post of the whole form (Submit, Save, the deadline) carries every answer and the code, so
  // autosaves still waiting for their delay are dropped, those in flight aborted and their
  // answers ignored. One sent after a submit would be refused ("already submitted"): its warning
  // would replace the submit's own message, and its redirect could cut the submit's navigation.
  function stopAutosaves(form) {
    form.dataset.posting = "1";
    if (window.htmx) {
      form.querySelectorAll("[data-autosave]").forEach(function (element) {
        window.htmx.trigger(element, "htmx:abort");
      });
    }
  }

  function isStoppedAutosave(element) {
    var form = element && element.closest ? element.closest("[data-sitting-form]") : null;
    return Boolean(form && form.dataset.posting && element.closest("[data-autosave]"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isStoppedAutosave(event.detail.elt)) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (isStoppedAutosave(event.detail.elt)) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-sitting-form]")) {
      return;
    }
    var submitter = event.submitter;
    var confirming = !form.dataset.deadline && submitter && submitter.hasAttribute("data-sitting-submit");
    if (confirming && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!event.defaultPrevented) {
      stopAutosaves(form);
    }
  });
})();
