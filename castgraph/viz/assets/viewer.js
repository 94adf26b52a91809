/* castgraph viewer: draws the embedded view with vis-network.
 * Every text from the data goes through textContent or the canvas, never innerHTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("castgraph-data").textContent);
  var colors = data.colors;
  var byId = new Map();
  var adjacency = new Map();
  var maxWeight = 1;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  // Names are compared as castgraph's lookup compares them (castgraph/queries/lookup.py):
  // folded (NFKC, case, spaces), and by resolution's name key (accents, legal suffixes,
  // spacing and punctuation: "GitHub, Inc." = "github", "Hugging Face" = "huggingface").
  function clean(text) {
    return String(text || "").normalize("NFKC").replace(/\s+/g, " ").trim();
  }
  function norm(text) { return clean(text).toLowerCase(); }
  var legalSuffixes = new Set((data.lookup && data.lookup.legal_suffixes) || []);
  var alnum = /[\p{L}\p{N}]/u;
  function stripSuffixes(text) {
    text = text.trim();
    while (text) {
      var cut = Math.max(text.lastIndexOf(" "), text.lastIndexOf(","));
      if (cut > 0 && legalSuffixes.has(text.slice(cut + 1).toLowerCase().replace(/\.+$/, ""))) {
        text = text.slice(0, cut).replace(/[ ,]+$/, "");
        continue;
      }
      var low = text.slice(-4).toLowerCase();
      if (low === ".com" && text.length > 4 && alnum.test(text[text.length - 5])) { text = text.slice(0, -4); continue; }
      if (low.slice(1) === ".io" && text.length > 3 && alnum.test(text[text.length - 4])) { text = text.slice(0, -3); continue; }
      break;
    }
    return text;
  }
  function stripAccents(text) {
    if (/^[\x00-\x7f]*$/.test(text)) return text;
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").normalize("NFC");
  }
  var tokenRe = /\p{Nd}+(?:\.\p{Nd}+)*|[\p{L}\p{Nl}\p{No}]+[+#]*|[+#]+/gu;
  function nameKey(text) {
    var t = stripAccents(stripSuffixes(clean(text))).toLowerCase().replace(/&/g, " and ");
    var tokens = t.match(tokenRe) || [];
    var key = "";
    tokens.forEach(function (tok, i) {
      // Two numbers in a row keep a space ("3 5" is not "35").
      if (i && /\p{Nd}$/u.test(tokens[i - 1]) && /^\p{Nd}/u.test(tok)) key += " ";
      key += tok;
    });
    return key;
  }
  function short(text, n) {
    text = String(text || "");
    return text.length > n ? text.slice(0, n - 1) + "\u2026" : text;
  }
  function webUrl(url) {
    // Only http(s) addresses become links: never javascript:, data: or the like.
    try {
      var parsed = new URL(String(url || ""));
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "";
    } catch (e) {
      return "";
    }
  }
  function clock(seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds)) return "";
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(r).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }
  function colorOf(type) { return colors[type] || colors.Other || "#999"; }

  var shapes = { Episode: "diamond", Topic: "triangle" };
  var ORIGIN_LABELS = { listed: "listed", person_tag: "feed person tag", title_pattern: "named in the title",
                        hashtag: "a hashtag", text_link: "found in the text" };
  var visNodes = data.nodes.map(function (n) {
    byId.set(n.id, n);
    adjacency.set(n.id, []);
    var names = [n.name].concat(n.aliases || []);
    n.search = names.map(norm);
    n.keys = names.map(nameKey).filter(Boolean);
    n.former = n.former_ids || [];
    var c = colorOf(n.type);
    var node = {
      id: n.id,
      label: short(n.name, n.kind === "Episode" ? 28 : 32),
      shape: shapes[n.kind] || "dot",
      color: { background: c, border: "#555", highlight: { background: c, border: "#000" },
               hover: { background: c, border: "#000" } },
      font: { color: "#222" }
    };
    // Episodes hold the graph together: a fixed, clear size and a darker label.
    if (n.kind === "Episode") { node.size = 14; node.font = { color: "#7a1f1f", size: 15 }; }
    else node.value = Math.max(1, n.episodes || 1);
    if (n.id === data.center) { node.borderWidth = 3; node.font = { color: "#000", bold: true }; }
    return node;
  });
  var visEdges = data.edges.map(function (e, i) {
    maxWeight = Math.max(maxWeight, e.weight);
    adjacency.get(e.from).push(i);
    adjacency.get(e.to).push(i);
    return { id: i, from: e.from, to: e.to, value: e.weight };
  });

  // Filters: types switched on, mention origins switched on and the minimum link weight.
  var typeOn = {};
  var originOn = {};
  var minWeight = 1;
  function linkShown(e) {
    return e.weight >= minWeight && (!e.origin || originOn[e.origin] !== false);
  }
  var visibleNodes = new Set(data.nodes.map(function (n) { return n.id; }));
  function nodeShown(n) {
    if (!typeOn[n.type]) return false;
    if (minWeight <= 1) return true;
    return adjacency.get(n.id).some(function (i) {
      var e = data.edges[i];
      var other = byId.get(e.from === n.id ? e.to : e.from);
      return linkShown(e) && typeOn[other.type];
    });
  }
  function recompute() {
    visibleNodes = new Set();
    data.nodes.forEach(function (n) { if (nodeShown(n)) visibleNodes.add(n.id); });
  }
  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var nodeView = new vis.DataView(nodes, { filter: function (n) { return visibleNodes.has(n.id); } });
  var edgeView = new vis.DataView(edges, {
    filter: function (e) {
      return linkShown(data.edges[e.id]) && visibleNodes.has(e.from) && visibleNodes.has(e.to);
    }
  });

  var large = data.nodes.length > 400;
  var options = {
    autoResize: true,
    layout: { randomSeed: 7, improvedLayout: data.nodes.length <= 150 },
    nodes: {
      shape: "dot",
      scaling: { min: 8, max: 40, label: { enabled: true, min: 14, max: 30, drawThreshold: 5 } },
      font: { size: 14, face: "system-ui, 'Noto Sans CJK JP', sans-serif", strokeWidth: 3, strokeColor: "#ffffff" }
    },
    edges: {
      smooth: false,
      color: { color: "#b8b8b8", highlight: "#333", hover: "#666" },
      scaling: { min: 1, max: 6 }
    },
    physics: {
      solver: "forceAtlas2Based",
      forceAtlas2Based: { gravitationalConstant: -60, springLength: 90, avoidOverlap: 0.4 },
      stabilization: { enabled: true, iterations: large ? 150 : 500, updateInterval: 50, fit: true },
      minVelocity: 1.5
    },
    interaction: { hover: true, tooltipDelay: 80, hideEdgesOnDrag: large, hideEdgesOnZoom: large,
                   navigationButtons: false, keyboard: false }
  };
  var container = document.getElementById("graph");
  var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, options);
  window.network = network;
  window.castgraph = { data: data, nodes: nodes, edges: edges, ready: false };

  var status = document.getElementById("status");
  function showStatus(extra) {
    var shown = nodeView.length, links = edgeView.length;
    status.textContent = shown + " nodes \u00b7 " + links + " links shown" + (extra ? " \u00b7 " + extra : "");
  }
  function ready() {
    if (window.castgraph.ready) return;
    network.setOptions({ physics: { enabled: false } });
    window.castgraph.ready = true;
    document.body.setAttribute("data-ready", "true");
    showStatus("");
  }
  network.on("stabilizationProgress", function (p) {
    showStatus("laying out " + Math.round(100 * p.iterations / p.total) + "%");
  });
  network.once("stabilizationIterationsDone", ready);
  network.once("stabilized", ready);
  if (data.nodes.length === 0) ready();

  // Note on what was left out.
  if (data.note) {
    var note = document.getElementById("note");
    note.textContent = data.note;
    note.hidden = false;
  }

  // Legend, which doubles as the type filter.
  var legend = document.getElementById("legend");
  legend.appendChild(el("h2", null, "Types"));
  var counts = {};
  data.nodes.forEach(function (n) { counts[n.type] = (counts[n.type] || 0) + 1; });
  data.type_order.filter(function (t) { return counts[t]; }).forEach(function (type) {
    typeOn[type] = true;
    var label = el("label");
    label.setAttribute("data-type", type);
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", function () { typeOn[type] = box.checked; applyFilters(); });
    var swatch = el("span", "swatch");
    swatch.style.background = colorOf(type);
    label.append(box, swatch, el("span", "type-name", type), el("span", "count", counts[type]));
    legend.appendChild(label);
  });
  // Mentions by how they were obtained (listed, found in the text, a hashtag, ...): a filter too.
  var originCounts = {};
  data.edges.forEach(function (e) { if (e.origin) originCounts[e.origin] = (originCounts[e.origin] || 0) + 1; });
  var origins = (data.origin_order || []).filter(function (o) { return originCounts[o]; });
  Object.keys(originCounts).sort().forEach(function (o) { if (origins.indexOf(o) < 0) origins.push(o); });
  if (origins.length) {
    var originBox = el("section", "origins");
    originBox.id = "origins";
    originBox.appendChild(el("h2", null, "Mentions"));
    origins.forEach(function (origin) {
      originOn[origin] = true;
      var label = el("label");
      label.setAttribute("data-origin", origin);
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.addEventListener("change", function () { originOn[origin] = box.checked; applyFilters(); });
      label.append(box, el("span", "type-name", ORIGIN_LABELS[origin] || origin),
                   el("span", "count", originCounts[origin]));
      originBox.appendChild(label);
    });
    legend.after(originBox);
  }
  window.castgraph.setOrigins = function (shown) {
    Object.keys(originOn).forEach(function (o) {
      originOn[o] = shown.indexOf(o) >= 0;
      var box = document.querySelector('#origins label[data-origin="' + CSS.escape(o) + '"] input');
      if (box) box.checked = originOn[o];
    });
    applyFilters();
  };
  var weightInput = document.getElementById("min-weight");
  weightInput.max = String(maxWeight);
  if (maxWeight <= 1) document.getElementById("weight-filter").title += " (every link here has weight 1)";
  weightInput.addEventListener("input", function () {
    var value = parseInt(weightInput.value, 10);
    minWeight = isFinite(value) && value > 0 ? value : 1;
    applyFilters();
  });
  function applyFilters() {
    recompute();
    nodeView.refresh();
    edgeView.refresh();
    showStatus("");
  }
  window.castgraph.setFilter = function (types, weight) {
    if (types) Object.keys(typeOn).forEach(function (t) {
      typeOn[t] = types.indexOf(t) >= 0;
      var box = legend.querySelector('label[data-type="' + CSS.escape(t) + '"] input');
      if (box) box.checked = typeOn[t];
    });
    if (weight) { minWeight = weight; weightInput.value = String(weight); }
    applyFilters();
  };

  // Hover: a tooltip built from DOM elements.
  var tooltip = document.getElementById("tooltip");
  function showTooltip(id, pointer) {
    var n = byId.get(id);
    if (!n) return;
    tooltip.replaceChildren();
    tooltip.appendChild(el("div", "name", n.name));
    tooltip.appendChild(el("div", "type", n.kind === "Entity" ? n.type : n.kind));
    if (n.aliases && n.aliases.length) tooltip.appendChild(el("div", "aliases", "also: " + n.aliases.join(", ")));
    if (n.show) tooltip.appendChild(el("div", "type", n.show + (n.date ? " \u00b7 " + n.date : "")));
    if (n.description) tooltip.appendChild(el("div", "desc", short(n.description, 280)));
    if (n.kind !== "Episode") tooltip.appendChild(el("div", "count", n.episodes + (n.episodes === 1 ? " episode" : " episodes")));
    var box = container.getBoundingClientRect();
    tooltip.style.left = Math.min(box.left + pointer.x + 14, window.innerWidth - 350) + "px";
    tooltip.style.top = (box.top + pointer.y + 14) + "px";
    tooltip.hidden = false;
  }
  network.on("hoverNode", function (p) { showTooltip(p.node, p.pointer.DOM); });
  network.on("blurNode", function () { tooltip.hidden = true; });
  network.on("dragStart", function () { tooltip.hidden = true; });

  // Click: highlight the neighbourhood and list the node's episodes.
  var panel = document.getElementById("panel");
  var dimmed = false;
  function highlight(id) {
    var keep = new Set(network.getConnectedNodes(id));
    keep.add(id);
    var updates = [];
    visNodes.forEach(function (v) {
      var near = keep.has(v.id);
      var c = near ? colorOf(byId.get(v.id).type) : "rgba(205,205,205,0.6)";
      updates.push({ id: v.id, color: { background: c, border: near ? "#555" : "#ddd" },
                     font: Object.assign({}, v.font, { color: near ? "#111" : "rgba(0,0,0,0.25)" }) });
    });
    nodes.update(updates);
    dimmed = true;
  }
  function clearHighlight() {
    if (!dimmed) return;
    nodes.update(visNodes.map(function (v) { return { id: v.id, color: v.color, font: v.font }; }));
    dimmed = false;
    panel.hidden = true;
    panel.replaceChildren();
  }
  function episodeItem(ref) {
    var ep = data.episodes[ref[0]] || { title: ref[0] };
    var li = el("li");
    var url = webUrl(ep.url);
    if (url) {
      var a = el("a", null, ep.title);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      li.appendChild(a);
    } else if (byId.has(ref[0])) {
      var b = el("button", "link", ep.title);
      b.addEventListener("click", function () { focusNode(ref[0]); });
      li.appendChild(b);
    } else {
      li.appendChild(el("span", null, ep.title));
    }
    var when = [ep.show, ep.date].filter(Boolean).join(" \u00b7 ");
    if (ref[1] !== null && ref[1] !== undefined) when += (when ? " \u00b7 " : "") + "at " + clock(ref[1]);
    if (ref[2]) when += (when ? " \u2014 " : "") + ref[2];
    if (ref[3] && ref[3] !== "listed") when += (when ? " \u00b7 " : "") + (ORIGIN_LABELS[ref[3]] || ref[3]);
    if (when) li.appendChild(el("span", "when", when));
    return li;
  }
  function showPanel(id) {
    var n = byId.get(id);
    panel.replaceChildren();
    panel.appendChild(el("h2", null, n.name));
    panel.appendChild(el("div", "meta", (n.kind === "Entity" ? n.type : n.kind) +
      (n.kind !== "Episode" ? " \u00b7 " + n.episodes + (n.episodes === 1 ? " episode" : " episodes") : "")));
    if (n.aliases && n.aliases.length) panel.appendChild(el("div", "meta", "also: " + n.aliases.join(", ")));
    if (n.kind === "Entity" && n.roles && n.roles.length) {
      panel.appendChild(el("div", "meta roles", "credited as " + n.roles.map(function (r) {
        return r[0] + " (" + r[1] + (r[1] === 1 ? " episode)" : " episodes)");
      }).join(", ")));
    }
    if (n.kind === "Episode") {
      var meta = [n.show, n.author ? "by " + n.author : "", n.number, n.date].filter(Boolean).join(" \u00b7 ");
      if (meta) panel.appendChild(el("div", "meta", meta));
      var url = webUrl(n.url);
      if (url) {
        var a = el("a", null, "Open episode");
        a.href = url; a.target = "_blank"; a.rel = "noopener noreferrer";
        panel.appendChild(a);
      }
    }
    if (n.description) panel.appendChild(el("p", "desc", short(n.description, 600)));
    if (n.kind === "Episode") {
      var ep = data.episodes[id];
      if (ep && ep.chapters && ep.chapters.length) {
        panel.appendChild(el("h2", null, "Chapters"));
        var cl = el("ul", "chapters");
        ep.chapters.forEach(function (ch) {
          cl.appendChild(el("li", null, (ch[0] !== null ? clock(ch[0]) + " " : "") + ch[1]));
        });
        panel.appendChild(cl);
      }
      var linked = network.getConnectedNodes(id).map(function (x) { return byId.get(x); })
        .filter(function (x) { return x && x.kind !== "Episode"; });
      if (linked.length) {
        panel.appendChild(el("h2", null, "Mentions"));
        var ml = el("ul", "mentions");
        linked.forEach(function (x) {
          var li = el("li");
          var b = el("button", "link", x.name);
          b.addEventListener("click", function () { focusNode(x.id); });
          var role = n.roles && Object.prototype.hasOwnProperty.call(n.roles, x.id) ? n.roles[x.id] : "";
          li.append(b, el("span", "when", (x.kind === "Entity" ? x.type : x.kind) + (role ? " \u00b7 " + role : "")));
          ml.appendChild(li);
        });
        panel.appendChild(ml);
      }
    } else {
      panel.appendChild(el("h2", null, "Episodes"));
      var list = el("ul", "episodes");
      (n.refs || []).forEach(function (ref) { list.appendChild(episodeItem(ref)); });
      panel.appendChild(list);
      if (n.more) panel.appendChild(el("div", "meta", "and " + n.more + " more"));
    }
    // The curation script adds surfaces and decisions to an entity's panel.
    if (n.kind === "Entity" && window.castgraph.onEntityPanel) window.castgraph.onEntityPanel(n, panel);
    panel.hidden = false;
  }
  function selectNode(id) {
    highlight(id);
    showPanel(id);
    network.selectNodes([id]);
    window.castgraph.selected = id;
  }
  network.on("click", function (p) {
    if (p.nodes.length) selectNode(p.nodes[0]);
    else { clearHighlight(); window.castgraph.selected = null; }
  });

  // Search by name or alias; Enter or a click focuses the node.
  var search = document.getElementById("search");
  var results = document.getElementById("search-results");
  var matches = [];
  function find(query) {
    var q = norm(query);
    if (!q) return [];
    var key = nameKey(query), raw = String(query).trim();
    var found = [];
    data.nodes.forEach(function (n) {
      // An id or former id, a folded name, or the same name key: exact hits first.
      var rank = n.id === raw || n.former.indexOf(raw) >= 0 ? 4 : -1;
      if (key && n.keys.indexOf(key) >= 0) rank = Math.max(rank, 3);
      n.search.forEach(function (s) {
        var r = s === q ? 3 : s.indexOf(q) === 0 ? 2 : s.indexOf(q) >= 0 ? 1 : -1;
        if (r > rank) rank = r;
      });
      if (rank >= 0) found.push([rank, n]);
    });
    found.sort(function (a, b) { return b[0] - a[0] || b[1].episodes - a[1].episodes || (a[1].name < b[1].name ? -1 : 1); });
    return found.slice(0, 12).map(function (x) { return x[1]; });
  }
  function focusNode(id) {
    var n = byId.get(id);
    if (!n) return false;
    if (!visibleNodes.has(id)) {
      // A search hit hidden by the filters: show its type again and drop the weight floor.
      typeOn[n.type] = true;
      var box = legend.querySelector('label[data-type="' + CSS.escape(n.type) + '"] input');
      if (box) box.checked = true;
      minWeight = 1; weightInput.value = "1";
      applyFilters();
    }
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300 } });
    selectNode(id);
    return true;
  }
  search.addEventListener("input", function () {
    matches = find(search.value);
    results.replaceChildren();
    matches.forEach(function (n, i) {
      var li = el("li", i === 0 ? "active" : null);
      li.setAttribute("data-id", n.id);
      li.append(el("span", "name", n.name), el("span", "type", n.kind === "Entity" ? n.type : n.kind));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); focusNode(n.id); results.hidden = true; });
      results.appendChild(li);
    });
    if (!matches.length && search.value.trim()) results.appendChild(el("li", "none", "no match"));
    results.hidden = !search.value.trim();
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && matches.length) { focusNode(matches[0].id); results.hidden = true; }
    if (ev.key === "Escape") results.hidden = true;
  });
  search.addEventListener("blur", function () { results.hidden = true; });
  window.castgraph.find = function (q) { return find(q).map(function (n) { return n.id; }); };
  window.castgraph.nameKey = nameKey;
  window.castgraph.focus = focusNode;
  window.castgraph.select = selectNode;
  if (!window.castgraph.ready) showStatus("laying out");
})();
