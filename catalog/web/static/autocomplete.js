// Search-box suggestions from CKAN's package_autocomplete and tag_autocomplete actions (the ARIA 1.2 combobox
// pattern: the input keeps focus, arrow keys move through the list, Enter opens, Escape closes). Without
// JavaScript the box is a plain search form.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";
  var prefix = en ? "/en" : "";
  var label = en ? { dataset: "Dataset", tag: "Tag" } : { dataset: "データセット", tag: "タグ" };

  function get(action, q) {
    var url = "/api/3/action/" + action + "?limit=6&q=" + encodeURIComponent(q);
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { result: [] }; })
      .then(function (body) { return body.result || []; })
      .catch(function () { return []; });
  }

  function setup(input) {
    var list = document.createElement("ul");
    list.id = input.id + "-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", en ? "Suggestions" : "候補");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    var timer = null, active = -1, asked = "";

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function mark(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function show(datasets, tags) {
      list.textContent = "";
      var rows = datasets.map(function (d) {
        return { text: d.title || d.name, kind: label.dataset, href: prefix + "/dataset/" + encodeURIComponent(d.name) };
      }).concat(tags.map(function (t) {
        return { text: t, kind: label.tag, href: prefix + "/dataset?tags=" + encodeURIComponent(t) };
      }));
      rows.forEach(function (row, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.href = row.href;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = row.kind;
        li.appendChild(document.createTextNode(row.text + " "));
        li.appendChild(kind);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = row.href; });
        list.appendChild(li);
      });
      list.hidden = rows.length === 0;
      input.setAttribute("aria-expanded", rows.length ? "true" : "false");
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { close(); return; }
      timer = setTimeout(function () {
        asked = q;
        Promise.all([get("package_autocomplete", q), get("tag_autocomplete", q)]).then(function (found) {
          if (asked === q && input.value.trim() === q) show(found[0], found[1]);
        });
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "ArrowDown") { e.preventDefault(); mark(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(active - 1); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && active >= 0) {
        e.preventDefault();
        window.location.href = options()[active].dataset.href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-autocomplete]").forEach(setup);
})();
