// Puts the search results that have a public venue on a Leaflet map. An enhancement only:
// the list above it is the page, and it works without this script.
(function () {
  'use strict';
  const el = document.getElementById('directory-map');
  if (!el || typeof L === 'undefined' || typeof L.markerClusterGroup !== 'function') return;
  const list = document.getElementById(el.dataset.results);
  const items = list ? list.querySelectorAll('[data-lat][data-lon]') : [];
  if (!items.length) { el.remove(); return; }
  L.Icon.Default.imagePath = el.dataset.leafletImages;
  // The page gives the map's words in its own language (data-text-*).
  const words = el.dataset;
  const map = L.map(el, { zoomControl: false });
  L.control.zoom({
    zoomInTitle: words.textZoomIn || 'Zoom in',
    zoomOutTitle: words.textZoomOut || 'Zoom out',
  }).addTo(map);
  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  }).addTo(map);
  // Markers that would overlap are grouped into one numbered marker (a click zooms in), so
  // every marker on the map keeps a 24 x 24 px target of its own (WCAG 2.2, 2.5.8).
  const group = L.markerClusterGroup({
    maxClusterRadius: 48,
    showCoverageOnHover: false,
    iconCreateFunction: function (cluster) {
      const count = cluster.getChildCount();
      return L.divIcon({
        html: '<div><span>' + count + '<span class="nhsuk-u-visually-hidden"> ' + (words.textCluster || 'places here: zoom in') + '</span></span></div>',
        className: 'marker-cluster marker-cluster-small',
        iconSize: L.point(40, 40),
      });
    },
  });
  const points = [];
  items.forEach(function (item) {
    const lat = parseFloat(item.dataset.lat);
    const lon = parseFloat(item.dataset.lon);
    if (Number.isNaN(lat) || Number.isNaN(lon)) return;
    const link = document.createElement('a');
    link.href = item.dataset.url;
    link.textContent = item.dataset.name;
    group.addLayer(L.marker([lat, lon], { title: item.dataset.name, alt: item.dataset.name }).bindPopup(link));
    points.push([lat, lon]);
  });
  if (el.dataset.lat && el.dataset.lon) {
    const here = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    // 12 px radius: a 24 px target, like the markers.
    L.circleMarker(here, { radius: 12 }).addTo(map).bindTooltip(words.textHere || 'Your postcode');
    points.push(here);
  }
  map.addLayer(group);
  map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 15 });
})();
