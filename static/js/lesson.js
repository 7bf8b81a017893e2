/* Lesson pages: progressive enhancement only. Without this script every code block is still
   there to select, and a walkthrough is a plain ordered list of its steps.

   - a "Copy" button on every code block;
   - code walkthroughs (section.walkthrough) become a one-step-at-a-time player with
     Previous / Next buttons (and ← → keys while focus is inside), a "Step n of m" status and
     a switch back to the full list;
   - the "mark as done" area shows the server's refusal (403/409) instead of ignoring it.

   Labels come from data-label-* attributes of article.lesson, translated by the template. */
(function () {
  "use strict";

  function labels(root) {
    var data = root.dataset;
    return {
      copy: data.labelCopy || "Copy",
      copied: data.labelCopied || "Copied",
      copyFailed: data.labelCopyFailed || "Select and copy",
      copyCode: data.labelCopyCode || "Copy the code",
      previous: data.labelPrevious || "Previous step",
      next: data.labelNext || "Next step",
      step: data.labelStep || "Step %(current)s of %(total)s",
      showAll: data.labelShowAll || "Show all steps",
      stepByStep: data.labelStepByStep || "Step by step",
    };
  }

  function button(text, className) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    return element;
  }

  /* Copy buttons --------------------------------------------------------------------------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (error) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function addCopyButtons(root, text) {
    root.querySelectorAll(".highlight").forEach(function (block) {
      var pre = block.querySelector("pre");
      if (!pre || block.querySelector(".copy-button")) {
        return;
      }
      var copy = button(text.copy, "copy-button");
      copy.setAttribute("aria-label", text.copyCode);
      copy.addEventListener("click", function () {
        copyText(pre.innerText.replace(/\n$/, "")).then(
          function () {
            copy.textContent = text.copied;
          },
          function () {
            copy.textContent = text.copyFailed;
          }
        );
        window.setTimeout(function () {
          copy.textContent = text.copy;
        }, 2000);
      });
      block.classList.add("has-copy-button");
      block.insertBefore(copy, block.firstChild);
    });
  }

  /* Walkthroughs ----------------------------------------------------------------------------- */

  function enhanceWalkthrough(section, text) {
    var steps = Array.prototype.slice.call(section.querySelectorAll(".walkthrough-step"));
    if (steps.length < 2) {
      return;
    }
    var current = 0;
    var stepByStep = true;

    var nav = document.createElement("div");
    nav.className = "walkthrough-nav";
    var previous = button(text.previous, "walkthrough-previous");
    var status = document.createElement("p");
    status.className = "walkthrough-status";
    status.setAttribute("aria-live", "polite");
    var next = button(text.next, "walkthrough-next");
    var toggle = button(text.showAll, "walkthrough-toggle");
    nav.appendChild(previous);
    nav.appendChild(status);
    nav.appendChild(next);
    nav.appendChild(toggle);
    section.appendChild(nav);

    function render() {
      steps.forEach(function (step, index) {
        step.hidden = stepByStep && index !== current;
      });
      previous.hidden = !stepByStep;
      next.hidden = !stepByStep;
      status.hidden = !stepByStep;
      previous.disabled = current === 0;
      next.disabled = current === steps.length - 1;
      status.textContent = text.step
        .replace("%(current)s", String(current + 1))
        .replace("%(total)s", String(steps.length));
      toggle.textContent = stepByStep ? text.showAll : text.stepByStep;
      section.classList.toggle("is-step-by-step", stepByStep);
    }

    function go(delta) {
      var target = Math.min(Math.max(current + delta, 0), steps.length - 1);
      if (target !== current) {
        current = target;
        render();
      }
    }

    previous.addEventListener("click", function () {
      go(-1);
    });
    next.addEventListener("click", function () {
      go(1);
    });
    toggle.addEventListener("click", function () {
      stepByStep = !stepByStep;
      render();
    });
    section.addEventListener("keydown", function (event) {
      if (!stepByStep || event.target.closest("input, textarea, select")) {
        return;
      }
      if (event.key === "ArrowLeft") {
        go(-1);
        event.preventDefault();
      } else if (event.key === "ArrowRight") {
        go(1);
        event.preventDefault();
      }
    });
    render();
  }

  /* "Mark as done": let htmx show the refusal (by default it drops 4xx responses) --------- */

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var target = event.detail.target;
    if ((status === 403 || status === 409) && target && target.id === "lesson-complete") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function init() {
    document.querySelectorAll("article.lesson").forEach(function (article) {
      var text = labels(article);
      addCopyButtons(article, text);
      article.querySelectorAll("section.walkthrough").forEach(function (section) {
        enhanceWalkthrough(section, text);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
