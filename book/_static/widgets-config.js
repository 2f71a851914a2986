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
