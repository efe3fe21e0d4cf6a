// The dataset map: markers from the dataset's GeoJSON download (the coordinate table is the no-JS fallback, and
// the source of the markers when a dataset has no GeoJSON file). Markers that would overlap are clustered
// (leaflet.markercluster); a popup lists the row's key attributes and links to the row in the data explorer;
// a text box and a select (a categorical column) filter the markers. Tiles never block the markers.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
  var nameKey = el.dataset.name;
  var popupKeys = parse(el.dataset.popup), categoryKeys = parse(el.dataset.categories);
  var textKeys = parse(el.dataset.text);
  var layer = L.markerClusterGroup
    ? L.markerClusterGroup({ maxClusterRadius: 32, showCoverageOnHover: false, spiderfyOnMaxZoom: true })
    : L.featureGroup();
  var items = [];   // {marker, props, text}
  var textBox = document.getElementById("map-text"), select = document.getElementById("map-category");
  var category = null, fitted = false;

  function parse(json) { try { return JSON.parse(json || "[]"); } catch (e) { return []; } }

  function value(v) { return v === null || v === undefined ? "" : String(v); }

  function popup(props, lat, lon) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("h3");
    title.lang = "ja";
    title.textContent = value(props[nameKey]);
    box.appendChild(title);
    var list = document.createElement("dl");
    popupKeys.forEach(function (key) {
      if (value(props[key]) === "") return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = key;
      dd.textContent = value(props[key]);
      dt.lang = dd.lang = "ja";
      list.appendChild(dt);
      list.appendChild(dd);
    });
    if (list.children.length) box.appendChild(list);
    if (el.dataset.explorer) {
      var link = document.createElement("a");
      link.className = "row-link";
      link.href = el.dataset.explorer + "?" + new URLSearchParams({ "f.緯度": String(lat), "f.経度": String(lon) });
      link.textContent = el.dataset.showRow;
      var p = document.createElement("p");
      p.appendChild(link);
      box.appendChild(p);
    }
    return box;
  }

  function add(lat, lon, props) {
    var name = value(props[nameKey]);
    var marker = L.marker([lat, lon], { title: name, alt: name, keyboard: true });
    marker.bindPopup(function () { return popup(props, lat, lon); });
    var text = (textKeys.length ? textKeys : [nameKey]).map(function (k) { return value(props[k]); }).join(" ");
    items.push({ marker: marker, props: props, text: text.toLowerCase() });
  }

  function render() {
    var words = textBox ? textBox.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
    var wanted = select && category ? select.value : "";
    var shown = items.filter(function (item) {
      if (wanted && value(item.props[category]) !== wanted) return false;
      return words.every(function (w) { return item.text.indexOf(w) >= 0; });
    });
    layer.clearLayers();
    if (shown.length) {
      var bounds = L.latLngBounds(shown.map(function (i) { return i.marker.getLatLng(); }));
      map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24], animate: false });
    } else if (!fitted) {
      map.setView([35.68, 139.76], 10);
    }
    fitted = true;
    if (!map.hasLayer(layer)) layer.addTo(map);
    if (layer.addLayers) layer.addLayers(shown.map(function (i) { return i.marker; }));
    else shown.forEach(function (i) { layer.addLayer(i.marker); });
    el.dataset.markers = String(shown.length);
    var out = document.getElementById("map-count");
    if (out) out.textContent = el.dataset.shown.replace("{shown}", shown.length).replace("{total}", items.length);
  }

  function setUpCategory() {
    // the first candidate column with 2..30 values; else any other text column with so few values
    var keys = categoryKeys.slice();
    if (items.length) Object.keys(items[0].props).forEach(function (k) {
      if (keys.indexOf(k) < 0 && k !== nameKey && textKeys.indexOf(k) < 0 && !/電話|番号|ID|URL|緯度|経度|_id/.test(k)) keys.push(k);
    });
    for (var i = 0; i < keys.length; i++) {
      var seen = {};
      items.forEach(function (item) { var v = value(item.props[keys[i]]); if (v !== "") seen[v] = (seen[v] || 0) + 1; });
      var values = Object.keys(seen);
      if (values.length >= 2 && values.length <= 30 && values.length < items.length) {
        category = keys[i];
        values.sort().forEach(function (v) {
          var option = document.createElement("option");
          option.value = v;
          option.textContent = v + " (" + seen[v] + ")";
          select.appendChild(option);
        });
        select.previousElementSibling.textContent = category;
        select.closest(".map-category").hidden = false;
        return;
      }
    }
  }

  function ready() {
    if (select) setUpCategory();
    render();
    var table = document.getElementById("coordinates");
    if (table && items.length) table.open = false;   // the map shows them now; the table stays one click away
    if (textBox) textBox.addEventListener("input", render);
    if (select) select.addEventListener("change", render);
  }

  function fromTable() {
    items = [];
    document.querySelectorAll("#coordinates tr[data-lat]").forEach(function (tr) {
      var props = {};
      props[nameKey] = tr.cells[0].textContent;
      add(+tr.dataset.lat, +tr.dataset.lon, props);
    });
    ready();
  }

  if (!el.dataset.geojson) return fromTable();
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      (data.features || []).forEach(function (f) {
        var c = f.geometry && f.geometry.type === "Point" ? f.geometry.coordinates : null;
        if (c) add(c[1], c[0], f.properties || {});
      });
      ready();
    })
    .catch(fromTable);
})();
