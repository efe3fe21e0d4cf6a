// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var code = document.getElementById(button.dataset.copy);
  if (!code || !navigator.clipboard) return;
  navigator.clipboard.writeText("value" in code ? code.value : code.textContent).then(function () {
    var label = button.textContent;
    button.textContent = button.dataset.copied;
    setTimeout(function () { button.textContent = label; }, 2000);
  });
});

// Dashboard tables: sort by any column (a button per heading, so keyboards can do it too).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table[data-chart]").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        Array.from(body.rows).sort(function (a, b) {
          var x = sortKey(a.cells[column]), y = sortKey(b.cells[column]);
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        }).forEach(function (row) { body.appendChild(row); });
      });
    });
  });
});

function sortKey(cell) {
  var value = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent;
  var number = parseFloat(value);
  return isNaN(number) ? value : number;
}

// Phones: the dashboard's filter form starts folded (its button opens it), so the numbers come first.
// Without JS it simply stays open.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 50rem)").matches) return;
  document.querySelectorAll("details.filter-panel[open]").forEach(function (d) { d.open = false; });
});
