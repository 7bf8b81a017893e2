/* Kafedra code editor: progressive enhancement of the code files of a practical task.
 *
 * Without JavaScript every file is a labelled <textarea> and the form posts them as they are.
 * With it, each [data-code-editor] textarea becomes a CodeMirror 5 editor (vendored under
 * static/vendor/codemirror, loaded on demand from the URLs on the script tag that loads this
 * file) with Python or Dockerfile highlighting, and several files become tabs. The textarea
 * stays the source of truth: every change is copied back into it, so forms and HTMX requests
 * send exactly what is in the editor, and an "input" event is dispatched on it, so autosave
 * triggers (hx-trigger="input ...") work with or without the editor. Keyboard: Tab indents;
 * Esc then Tab leaves the editor.
 *
 * Fragments swapped in by HTMX (a lesson's exercises, run results) are enhanced on htmx:load.
 * Runs refused with 400/403/409 (or 503: the sandbox cannot run code now) carry a message
 * fragment: it is swapped in instead of dropped.
 */
(function () {
  "use strict";

  var MODES = { python: "python", dockerfile: "dockerfile", text: null };
  var assets = document.querySelector("script[data-editor-assets]");
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function loadCodeMirror() {
    if (loading) {
      return loading;
    }
    if (!assets) {
      loading = Promise.reject(new Error("no editor assets"));
      return loading;
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = assets.dataset.css;
    document.head.appendChild(link);
    var scripts = (assets.dataset.scripts || "").split(/\s+/).filter(Boolean);
    loading = scripts
      .reduce(function (chain, src) {
        return chain.then(function () {
          return loadScript(src);
        });
      }, Promise.resolve())
      .then(function () {
        return window.CodeMirror;
      });
    return loading;
  }

  function enhance(textarea, CodeMirror) {
    if (textarea.dataset.editorReady) {
      return;
    }
    textarea.dataset.editorReady = "1";
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    var escaped = false;

    function leaveOrIndent(cm, direction) {
      if (escaped) {
        escaped = false;
        return CodeMirror.Pass; // the browser moves the focus on
      }
      if (direction < 0) {
        cm.indentSelection("subtract");
      } else if (cm.somethingSelected()) {
        cm.indentSelection("add");
      } else {
        cm.replaceSelection(Array(cm.getOption("indentUnit") + 1).join(" "));
      }
      return undefined;
    }

    var editor = CodeMirror.fromTextArea(textarea, {
      mode: MODES[textarea.dataset.mode] || null,
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      matchBrackets: true,
      readOnly: textarea.readOnly,
      inputStyle: "contenteditable",
      screenReaderLabel: label ? label.textContent : "",
      extraKeys: {
        Esc: function () {
          escaped = true;
        },
        Tab: function (cm) {
          return leaveOrIndent(cm, 1);
        },
        "Shift-Tab": function (cm) {
          return leaveOrIndent(cm, -1);
        },
      },
    });
    editor.on("keydown", function (cm, event) {
      if (event.key !== "Escape" && event.key !== "Tab" && event.key !== "Shift") {
        escaped = false;
      }
    });
    editor.on("change", function (cm) {
      cm.save();
      // Tell the page, as typing in the plain textarea would: an exam's code autosave listens.
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function buildTabs(container) {
    var files = Array.prototype.slice.call(container.querySelectorAll("[data-code-file]"));
    if (files.length < 2 || container.dataset.tabsReady) {
      return;
    }
    container.dataset.tabsReady = "1";
    var list = document.createElement("div");
    list.className = "code-tabs";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-label", container.dataset.labelFiles || "");
    var tabs = files.map(function (file, index) {
      var textarea = file.querySelector("textarea");
      var label = file.querySelector("label");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.className = "code-tab";
      tab.id = textarea.id + "-tab";
      tab.textContent = label.textContent;
      tab.setAttribute("role", "tab");
      file.id = textarea.id + "-panel";
      file.setAttribute("role", "tabpanel");
      file.setAttribute("aria-labelledby", tab.id);
      tab.setAttribute("aria-controls", file.id);
      label.classList.add("visually-hidden");
      tab.addEventListener("click", function () {
        select(index, false);
      });
      tab.addEventListener("keydown", function (event) {
        var step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (event.key === "Home" || event.key === "End") {
          event.preventDefault();
          select(event.key === "Home" ? 0 : files.length - 1, true);
        } else if (step) {
          event.preventDefault();
          select((index + step + files.length) % files.length, true);
        }
      });
      list.appendChild(tab);
      return tab;
    });

    function select(index, focus) {
      files.forEach(function (file, i) {
        var current = i === index;
        file.hidden = !current;
        tabs[i].setAttribute("aria-selected", current ? "true" : "false");
        tabs[i].tabIndex = current ? 0 : -1;
      });
      var shown = files[index].querySelector(".CodeMirror");
      if (shown && shown.CodeMirror) {
        shown.CodeMirror.refresh(); // it was measured while hidden
      }
      if (focus) {
        tabs[index].focus();
      }
    }

    container.insertBefore(list, container.firstChild);
    select(0, false);
  }

  function init(root) {
    var textareas = root.querySelectorAll ? root.querySelectorAll("textarea[data-code-editor]") : [];
    if (!textareas.length) {
      return;
    }
    root.querySelectorAll("[data-code-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
    loadCodeMirror()
      .then(function (CodeMirror) {
        textareas.forEach(function (textarea) {
          enhance(textarea, CodeMirror);
        });
        root.querySelectorAll("[data-code-files]").forEach(buildTabs);
      })
      .catch(function () {
        // The plain textareas keep working.
        root.querySelectorAll("[data-code-files]").forEach(buildTabs);
      });
  }

  document.addEventListener("htmx:load", function (event) {
    init(event.detail.elt);
  });
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var source = event.detail.elt;
    var refused = status === 400 || status === 403 || status === 409 || status === 503;
    if (refused && source && source.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
