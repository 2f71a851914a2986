// Fixes to the theme's markup that axe-core reports on every page (tests/test_accessibility.py):
// - the search button's aria-label ("Search") omits the visible shortcut (Ctrl + K), so speech users who
//   say what they see do not reach it: let the button's visible text be its accessible name;
// - the colour-mode switch shows only icons, whose SVG titles (Light, Dark, System Settings) count as visible
//   text that its aria-label ("Color mode") lacks: name it by its title attribute instead;
// - the primary sidebar holds the book's table of contents outside every landmark: make it one.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".search-button__button[aria-label]").forEach(function (button) {
    button.removeAttribute("aria-label");
  });
  document.querySelectorAll(".theme-switch-button[aria-label]").forEach(function (button) {
    button.setAttribute("title", button.getAttribute("aria-label"));
    button.removeAttribute("aria-label");
  });
  const sidebar = document.querySelector(".bd-sidebar-primary");
  if (sidebar && !sidebar.hasAttribute("role")) {
    sidebar.setAttribute("role", "navigation");
    sidebar.setAttribute("aria-label", document.documentElement.lang.startsWith("zh") ? "全书目录" : "Table of contents");
  }
});
