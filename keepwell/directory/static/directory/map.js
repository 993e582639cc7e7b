// Puts the search results that have a public venue on a Leaflet map. An enhancement only:
// the list above it is the page, and it works without this script.
(function () {
  'use strict';
  const el = document.getElementById('directory-map');
  if (!el || typeof L === 'undefined') return;
  const list = document.getElementById(el.dataset.results);
  const items = list ? list.querySelectorAll('[data-lat][data-lon]') : [];
  if (!items.length) { el.remove(); return; }
  L.Icon.Default.imagePath = el.dataset.leafletImages;
  const map = L.map(el);
  L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
  }).addTo(map);
  const points = [];
  items.forEach(function (item) {
    const lat = parseFloat(item.dataset.lat);
    const lon = parseFloat(item.dataset.lon);
    if (Number.isNaN(lat) || Number.isNaN(lon)) return;
    const link = document.createElement('a');
    link.href = item.dataset.url;
    link.textContent = item.dataset.name;
    L.marker([lat, lon], { title: item.dataset.name, alt: item.dataset.name }).addTo(map).bindPopup(link);
    points.push([lat, lon]);
  });
  if (el.dataset.lat && el.dataset.lon) {
    const here = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    L.circleMarker(here, { radius: 6 }).addTo(map).bindTooltip('Your postcode');
    points.push(here);
  }
  map.fitBounds(L.latLngBounds(points).pad(0.2), { maxZoom: 15 });
})();
