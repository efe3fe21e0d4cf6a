// The data explorer, enhanced: the state stays in the URL (the page works without this file); with it, a changed
// filter or page size submits the form at once, and the table keeps its horizontal scroll across pages and sorts.
(function () {
  var form = document.getElementById("explorer-form");
  var scroller = document.getElementById("explorer-scroll");
  if (!form || !scroller) return;
  var key = "explorer-scroll:" + location.pathname;

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[data-autosubmit], input.filter")) submit();
  });

  function submit() {
    // empty fields stay out of the URL, so links stay short and the state readable
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && !el.value && (el.matches("input.filter") || el.type === "hidden")) el.disabled = true;
    });
    remember();
    form.submit();
  }

  form.addEventListener("submit", function () {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && !el.value && (el.matches("input.filter") || el.type === "hidden")) el.disabled = true;
    });
    remember();
  });

  function remember() {
    try { sessionStorage.setItem(key, String(scroller.scrollLeft)); } catch (e) { /* storage off: no memory */ }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.sort-link, .explorer-pager a");
    if (link) remember();
  });
  try {
    var left = +sessionStorage.getItem(key);
    if (left) scroller.scrollLeft = left;
  } catch (e) { /* ignore */ }
  scroller.dataset.enhanced = "true";
})();
