/* Kafedra timed work (quiz attempts, exam sittings): the countdown and autosave errors.
 *
 * The server gives the seconds left (never the client's clock). At zero the countdown fires a
 * cancelable "kafedra:time-up" event on the form named by data-submit-form and, unless a page
 * script handles it (sitting.js submits the whole sitting form its own way), submits that form.
 * The server enforces the deadline on every write anyway; this only spares the student a
 * refused answer. Autosave itself is plain HTMX on each answer.
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

  function timeUp(form) {
    var event = new CustomEvent("kafedra:time-up", { bubbles: true, cancelable: true });
    if (form.dispatchEvent(event)) {
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
          timeUp(form);
        }
      }
    }

    timer = window.setInterval(tick, 1000);
    tick();
  }

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
