// The widget manager (widgets/embed-amd.js) loads its fonts and code chunks from the folder RequireJS
// resolves its module name to; by default that is relative to the page. Point it at _static/widgets,
// next to this file, so every page finds them on this site, at any depth, without a CDN.
(function () {
  const staticDir = document.currentScript.src.replace(/[^/]*$/, "");
  window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": staticDir + "widgets" } });
})();

// Its output areas typeset math with the MathJax 2 API, MathJax.Hub.Queue(["Typeset", MathJax.Hub, node]);
// the site runs MathJax 3. Deferred scripts (MathJax) have run when DOMContentLoaded fires, and this
// listener is registered before the widget manager's, so the bridge is in place when widgets render.
document.addEventListener("DOMContentLoaded", function () {
  const mathjax = window.MathJax;
  if (mathjax && !mathjax.Hub) {
    mathjax.Hub = {
      Queue: function (...jobs) {
        for (const job of jobs) {
          if (Array.isArray(job) && job[0] === "Typeset" && mathjax.typesetPromise) {
            mathjax.typesetPromise(job[2] ? [job[2]] : undefined);
          }
        }
      },
    };
  }
});

// Accessible names for what the widget manager draws from the saved state: its sliders get their label's
// text (axe: "ARIA input fields must have an accessible name"), and the explorer's figures an
// alternative text that names the settings they were drawn for, in the page's language.
(function () {
  const zh = () => document.documentElement.lang.startsWith("zh");
  function settings(box) {
    const pairs = [];
    box.querySelectorAll(".widget-inline-hbox").forEach(function (row) {
      const label = row.querySelector(".widget-label");
      const slider = row.querySelector("[role=slider]");
      const select = row.querySelector("select");
      const value = slider ? slider.getAttribute("aria-valuenow") : select ? select.value : null;
      if (label && value !== null) pairs.push(label.textContent.trim() + " " + value);
    });
    return pairs.join(zh() ? "，" : ", ");
  }
  function name(root) {
    root.querySelectorAll(".widget-inline-hbox").forEach(function (row) {
      const label = row.querySelector(".widget-label");
      row.querySelectorAll("[role=slider]:not([aria-label])").forEach(function (handle) {
        if (label) handle.setAttribute("aria-label", label.textContent.trim());
      });
    });
    root.querySelectorAll(".jupyter-widgets img:not([alt])").forEach(function (img) {
      const box = img.closest(".widget-interact") || img.closest(".jupyter-widgets");
      const chosen = box ? settings(box) : "";
      img.setAttribute("alt", zh() ? "探索器按当前设置画出的图：" + chosen : "Figure the explorer drew for " + chosen);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(function () { name(document); }).observe(document.body, { childList: true, subtree: true });
    name(document);
  });
})();
