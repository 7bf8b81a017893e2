/* Mind-map lessons: draws Lesson.mind_map (a {title, children} tree stored at save) as an
   interactive, collapsible map with the vendored markmap-view + d3 (static/vendor/markmap/).

   Progressive enhancement: the page always has the same tree as a nested list (the outline);
   the figure stays hidden unless this script runs. markmap renders a node's content as HTML,
   so every title is escaped here first. Toolbar labels come from data-label-* attributes. */
(function () {
  "use strict";

  var PALETTE = ["#2f5d8a", "#4f7d64", "#8a6a3b", "#6d5a8a", "#8a4f4f", "#3f7a85", "#7a7f3d", "#5b6373"];
  var EXPAND_ALL_UP_TO = 80; // nodes: bigger maps open with the first two levels only

  function escapeHtml(text) {
    var element = document.createElement("div");
    element.textContent = text == null ? "" : String(text);
    return element.innerHTML;
  }

  function countNodes(node) {
    return 1 + (node.children || []).reduce(function (sum, child) {
      return sum + countNodes(child);
    }, 0);
  }

  /* Our tree → markmap's nodes; ``foldFrom``: depth (0 = centre) from which branches start folded. */
  function toMarkmap(node, depth, foldFrom) {
    var children = (node.children || []).map(function (child) {
      return toMarkmap(child, depth + 1, foldFrom);
    });
    var result = { content: escapeHtml(node.title), children: children };
    if (foldFrom !== null && depth >= foldFrom && children.length) {
      result.payload = { fold: 1 };
    }
    return result;
  }

  function colorFor(palette) {
    var scale = window.d3.scaleOrdinal(palette);
    return function (node) {
      var path = (node.state && node.state.path) || "";
      // One colour per first-level branch, kept by everything below it.
      return scale(path.split(".").slice(0, 2).join("."));
    };
  }

  function button(text, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  function init() {
    var source = document.getElementById("mind-map-data");
    var figure = document.getElementById("mind-map-figure");
    var svg = document.getElementById("mind-map-svg");
    var toolbar = document.getElementById("mind-map-toolbar");
    if (!source || !figure || !svg || !window.markmap || !window.markmap.Markmap || !window.d3) {
      return;
    }
    var tree;
    try {
      tree = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    if (!tree || !tree.title) {
      return;
    }

    figure.hidden = false;
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var initialFold = countNodes(tree) > EXPAND_ALL_UP_TO ? 2 : null;
    var map = window.markmap.Markmap.create(svg, {
      color: colorFor(PALETTE),
      duration: reduceMotion ? 0 : 300,
      maxWidth: 260,
      paddingX: 10,
      spacingHorizontal: 60,
      spacingVertical: 8,
      fitRatio: 0.92,
    });

    function show(foldFrom) {
      map.setData(toMarkmap(tree, 0, foldFrom)).then(function () {
        map.fit();
      });
    }

    var data = toolbar ? toolbar.dataset : {};
    if (toolbar) {
      toolbar.appendChild(button(data.labelFit || "Fit to screen", function () {
        map.fit();
      }));
      toolbar.appendChild(button(data.labelExpand || "Expand all", function () {
        show(null);
      }));
      toolbar.appendChild(button(data.labelCollapse || "Collapse to branches", function () {
        show(1);
      }));
    }
    show(initialFold);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
