// The dataset map: markers from the dataset's GeoJSON download; the coordinate table is the no-JS fallback
// (and the source of the markers when a dataset has no GeoJSON file). Tiles never block the markers.
(function () {
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 18 }).addTo(map);
  var nameKey = el.dataset.name;

  function marker(latlng, name) {
    return L.marker(latlng, { title: name, alt: name, keyboard: true }).bindPopup(document.createTextNode(name));
  }

  function show(layer) {
    layer.addTo(map);
    var count = layer.getLayers().length;
    el.dataset.markers = String(count);
    if (count) map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
    else map.setView([35.68, 139.76], 10);
    var table = document.getElementById("coordinates");
    if (table && count) table.open = false;   // the map shows them now; the table stays one click away
  }

  function fromTable() {
    var group = L.featureGroup();
    document.querySelectorAll("#coordinates tr[data-lat]").forEach(function (tr) {
      group.addLayer(marker([+tr.dataset.lat, +tr.dataset.lon], tr.cells[0].textContent));
    });
    show(group);
  }

  if (!el.dataset.geojson) return fromTable();
  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (data) {
      show(L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var props = feature.properties || {};
          return marker(latlng, String(props[nameKey] || ""));
        }
      }));
    })
    .catch(fromTable);
})();
