/*
 * seatdesk map page script.
 *
 * The page is rendered by folium (seatdesk/map/page.py) and started with
 * seatdesk.init(map, config). Python talks to it with small JSON messages
 * (seatdesk.receive(msg), see seatdesk/map/messages.py); the page answers through the
 * QWebChannel object "bridge" and its one slot, command(json). Messages the page sends
 * before the channel is up wait in an outbox.
 *
 * Coordinates arriving here are already in the basemap's system (WGS84 or GCJ-02).
 */
(function (global) {
  "use strict";

  var S = {
    map: null, cfg: null, groups: {}, texts: {}, bridge: null, outbox: [],
    caseLayer: null, caseMarkers: {}, compLayer: null, supLayer: null, highlightLayer: null,
    focusLayer: null, focused: null, roadLabels: null, legendOpen: false,
    icons: {}, stageGlyph: {}, lightColour: {}, lightText: {}, majorColour: {},
    cellIndex: {}, choropleth: false, pickMode: false, pin: null, pickedCell: null,
    legend: null, hint: "", countsDirty: false, viewportTimer: null
  };
  var LOST_CLICK_TOLERANCE = 3;  // px between press and release, Leaflet's clickTolerance
  var CHORO = [[7, "#a50f15"], [4, "#ef3b2c"], [2, "#fc9272"], [1, "#fcbba1"]];

  function esc(text) {
    return String(text === undefined || text === null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function tr(key, arg) {
    var text = S.texts[key] || key;
    return arg === undefined ? text : text.replace("%1", arg);
  }

  // -- talking to Python --------------------------------------------------------------
  S.send = function (obj) {
    var text = JSON.stringify(obj);
    if (S.bridge) { S.bridge.command(text); } else { S.outbox.push(text); }
  };

  function connect() {
    if (!(global.qt && global.qt.webChannelTransport)) { return; }  // plain browser
    new global.QWebChannel(global.qt.webChannelTransport, function (channel) {
      S.bridge = channel.objects.bridge;
      S.outbox.splice(0).forEach(function (text) { S.bridge.command(text); });
      S.send({event: "ready"});
    });
  }

  S.receive = function (msg) {
    try {
      var handler = HANDLERS[msg.cmd];
      if (!handler) { throw new Error("unknown command " + msg.cmd); }
      handler(msg);
    } catch (err) {
      S.send({event: "error", message: String(err && err.stack || err)});
    }
  };

  // -- start ---------------------------------------------------------------------------
  S.init = function (map, cfg) {
    S.timing = {initStart: global.performance.now()};
    S.map = map;
    S.cfg = cfg;
    map.setMinZoom(cfg.minZoom);
    map.setMaxZoom(cfg.maxZoom);  // folium passes its zoom limits to tile layers only
    S.texts = cfg.texts;
    Object.keys(cfg.layers).forEach(function (key) { S.groups[key] = global[cfg.layers[key]]; });
    cfg.lights.forEach(function (l) { S.lightColour[l[0]] = l[1]; S.lightText[l[0]] = l[2]; });
    cfg.stages.forEach(function (s) { S.stageGlyph[s[0]] = s[1]; });
    cfg.majors.forEach(function (m) { S.majorColour[m[0]] = m[2]; });
    map.attributionControl.setPrefix("Leaflet");
    addData();
    initGrid();
    labelAreas(S.groups.streets, "sd-label sd-label-street");
    labelAreas(S.groups.communities, "sd-label sd-label-community");
    labelRoads();
    initPointLayers();
    watchLostClicks();
    S.highlightLayer = L.layerGroup().addTo(map);
    S.legendOpen = !!cfg.legendExpanded;
    map.on("click", onMapClick);
    map.on("moveend", scheduleViewport);
    map.on("zoomend", zoomClasses);
    zoomClasses();
    S.legend = legendControl().addTo(map);
    initLayerControl();
    S.timing.initEnd = global.performance.now();
    global.addEventListener("error", function (e) {
      S.send({event: "error", message: String(e.message) + " @" + e.filename + ":" + e.lineno});
    });
    connect();
  };

  function addData() {
    var data = global.SEATDESK_LAYERS || {};  // map-data.js, written beside the page
    ["grid", "streets", "communities", "roads"].forEach(function (key) {
      if (data[key] && S.groups[key]) { S.groups[key].addData(data[key]); }
    });
  }

  function labelRoads() {
    // road names along each road (anchors every ~1.2 km), shown and hidden with the roads
    var anchors = (global.SEATDESK_LAYERS || {}).roadLabels || [];
    S.roadLabels = L.layerGroup(anchors.map(function (a) {
      return L.marker([a[0], a[1]], {
        icon: L.divIcon({className: "sd-road-label", html: "<span>" + esc(a[2]) + "</span>",
                         iconSize: null}),
        interactive: false, keyboard: false
      });
    }));
    if (S.groups.roads) { S.groups.roads.addLayer(S.roadLabels); }
  }

  function gridTooltip(layer) {
    var p = layer.feature.properties;
    var rows = [["cell_code", p.code], ["cell_name", p.name], ["community", p.community], ["street", p.street]];
    return "<table>" + rows.map(function (r) {
      return "<tr><th>" + esc(tr(r[0])) + "</th><td>" + esc(r[1]) + "</td></tr>";
    }).join("") + "</table>";
  }

  function initGrid() {
    var grid = S.groups.grid;
    var base = grid.options.style;  // the plain style object folium was given
    grid.eachLayer(function (layer) { S.cellIndex[layer.feature.properties.code] = layer; });
    grid.bindTooltip(gridTooltip, {sticky: true, className: "sd-tooltip"});
    grid.on("mouseover", function (e) { e.layer.setStyle(S.cfg.gridHover); });
    grid.on("mouseout", function (e) { grid.resetStyle(e.layer); });
    grid.options.style = function (feature) {
      var style = L.extend({}, typeof base === "function" ? base(feature) : base);
      var code = feature.properties.code;
      if (S.choropleth) {
        var n = S.counts[code] || 0;
        for (var i = 0; i < CHORO.length; i++) {
          if (n >= CHORO[i][0]) { style.fillColor = CHORO[i][1]; style.fillOpacity = 0.8; break; }
        }
      }
      if (code === S.pickedCell) { style.color = "#ff6600"; style.weight = 3; }
      return style;
    };
    S.counts = {};
    S.groups.choropleth.on("add", function () { S.choropleth = true; restyleGrid(); updateLegend(); });
    S.groups.choropleth.on("remove", function () { S.choropleth = false; restyleGrid(); updateLegend(); });
    S.choropleth = S.map.hasLayer(S.groups.choropleth);
  }

  function restyleGrid() {
    var grid = S.groups.grid;
    grid.eachLayer(function (layer) { grid.resetStyle(layer); });
  }

  function labelAreas(group, className) {
    group.eachLayer(function (layer) {
      layer.bindTooltip(esc(layer.feature.properties.name),
        {permanent: true, direction: "center", className: className, interactive: false});
    });
  }

  function zoomClasses() {
    var el = S.map.getContainer(), z = S.map.getZoom();
    el.classList.toggle("sd-zoom-far", z < 14);
    el.classList.toggle("sd-zoom-mid", z < 15);
    // streets widen as the map zooms in, and stay thin lines over the whole town
    if (S.groups.roads) { S.groups.roads.setStyle({weight: z >= 16 ? 5 : z >= 15 ? 4 : z >= 14 ? 2 : 1}); }
  }

  function initPointLayers() {
    // a cluster pressed with the mouse takes the focus, and a focused Leaflet marker pans the
    // map to bring its position into view: the old cluster still flying out for 300 ms after
    // a zoom (its position already far off) moved the map under the pointer before the
    // click, and the click landed elsewhere (a pick 30-50 m off)
    L.MarkerCluster.mergeOptions({autoPanOnFocus: false});
    S.caseLayer = L.markerClusterGroup({
      chunkedLoading: true, maxClusterRadius: 45, showCoverageOnHover: false,
      disableClusteringAtZoom: 18, iconCreateFunction: caseClusterIcon,
      chunkProgress: function (done, total) { if (done === total) { casesLoaded(total); } }
    });
    pickOnCluster(S.caseLayer);
    S.groups.cases.addLayer(S.caseLayer);
    S.focusLayer = L.layerGroup();  // the shown case, out of its cluster, at its own place
    S.groups.cases.addLayer(S.focusLayer);
    S.compLayer = L.markerClusterGroup({
      chunkedLoading: true, maxClusterRadius: 35, showCoverageOnHover: false,
      disableClusteringAtZoom: 19, iconCreateFunction: compClusterIcon
    });
    pickOnCluster(S.compLayer);
    S.groups.components.addLayer(S.compLayer);
    S.groups.components.on("add", scheduleViewport);
    S.groups.components.on("remove", function () { S.compLayer.clearLayers(); setHint(""); });
    S.supLayer = S.groups.supervisors;
  }

  // -- cases ---------------------------------------------------------------------------
  function caseIcon(light, stage) {
    var key = "case:" + light + ":" + stage;
    if (!S.icons[key]) {
      S.icons[key] = L.divIcon({
        className: "sd-case sd-light-" + light, html: esc(S.stageGlyph[stage] || "?"),
        iconSize: [20, 20], iconAnchor: [10, 10]
      });
    }
    return S.icons[key];
  }

  function caseClusterIcon(cluster) {
    var worst = "green", rank = {grey: 0, green: 1, yellow: 2, red: 3};
    var children = cluster.getAllChildMarkers();
    for (var i = 0; i < children.length; i++) {
      if (rank[children[i].row[3]] > rank[worst]) { worst = children[i].row[3]; }
      if (worst === "red") { break; }
    }
    return L.divIcon({
      html: "<div><span>" + cluster.getChildCount() + "</span></div>",
      className: "marker-cluster sd-cluster sd-cluster-" + worst, iconSize: [36, 36]
    });
  }

  function caseTooltip(row) {
    var light = S.lightText[row[3]] || "";
    return "<b>" + esc(row[5]) + "</b> " + esc(row[6]) + " · " + esc(light) +
      (row[7] ? "<br>" + esc(row[7]) : "") + (row[8] ? "<br>" + esc(row[8]) : "") +
      (row[9] ? "<br>" + esc(row[9]) : "");
  }

  function lazyTooltip(e) {
    var m = e.target;
    if (!m.getTooltip()) {
      m.bindTooltip(m.tooltipText(m.row), {direction: "top", offset: [0, -10]}).openTooltip();
    }
  }

  function makeCase(row) {
    var m = L.marker([row[1], row[2]], {icon: caseIcon(row[3], row[4]), keyboard: false});
    m.row = row;
    m.tooltipText = caseTooltip;
    m.on("click", S.onCaseClick);
    m.on("mouseover", lazyTooltip);
    return m;
  }

  S.onCaseClick = function (e) {
    if (S.pickMode) { pickAt(e); return; }  // picking, not selecting
    var id = e.target.row[0];
    focus(e.target);
    S.send({event: "case_clicked", id: id});
  };

  function setCases(msg) {
    unfocus();
    S.caseLayer.clearLayers();
    S.caseMarkers = {};
    var markers = msg.rows.map(function (row) {
      var m = makeCase(row);
      S.caseMarkers[row[0]] = m;
      return m;
    });
    S.pendingLoaded = true;
    S.caseLayer.addLayers(markers);
    if (!S.caseLayer._map) { casesLoaded(markers.length); }  // hidden layer: added at once
    recount();
  }

  function casesLoaded(count) {
    if (S.pendingLoaded) {
      S.pendingLoaded = false;
      S.send({event: "cases_loaded", count: count});
    }
  }

  function updateCases(msg) {
    msg.removed.forEach(function (id) {
      var m = S.caseMarkers[id];
      if (m === S.focused) { unfocus(); S.highlightLayer.clearLayers(); }
      if (m) { S.caseLayer.removeLayer(m); delete S.caseMarkers[id]; }
    });
    msg.rows.forEach(function (row) {
      var m = S.caseMarkers[row[0]];
      if (m && m.getLatLng().equals(L.latLng(row[1], row[2]))) {
        m.row = row;
        m.setIcon(caseIcon(row[3], row[4]));
        m.unbindTooltip();
        if (m !== S.focused) { S.caseLayer.refreshClusters(m); }
        return;
      }
      if (m === S.focused) { unfocus(); S.highlightLayer.clearLayers(); }
      if (m) { S.caseLayer.removeLayer(m); }
      m = makeCase(row);
      S.caseMarkers[row[0]] = m;
      S.caseLayer.addLayer(m);
    });
    recount();
    S.send({event: "cases_updated", ids: msg.rows.map(function (r) { return r[0]; }).concat(msg.removed)});
  }

  function recount() {
    var counts = {};
    Object.keys(S.caseMarkers).forEach(function (id) {
      var code = S.caseMarkers[id].row[10];
      if (code) { counts[code] = (counts[code] || 0) + 1; }
    });
    S.counts = counts;
    if (S.choropleth) { restyleGrid(); }
  }

  function highlightAt(latlng) {
    // The ring pulses in an inner element: Leaflet places a marker's icon with a CSS
    // transform, so an animated transform on the icon itself would drag the ring away.
    S.highlightLayer.clearLayers();
    L.marker(latlng, {
      icon: L.divIcon({className: "sd-highlight", html: "<div class=\"sd-ring\"></div>",
                       iconSize: [46, 46], iconAnchor: [23, 23]}),
      interactive: false, keyboard: false, zIndexOffset: 1000
    }).addTo(S.highlightLayer);
  }

  function unfocus() {
    var m = S.focused;
    S.focused = null;
    if (!m) { return; }
    S.focusLayer.removeLayer(m);
    if (S.caseMarkers[m.row[0]] === m) { S.caseLayer.addLayer(m); }
  }

  function focus(m) {
    // the case shown is drawn on its own, never inside a cluster, with the ring on it
    if (S.focused !== m) {
      unfocus();
      S.caseLayer.removeLayer(m);
      S.focusLayer.addLayer(m);
      S.focused = m;
    }
    highlightAt(m.getLatLng());
  }

  function showCase(msg) {
    var m = S.caseMarkers[msg.id];
    var latlng = m ? m.getLatLng() : (msg.latlng ? L.latLng(msg.latlng) : null);
    if (!latlng) { return; }
    // the configured zoom (case_zoom): the streets around the case stay in view
    S.map.setView(latlng, S.cfg.caseZoom, {animate: false});
    if (m) { focus(m); } else { unfocus(); highlightAt(latlng); }
    S.send({event: "case_shown", id: msg.id});
  }

  // -- components ----------------------------------------------------------------------
  function scheduleViewport() {
    if (S.viewportTimer) { clearTimeout(S.viewportTimer); }
    S.viewportTimer = setTimeout(requestViewport, 150);
  }

  function requestViewport() {
    S.viewportTimer = null;
    if (!S.map.hasLayer(S.groups.components)) { return; }
    var z = S.map.getZoom();
    if (z < S.cfg.componentMinZoom) {
      S.compLayer.clearLayers();
      setHint(tr("zoom_for_components", S.cfg.componentMinZoom));
      return;
    }
    var b = S.map.getBounds();
    S.send({event: "viewport", west: b.getWest(), south: b.getSouth(), east: b.getEast(),
            north: b.getNorth(), zoom: z});
  }

  function compIcon(classId) {
    var key = "comp:" + classId;
    if (!S.icons[key]) {
      var cls = S.cfg.classes[classId] || ["", ""];
      S.icons[key] = L.divIcon({
        className: "sd-comp", iconSize: [10, 10], iconAnchor: [5, 5],
        html: "<span style=\"background:" + (S.majorColour[cls[0]] || "#555") + "\"></span>"
      });
    }
    return S.icons[key];
  }

  function compClusterIcon(cluster) {
    var n = cluster.getChildCount();
    return L.divIcon({html: "<div><span>" + n + "</span></div>",
                      className: "marker-cluster sd-comp-cluster", iconSize: [26, 26]});
  }

  function compTooltip(row) {
    var cls = S.cfg.classes[row[3]] || ["", ""];
    return "<b>" + esc(cls[1]) + "</b><br>" + esc(row[4]);
  }

  function setComponents(msg) {
    S.compLayer.clearLayers();
    if (!S.map.hasLayer(S.groups.components)) { return; }
    var markers = msg.rows.map(function (row) {
      var m = L.marker([row[1], row[2]], {icon: compIcon(row[3]), keyboard: false});
      m.row = row;
      m.tooltipText = compTooltip;
      m.on("mouseover", lazyTooltip);
      m.on("click", function () {
        if (S.pickMode) { S.placePin(m.getLatLng()); }
        S.send({event: "component_clicked", id: row[0]});
      });
      return m;
    });
    S.compLayer.addLayers(markers);
    setHint(msg.truncated ? tr("components_truncated", msg.limit) : "");
  }

  // -- supervisors ---------------------------------------------------------------------
  function setSupervisors(msg) {
    S.supLayer.clearLayers();
    msg.rows.forEach(function (row) {
      var icon = L.divIcon({className: "sd-sup" + (row[5] ? " sd-stale" : ""), html: esc(tr("glyph_supervisor")),
                            iconSize: [22, 22], iconAnchor: [11, 11]});
      L.marker([row[1], row[2]], {icon: icon, keyboard: false, zIndexOffset: 500})
        .on("click", function (e) { if (S.pickMode) { pickAt(e); } })
        .bindTooltip(esc(row[3]) + "<br>" + esc(tr("last_seen")) + " " + esc(row[4]),
                     {direction: "top", offset: [0, -10]})
        .addTo(S.supLayer);
    });
  }

  // -- pick mode -----------------------------------------------------------------------
  function pickMode(msg) {
    S.pickMode = !!msg.on;
    S.map.getContainer().classList.toggle("sd-picking", S.pickMode);
    if (!S.pickMode && !msg.keep_pin) { removePin(); }
    if (S.pin) { S.pin.dragging[S.pickMode ? "enable" : "disable"](); }
    setHint(S.pickMode ? tr("pick_hint") : "");
  }

  function removePin() {
    if (!S.pin) { return; }
    S.map.removeLayer(S.pin);
    S.pin = null;
    S.pickedCell = null;
    restyleGrid();
  }

  function pinAt(latlng) {
    if (!S.pin) {
      S.pin = L.marker(latlng, {draggable: true, autoPan: true, zIndexOffset: 2000}).addTo(S.map);
      S.pin.on("dragend", function () { sendPick(S.pin.getLatLng()); });
      if (!S.pickMode) { S.pin.dragging.disable(); }
    } else {
      S.pin.setLatLng(latlng);
    }
  }

  function setPin(msg) {
    // the intake's location chosen elsewhere (search, draft): the pin follows it
    if (!msg.latlng) { removePin(); return; }
    var latlng = L.latLng(msg.latlng);
    pinAt(latlng);
    if (msg.pan && (!S.map.getBounds().contains(latlng) || S.map.getZoom() < S.cfg.caseZoom)) {
      S.map.setView(latlng, Math.max(S.map.getZoom(), S.cfg.caseZoom), {animate: false});
    }
  }

  function onMapClick(e) {
    if (!S.pickMode) { return; }
    S.placePin(e.latlng);
  }

  function pickAt(e) {
    // a click on a marker reports the marker's position; the pick wants the pointer's
    S.placePin(e.originalEvent ? S.map.mouseEventToLatLng(e.originalEvent) : e.latlng);
  }

  function pickOnCluster(group) {
    // picking, not zooming: a cluster clicked in pick mode stands for the point under it, as
    // a case marker does (markercluster binds _zoomOrSpiderfy to clusterclick when the group
    // is added to the map, so it is replaced here, before)
    var zoomOrSpiderfy = group._zoomOrSpiderfy;
    group._zoomOrSpiderfy = function (e) {
      if (S.pickMode && e.type === "clusterclick") { pickAt(e); return; }
      zoomOrSpiderfy.call(this, e);
    };
  }

  function watchLostClicks() {
    // Chromium sends no click when the element pressed has left the page before the release
    // (a marker redrawn by the supervisors' refresh or a components reply, a cluster's
    // markers put in place for 300 ms after a zoom): in pick mode such a press and release
    // on the map, without dragging it, picks where the pointer is, as the click would have
    var press = null;
    S.map.getContainer().addEventListener("mousedown", function (e) {
      press = S.pickMode && e.button === 0 && S.map.getPane("mapPane").contains(e.target)
        ? {x: e.clientX, y: e.clientY, clicked: false} : null;
    }, true);
    global.document.addEventListener("click", function () { if (press) { press.clicked = true; } }, true);
    global.document.addEventListener("mouseup", function (e) {
      var p = press;
      if (!p || e.button !== 0) { return; }
      global.setTimeout(function () {  // after the click Chromium dispatches right after mouseup
        if (press === p) { press = null; }
        if (p.clicked || !S.pickMode || S.map.dragging.moved() ||
            Math.abs(e.clientX - p.x) + Math.abs(e.clientY - p.y) > LOST_CLICK_TOLERANCE) { return; }
        S.placePin(S.map.mouseEventToLatLng(e));
      }, 0);
    }, true);
  }

  S.placePin = function (latlng) {
    pinAt(latlng);
    sendPick(latlng);
  };

  function sendPick(latlng) {
    S.send({event: "picked", lat: latlng.lat, lng: latlng.lng});
  }

  function pickInfo(msg) {
    if (!S.pin) { return; }
    S.pickedCell = msg.cell_code || null;
    restyleGrid();
    if (S.pickedCell && S.cellIndex[S.pickedCell]) { S.cellIndex[S.pickedCell].bringToFront(); }
    var html = "<div class=\"sd-pick\"><b>" + esc(tr("picked_location")) + "</b><br>";
    if (msg.outside_city) {  // the intake form says the same and asks before saving
      html += "<div class=\"sd-pick-outside\">" + esc(tr("outside_city")) + "</div>";
    }
    if (msg.road) {
      html += esc(tr("nearest_road")) + " <b>" + esc(msg.road) + "</b> · " +
        Math.round(msg.road_distance_m) + " m<br>";
    }
    if (msg.known_address) {
      html += esc(tr("known_address")) + " " + esc(msg.known_address) + " · " +
        Math.round(msg.known_address_distance_m) + " m<br>";
    }
    html += msg.cell_code
      ? esc(tr("cell_code")) + " " + esc(msg.cell_code) + " " + esc(msg.cell_name) + "<br>" +
        esc(tr("community")) + " " + esc(msg.community) + " · " + esc(tr("street")) + " " + esc(msg.street)
      : esc(tr("no_cell"));
    if (msg.components.length) {
      html += "<br><b>" + esc(tr("nearby_components")) + "</b><ul>";
      msg.components.forEach(function (c) {
        html += "<li><a href=\"#\" data-component=\"" + c[0] + "\">" + esc(c[2]) + "</a> " +
          esc(c[1]) + " · " + Math.round(c[3]) + " m</li>";
      });
      html += "</ul>";
    }
    S.pin.bindPopup(html + "</div>", {maxWidth: 320, autoPan: true}).openPopup();
    var el = S.pin.getPopup().getElement();
    if (el) {
      el.querySelectorAll("a[data-component]").forEach(function (a) {
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          S.send({event: "component_chosen", id: Number(a.getAttribute("data-component"))});
        });
      });
    }
  }

  // -- the layer control on a narrow map ---------------------------------------------------
  // Unfolded, the layer list is 140–230 px wide and 185 px high: on the seat's map beside
  // the pages (240–560 px at 1280×720) it covered the zoom buttons and half the map. Where
  // the unfolded list and the zoom buttons do not both fit across the top of the map, or the
  // list would take more than LIST_SHARE of the map's width, it folds into Leaflet's layers
  // button: a click on the button unfolds it, a click on the map folds it again.
  var CONTROL_ROOM = 30;  // px: Leaflet's 10 px margins on both sides and a gap between
  var LIST_SHARE = 0.4;

  function initLayerControl() {
    var box = S.map.getContainer().querySelector(".leaflet-control-layers");
    if (!box) { return; }
    S.layersBox = box;
    S.layersUnfolded = false;  // unfolded by the user while folded by default
    var link = box.querySelector(".leaflet-control-layers-toggle");
    if (link) {
      link.title = tr("layers");
      link.setAttribute("aria-label", tr("layers"));
      L.DomEvent.on(link, "click", function () { S.layersUnfolded = true; });
    }
    S.map.on("click", function () {
      if (S.layersCompact && S.layersUnfolded) { S.layersUnfolded = false; fitLayerControl(); }
    });
    S.map.on("resize", fitLayerControl);
    fitLayerControl();
  }

  function fitLayerControl() {
    var box = S.layersBox;
    if (!box) { return; }
    var zoom = S.map.getContainer().querySelector(".leaflet-control-zoom");
    box.classList.add("leaflet-control-layers-expanded");  // measured unfolded
    var width = S.map.getSize().x;
    var need = box.offsetWidth + (zoom ? zoom.offsetWidth : 0) + CONTROL_ROOM;
    S.layersCompact = need > width || box.offsetWidth > LIST_SHARE * width;
    if (S.layersCompact && !S.layersUnfolded) {
      box.classList.remove("leaflet-control-layers-expanded");
    }
    S.map.getContainer().classList.toggle("sd-layers-compact", S.layersCompact);
  }
  S.fitLayerControl = fitLayerControl;

  // -- legend --------------------------------------------------------------------------
  function setHint(text) {
    S.hint = text;
    updateLegend();
  }

  function legendControl() {
    // folded by default into one small button; unfolded it scrolls inside a fixed height,
    // so it never grows across the map as layers are switched on
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sd-legend");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      S.legendToggle = L.DomUtil.create("a", "sd-legend-toggle", div);
      S.legendToggle.href = "#";
      S.legendToggle.setAttribute("role", "button");
      L.DomEvent.on(S.legendToggle, "click", function (e) {
        L.DomEvent.preventDefault(e);
        S.setLegendOpen(!S.legendOpen);
      });
      S.legendBody = L.DomUtil.create("div", "sd-legend-body", div);
      S.legendHint = L.DomUtil.create("div", "sd-hint", div);
      S.legendDiv = div;
      updateLegend();
      return div;
    };
    return control;
  }

  S.setLegendOpen = function (open) {
    S.legendOpen = !!open;
    updateLegend();
  };

  function updateLegend() {
    if (!S.legendDiv) { return; }
    S.legendDiv.classList.toggle("sd-legend-open", S.legendOpen);
    S.legendToggle.textContent = tr("legend") + (S.legendOpen ? " ▾" : " ▸");
    S.legendToggle.title = tr(S.legendOpen ? "hide_legend" : "show_legend");
    S.legendBody.style.display = S.legendOpen ? "" : "none";
    if (S.legendOpen) { fillLegend(S.legendBody); }
    S.legendHint.textContent = S.hint;
    S.legendHint.style.display = S.hint ? "" : "none";
  }

  function fillLegend(div) {
    var h = "<div class=\"sd-legend-head\">" + esc(tr("case_lights")) + "</div><div class=\"sd-row\">";
    S.cfg.lights.forEach(function (l) {
      h += "<span class=\"sd-item\"><i class=\"sd-dot\" style=\"background:" + l[1] + "\"></i>" + esc(l[2]) + "</span>";
    });
    h += "</div><div class=\"sd-legend-head\">" + esc(tr("case_states")) + "</div><div class=\"sd-row\">";
    S.cfg.stages.forEach(function (s) {
      h += "<span class=\"sd-item\"><i class=\"sd-glyph\">" + esc(s[1]) + "</i>" + esc(s[2]) + "</span>";
    });
    h += "</div><div class=\"sd-row\">" +
      "<span class=\"sd-item\"><i class=\"sd-line sd-line-street\"></i>" + esc(tr("streets")) + "</span>" +
      "<span class=\"sd-item\"><i class=\"sd-line sd-line-community\"></i>" + esc(tr("communities")) + "</span>" +
      "<span class=\"sd-item\"><i class=\"sd-line sd-line-road\"></i>" + esc(tr("roads")) + "</span>" +
      "<span class=\"sd-item\"><i class=\"sd-line sd-line-grid\"></i>" + esc(tr("grid")) + "</span>" +
      "<span class=\"sd-item\"><i class=\"sd-glyph sd-glyph-sup\">" + esc(tr("glyph_supervisor")) + "</i>" +
      esc(tr("supervisors")) + "</span></div>";
    if (S.map.hasLayer(S.groups.components) && S.cfg.majors.length) {
      h += "<div class=\"sd-legend-head\">" + esc(tr("component_classes")) + "</div><div class=\"sd-row\">";
      S.cfg.majors.forEach(function (m) {
        h += "<span class=\"sd-item\"><i class=\"sd-square\" style=\"background:" + m[2] + "\"></i>" + esc(m[1]) + "</span>";
      });
      h += "</div>";
    }
    if (S.choropleth) {
      h += "<div class=\"sd-legend-head\">" + esc(tr("choropleth")) + "</div><div class=\"sd-row\">";
      CHORO.slice().reverse().forEach(function (c, i, all) {
        var upper = i + 1 < all.length ? all[i + 1][0] - 1 : null;
        var label = upper === null ? c[0] + "+" : (upper === c[0] ? "" + c[0] : c[0] + "–" + upper);
        h += "<span class=\"sd-item\"><i class=\"sd-square\" style=\"background:" + c[1] + "\"></i>" + label + "</span>";
      });
      h += "</div>";
    }
    if (!S.cfg.hasTiles) { h += "<div class=\"sd-note\">" + esc(tr("no_basemap")) + "</div>"; }
    div.innerHTML = h;
  }

  var HANDLERS = {
    set_cases: setCases,
    update_cases: updateCases,
    show_case: showCase,
    set_components: setComponents,
    set_supervisors: setSupervisors,
    pick_mode: pickMode,
    pick_info: pickInfo,
    set_pin: setPin,
    ping: function (msg) { S.send({event: "pong", token: msg.token}); }
  };

  global.seatdesk = S;
})(window);
