// Opened from a file (the offline bundle, file://), the browser refuses the requests that Sphinx's search
// makes for the excerpt under each result: turn the excerpts off, and say on the search page how to get
// them, by serving the folder with Python's web server. Runs before the search starts (DOMContentLoaded).
(function () {
  if (location.protocol !== "file:") return;
  // documentation_options.js, loaded before this file, declares it with const: a global, but not on window.
  if (typeof DOCUMENTATION_OPTIONS !== "undefined") DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  const note = {
    en: "This copy is opened from a file, so the search lists matching pages without excerpts. For the full " +
      "search, run <code>python -m http.server</code> in the unpacked folder (the one with <code>index.html</code> " +
      "and <code>zh/</code>), then open <a href=\"http://localhost:8000/\">http://localhost:8000/</a>.",
    zh: "这份副本是直接从文件打开的，所以搜索只列出匹配的页面，不显示摘录。要使用完整的搜索，请在解压出的文件夹" +
      "（含有 <code>index.html</code> 和 <code>zh/</code> 的那个）中运行 <code>python -m http.server</code>，" +
      "然后打开 <a href=\"http://localhost:8000/zh/\">http://localhost:8000/zh/</a>。",
  };
  document.addEventListener("DOMContentLoaded", function () {
    const results = document.getElementById("search-results");
    if (!results) return;
    const paragraph = document.createElement("p");
    paragraph.className = "offline-search-note";
    paragraph.innerHTML = note[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
    results.parentNode.insertBefore(paragraph, results);
  });
})();
