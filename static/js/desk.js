/* Grading desk keyboard (after Canvas SpeedGrader): j / k move to the next / previous item,
   digits type points into the current criterion, Ctrl+Enter (or Cmd+Enter) saves the grade.
   Keys are ignored while typing in a text field, except Ctrl+Enter. No inline handlers. */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "checkbox" && target.type !== "radio") || target.isContentEditable;
  }

  function queueLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-desk-queue] [data-desk-link]"));
  }

  function moveInQueue(step) {
    var links = queueLinks();
    if (!links.length) { return false; }
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? 0 : Math.min(Math.max(index + step, 0), links.length - 1);
    links[next].focus();
    return true;
  }

  function follow(selector) {
    var link = document.querySelector(selector);
    if (link) { window.location.assign(link.href); return true; }
    return false;
  }

  function currentPointsField() {
    var fields = Array.prototype.slice.call(document.querySelectorAll("[data-desk-points]"));
    if (!fields.length) { return null; }
    if (fields.indexOf(document.activeElement) !== -1) { return document.activeElement; }
    for (var i = 0; i < fields.length; i += 1) {
      if (!fields[i].value) { return fields[i]; }
    }
    return fields[0];
  }

  document.addEventListener("keydown", function (event) {
    var form = document.querySelector("[data-desk-grade-form]");
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && form) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var typingPoints = document.activeElement && document.activeElement.hasAttribute("data-desk-points");
    if (isTyping(event.target) && !typingPoints) { return; }
    if (!typingPoints && (event.key === "j" || event.key === "k")) {
      var step = event.key === "j" ? 1 : -1;
      if (moveInQueue(step) || follow(step === 1 ? "[data-desk-next]" : "[data-desk-prev]")) {
        event.preventDefault();
      }
      return;
    }
    if (!typingPoints && /^[0-9]$/.test(event.key)) {
      var field = currentPointsField();
      if (field) {
        event.preventDefault();
        field.focus();
        field.value = event.key;
        field.select();
      }
    }
  });

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field || !field.hasAttribute || !field.hasAttribute("data-desk-points")) { return; }
    var max = parseFloat(field.getAttribute("data-max"));
    var value = parseFloat(String(field.value).replace(",", "."));
    var outOfRange = !isNaN(value) && !isNaN(max) && (value < 0 || value > max);
    field.setCustomValidity(outOfRange ? "0 – " + max : "");
  });
})();
