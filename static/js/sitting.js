/* Kafedra exam sittings: the countdown, the submit confirmation, autosave errors and stops.
 *
 * The server gives the seconds left (never the client's clock). At zero the page submits the
 * sitting form with everything in it (answers, analyses, code); the server accepts that work
 * only if it arrives within a few seconds of the deadline, and closes abandoned sittings
 * itself every minute. Autosave is plain HTMX on each answer and on the practical task's code
 * (editor.js turns the editor's changes into input events); this file only stops it once the
 * whole form is posted, which carries the same work.
 */
(function () {
  "use strict";

  function format(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var mm = String(minutes).padStart(2, "0");
    var ss = String(secs).padStart(2, "0");
    return hours ? hours + ":" + mm + ":" + ss : mm + ":" + ss;
  }

  function submitAtDeadline(form) {
    form.dataset.deadline = "1";
    var button = form.querySelector("[data-sitting-submit]");
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button || undefined);
    } else {
      form.submit();
    }
  }

  function startCountdown(element) {
    var display = element.querySelector("[data-countdown-display]");
    var announce = element.querySelector("[data-countdown-announce]");
    var form = document.getElementById(element.dataset.submitForm);
    var endsAt = Date.now() + Number(element.dataset.secondsLeft) * 1000;
    var warnings = [300, 60];
    var done = false;
    var timer = null;

    function say(text) {
      if (announce && text) {
        announce.textContent = text;
      }
    }

    function tick() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      display.textContent = format(left);
      element.classList.toggle("countdown-low", left <= 60);
      while (warnings.length && left <= warnings[0]) {
        var mark = warnings.shift();
        if (left > mark - 5) {
          say(element.getAttribute("data-warn-" + mark));
        }
      }
      if (left === 0 && !done) {
        done = true;
        window.clearInterval(timer);
        say(element.dataset.timeUp);
        if (form) {
          submitAtDeadline(form);
        }
      }
    }

    timer = window.setInterval(tick, 1000);
    tick();
  }

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

  // Autosave answers 400/403/409 with a message fragment for the answer's status line:
  // let HTMX swap it in instead of dropping it (a 409 after the deadline carries HX-Redirect).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.elt;
    if ((status === 400 || status === 403 || status === 409) && source && source.closest("[data-autosave]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(startCountdown);
  });
})();
