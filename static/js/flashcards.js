/* Kafedra flashcards: keys 1-4 press the rating buttons, and focus follows the card.
 *
 * Progressive enhancement only: every step of the study page is a plain form without this
 * file (and without HTMX), and the key hints stay hidden. Keys are ignored while typing in a
 * field, so the answer box can hold digits. When HTMX swaps the card area, focus moves to the
 * new content (the reference answer, or the next question), so keyboard and screen reader
 * users carry on from there instead of from a button that no longer exists.
 */
(function () {
  "use strict";

  function isTyping(target) {
    return Boolean(target && target.closest && target.closest("input, textarea, select, [contenteditable]"));
  }

  function enableKeys(root) {
    root.querySelectorAll("[data-flashcard-keys]").forEach(function (hint) {
      hint.hidden = false;
    });
    root.querySelectorAll("[data-flashcard-rating]").forEach(function (button) {
      button.setAttribute("aria-keyshortcuts", button.dataset.flashcardRating);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) {
      return;
    }
    if (!/^[1-4]$/.test(event.key)) {
      return;
    }
    var button = document.querySelector('[data-flashcard-rating="' + event.key + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "flashcard") {
      return;
    }
    enableKeys(target);
    var focus = target.querySelector("[data-flashcard-focus]");
    if (focus) {
      focus.focus();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enableKeys(document);
    });
  } else {
    enableKeys(document);
  }
})();
