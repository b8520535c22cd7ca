/* hongqiao-kg pages: draws the view whose data sits in <script id="hq-data"> with vis-network.
 *
 * Every text from the data reaches the page through textContent (or vis-network's canvas and its tooltip,
 * which uses innerText), never innerHTML, so a label is shown and never run. Positions come precomputed from
 * Python; physics runs only when the data says so (small graphs). window.hq exposes the network for tests.
 */
(function () {
  "use strict";

  var timings = { start: performance.now() };
  var data = JSON.parse(document.getElementById("hq-data").textContent);
  timings.parsed = performance.now();
  var classes = data.classes;
  var regions = data.regions;
  var props = data.props;
  var sources = data.sources;
  var nodesById = new Map();
  data.nodes.forEach(function (n) {
    n.quotes = n.quotes || [];
    nodesById.set(n.id, n);
  });
  var edgesById = new Map();
  var neighbours = new Map();
  data.edges.forEach(function (e, i) {  // an edge's id is its index; its kind sits in data.props
    e.id = i;
    e.kind = props[e.prop];
    e.quotes = e.quotes || [];
    e.facts = e.facts || [];
    edgesById.set(e.id, e);
    if (!neighbours.has(e.from)) neighbours.set(e.from, []);
    if (!neighbours.has(e.to)) neighbours.set(e.to, []);
    neighbours.get(e.from).push(e.id);
    neighbours.get(e.to).push(e.id);
  });
  var large = data.nodes.length > 2000;
  var COLOR = /^#[0-9a-f]{6}$/;

  // ---- small DOM helpers: text only ----------------------------------------------------------------------
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function both(zh, en) {
    var span = el("span", zh);
    if (en && en !== zh) {
      span.appendChild(document.createTextNode(" "));
      var e = el("span", en);
      e.lang = "en";
      span.appendChild(e);
    }
    return span;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function safeUrl(value) { return /^https?:\/\/[^\s]+$/i.test(value) ? value : null; }
  function classColor(c) { return COLOR.test(c.color) ? c.color : "#7f7f7f"; }

  // ---- the drawing ----------------------------------------------------------------------------------------
  // The vis DataSets hold exactly what is drawn; filters add and remove items. vis-network spends ~0.2 ms per
  // edge when it builds a network, so above EDGE_BUDGET candidate links the mentions are left out, then the
  // parts of documents if still too many (never places and parents, nor the selected node's links), and the
  // page says how many links it has not drawn.
  var EDGE_BUDGET = window.HQ_EDGE_BUDGET || 6000;
  var FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif";
  var groups = {};
  classes.forEach(function (c, i) {
    var color = classColor(c);
    groups["c" + i] = { shape: c.shape, color: { background: color, border: color,
      highlight: { background: color, border: "#111111" }, hover: { background: color, border: "#111111" } } };
  });
  var placed = new Map();  // node id -> {x, y} where a view (the provision rings) moves it
  function visNode(n) {
    var at = placed.get(n.id) || n;
    var item = { id: n.id, x: at.x, y: at.y, group: "c" + n.cls,
                 label: n.zh === n.en ? n.zh : n.zh + "\n" + n.en };
    if (data.map) item.value = n.size; else item.size = n.size;  // on maps, labels grow with their node
    if (!large) item.title = n.zh + " / " + n.en + "\n" + classes[n.cls].zh + " / " + classes[n.cls].en;
    return item;
  }
  function visEdge(e) {
    var item = { id: e.id, from: e.from, to: e.to };
    if (e.width) item.width = e.width;
    if (e.kind.arrow) item.arrows = "to";
    if (!large) item.title = e.kind.zh + " / " + e.kind.en;
    return item;
  }

  var state = { text: "", cls: -1, region: -1, provision: null, selected: null };
  var shown = new Set();
  var drawnEdges = new Set();
  var hiddenLinks = 0;

  function passes(n) {
    if (state.cls >= 0 && n.cls !== state.cls) return false;
    if (state.region >= 0 && n.regions.indexOf(state.region) < 0) return false;
    return true;
  }
  function candidateEdges(keep, allowed) {
    var found = [];
    keep.forEach(function (id) {
      (neighbours.get(id) || []).forEach(function (eid) {
        var e = edgesById.get(eid);
        if (e.from === id && keep.has(e.to) && (!allowed || allowed.has(eid))) found.push(eid);
      });
    });
    return found;
  }
  function choose() {
    var base = state.provision ? state.provision.nodes : data.nodes.map(function (n) { return n.id; });
    var allowed = state.provision ? new Set(state.provision.edges) : null;
    var kept = base.filter(function (id) { return passes(nodesById.get(id)); });
    if (state.text) {
      var needle = state.text.toLowerCase();
      var keptSet = new Set(kept);
      var hits = kept.filter(function (id) {
        var n = nodesById.get(id);
        return n.zh.toLowerCase().indexOf(needle) >= 0 || n.en.toLowerCase().indexOf(needle) >= 0;
      });
      var withContext = new Set(hits);
      hits.forEach(function (id) {  // a match keeps its direct neighbours, so it is seen in context
        (neighbours.get(id) || []).forEach(function (eid) {
          if (allowed && !allowed.has(eid)) return;
          var e = edgesById.get(eid);
          var other = e.from === id ? e.to : e.from;
          if (keptSet.has(other)) withContext.add(other);
        });
      });
      kept = kept.filter(function (id) { return withContext.has(id); });
    }
    var keep = new Set(kept);
    var links = candidateEdges(keep, allowed);
    hiddenLinks = 0;
    if (links.length > EDGE_BUDGET) {
      var tiers = [[], [], []];
      links.forEach(function (eid) {
        var e = edgesById.get(eid);
        tiers[e.from === state.selected || e.to === state.selected ? 0 : e.kind.tier].push(eid);
      });
      var few = tiers[0].length + tiers[1].length <= EDGE_BUDGET ? tiers[0].concat(tiers[1]) : tiers[0];
      hiddenLinks = links.length - few.length;
      links = few;
    }
    return { base: base.length, nodes: keep, edges: new Set(links) };
  }
  function removeAll(set, have, want) {
    var gone = [];
    have.forEach(function (id) { if (!want.has(id)) gone.push(id); });
    if (gone.length) set.remove(gone);
  }
  function addAll(set, have, want, items, make) {
    var added = [];
    want.forEach(function (id) { if (!have.has(id)) added.push(make(items.get(id))); });
    if (added.length) set.add(added);
  }
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  function draw(chosenNodes, chosenEdges) {
    removeAll(edges, drawnEdges, chosenEdges);  // edges first: none may point at a node that is gone
    removeAll(nodes, shown, chosenNodes);
    addAll(nodes, shown, chosenNodes, nodesById, visNode);
    addAll(edges, drawnEdges, chosenEdges, edgesById, visEdge);
    shown = chosenNodes;
    drawnEdges = chosenEdges;
  }
  function recompute() {
    var chosen = choose();
    draw(chosen.nodes, chosen.edges);
    var text = shown.size + " / " + chosen.base + " 个节点 nodes · " + drawnEdges.size + " 条连线 links";
    if (hiddenLinks) {
      text += " · 另有 " + hiddenLinks + " 条连线未画出，请筛选或选中节点 / " + hiddenLinks +
        " more links not drawn: filter, or select a node";
    }
    document.getElementById("count").textContent = text;
  }
  function redrawEdges() {  // after a selection, when over budget: the selected node's links join in
    if (!hiddenLinks) return;
    recompute();
  }
  timings.datasets = performance.now();

  var options = {
    autoResize: true,
    groups: groups,
    layout: { improvedLayout: false, randomSeed: 7 },
    physics: {
      enabled: !!data.physics,
      solver: "barnesHut",
      barnesHut: { gravitationalConstant: -3000, springLength: 120, avoidOverlap: 0.2 },
      stabilization: { enabled: true, iterations: 150, fit: true }
    },
    interaction: { hover: !large, tooltipDelay: 250, hideEdgesOnDrag: large, hideEdgesOnZoom: large,
                   navigationButtons: false, keyboard: false },
    nodes: { font: { size: data.font || 14, strokeWidth: 3, strokeColor: "#ffffff", face: FONT },
             borderWidth: 1,
             scaling: { min: 12, max: 60, label: { enabled: !!data.map, min: 18, max: 48, drawThreshold: 6 } } },
    edges: { smooth: false, arrowStrikethrough: false, selectionWidth: 2,
             arrows: { to: { scaleFactor: 0.5 } },
             color: { color: "#8f99a5", highlight: "#1f5fa8", hover: "#1f5fa8", opacity: data.map ? 0.35 : 0.8 } }
  };
  if (!data.provisions.length) recompute();
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, options);
  timings.network = performance.now();
  network.once("afterDrawing", function () { timings.drawn = performance.now(); });

  // ---- details --------------------------------------------------------------------------------------------
  var details = document.getElementById("details");
  function facts(list, dl) {
    list.forEach(function (f) {
      dl.appendChild(el("dt")).appendChild(both(f[0], f[1]));
      var dd = el("dd");
      var url = safeUrl(f[2]);
      if (url) {
        var a = el("a", f[2]);
        a.href = url;
        a.rel = "noopener noreferrer";
        dd.appendChild(a);
      } else {
        dd.textContent = f[2];
      }
      dl.appendChild(dd);
    });
  }
  function quotes(list, more, heading) {
    if (!list.length) return;
    var h = el("h3");
    h.appendChild(both(heading[0], heading[1]));
    details.appendChild(h);
    var ul = el("ul", null, "quotes");
    list.forEach(function (q) {  // [source index, prefix, exact, suffix]
      var src = sources[q[0]];
      var li = el("li", null, "quote");
      var where = (src[2] ? src[2] + " " : "") + src[0] + (src[1] && src[1] !== src[0] ? " " + src[1] : "");
      li.appendChild(el("span", where, "where"));
      li.appendChild(document.createTextNode("…" + q[1]));
      li.appendChild(el("mark", q[2]));
      li.appendChild(document.createTextNode(q[3] + "…"));
      ul.appendChild(li);
    });
    details.appendChild(ul);
    if (more) details.appendChild(el("p", "… 另有 " + more + " 处 / " + more + " more"));
  }
  function nodeButton(id) {
    var n = nodesById.get(id);
    var b = el("button", null, "link");
    b.type = "button";
    b.appendChild(both(n.zh, n.en));
    b.addEventListener("click", function () { select(id); });
    return b;
  }
  function showNode(id) {
    var n = nodesById.get(id);
    if (!n) return;
    var c = classes[n.cls];
    clear(details);
    details.appendChild(el("h2", n.zh, "label-zh"));
    var en = el("p", n.en, "label-en");
    en.lang = "en";
    details.appendChild(en);
    var dl = el("dl");
    facts([["类别", "class", c.zh + " / " + c.en]], dl);
    dl.appendChild(el("dt", "IRI"));
    dl.appendChild(el("dd", n.iri, "iri"));
    facts(n.facts, dl);
    details.appendChild(dl);
    quotes(n.quotes, n.more || 0, ["原文中的提及", "Named in the source"]);
    var linked = (neighbours.get(id) || []).filter(function (eid) { return drawnEdges.has(eid); });
    if (linked.length) {
      var h = el("h3");
      h.appendChild(both("关联", "Links"));
      details.appendChild(h);
      var ul = el("ul");
      linked.slice(0, 200).forEach(function (eid) {
        var e = edgesById.get(eid);
        var li = el("li");
        var other = e.from === id ? e.to : e.from;
        var prop = el("button", (e.from === id ? "→ " : "← ") + e.kind.zh + " / " + e.kind.en + ": ", "link");
        prop.type = "button";
        prop.addEventListener("click", function () { selectEdge(eid); });
        li.appendChild(prop);
        li.appendChild(nodeButton(other));
        ul.appendChild(li);
      });
      details.appendChild(ul);
    }
  }
  function showEdge(id) {
    var e = edgesById.get(id);
    if (!e) return;
    clear(details);
    var h = el("h2");
    h.appendChild(both(e.kind.zh, e.kind.en));
    details.appendChild(h);
    var p = el("p", null, "ends");
    p.appendChild(nodeButton(e.from));
    p.appendChild(document.createTextNode(e.kind.arrow ? " → " : " — "));
    p.appendChild(nodeButton(e.to));
    details.appendChild(p);
    var dl = el("dl");
    facts(e.facts, dl);
    details.appendChild(dl);
    quotes(e.quotes, e.more || 0, ["原文依据", "Quoted from the source"]);
  }
  function select(id) {
    if (!shown.has(id)) return false;
    state.selected = id;
    redrawEdges();
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 0.8), animation: false });
    showNode(id);
    markMentions(id);
    return true;
  }
  function selectEdge(id) {
    if (!drawnEdges.has(id)) return false;
    network.selectEdges([id]);
    showEdge(id);
    return true;
  }
  network.on("click", function (params) {
    if (params.nodes.length) {
      state.selected = params.nodes[0];
      redrawEdges();
      showNode(params.nodes[0]);
      markMentions(params.nodes[0]);
    } else if (params.edges.length) {
      showEdge(params.edges[0]);
    }
  });

  // ---- controls -------------------------------------------------------------------------------------------
  function option(select, value, text) {
    var o = el("option", text);
    o.value = String(value);
    select.appendChild(o);
  }
  var classSelect = document.getElementById("class-select");
  option(classSelect, -1, "全部类别 / all classes");
  classes.forEach(function (c, i) { option(classSelect, i, c.zh + " / " + c.en + " (" + c.count + ")"); });
  var regionSelect = document.getElementById("region-select");
  option(regionSelect, -1, "全部区域 / all regions");
  regions.forEach(function (r, i) { option(regionSelect, i, r.zh + " / " + r.en); });
  classSelect.addEventListener("change", function () {
    state.cls = Number(classSelect.value);
    syncLegend();
    recompute();
  });
  regionSelect.addEventListener("change", function () { state.region = Number(regionSelect.value); recompute(); });
  var search = document.getElementById("search");
  search.addEventListener("input", function () { state.text = search.value.trim(); recompute(); });
  document.getElementById("controls").addEventListener("submit", function (event) { event.preventDefault(); });

  var legend = document.getElementById("legend");
  var legendButtons = [];
  classes.forEach(function (c, i) {
    var b = el("button");
    b.type = "button";
    b.setAttribute("aria-pressed", "false");
    var glyph = el("span", c.glyph, "glyph");
    glyph.style.color = classColor(c);
    b.appendChild(glyph);
    b.appendChild(both(c.zh, c.en));
    b.appendChild(document.createTextNode(" (" + c.count + ")"));
    b.addEventListener("click", function () {
      state.cls = state.cls === i ? -1 : i;
      classSelect.value = String(state.cls);
      syncLegend();
      recompute();
    });
    legendButtons.push(b);
    legend.appendChild(b);
  });
  function syncLegend() {
    legendButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(state.cls === i)); });
  }

  // ---- the provision view (measures page) -----------------------------------------------------------------
  var provisionSelect = document.getElementById("provision-select");
  var provisionText = document.getElementById("provision-text");
  var provisionTitle = document.getElementById("provision-title");
  function segments(target, list) {
    clear(target);
    list.forEach(function (s) {
      if (!s[1].length) { target.appendChild(document.createTextNode(s[0])); return; }
      var m = el("mark", s[0]);
      var first = nodesById.get(s[1][0]);
      m.style.setProperty("--hq-color", classColor(classes[first.cls]));
      m.dataset.nodes = s[1].join(" ");
      m.title = s[1].map(function (id) { var n = nodesById.get(id); return n.zh + " / " + n.en; }).join("\n");
      m.addEventListener("click", function () { select(s[1][0]); });
      target.appendChild(m);
    });
  }
  function markMentions(id) {
    if (!state.provision) return;
    provisionText.querySelectorAll("mark").forEach(function (m) {
      m.classList.toggle("on", m.dataset.nodes.split(" ").indexOf(String(id)) >= 0);
    });
  }
  function radial(entry) {
    // The provision in the middle, what it names (and its parent) on a ring, their context on an outer ring.
    var centre = entry.node;
    var inner = [], outer = [];
    var direct = new Set();
    entry.edges.forEach(function (eid) {
      var e = edgesById.get(eid);
      if (e.from === centre) direct.add(e.to);
    });
    entry.nodes.forEach(function (id) { if (id !== centre) (direct.has(id) ? inner : outer).push(id); });
    function byClass(a, b) {
      var na = nodesById.get(a), nb = nodesById.get(b);
      return na.cls - nb.cls || (na.zh < nb.zh ? -1 : na.zh > nb.zh ? 1 : a - b);
    }
    inner.sort(byClass);
    var r1 = Math.max(180, inner.length * 60 / (2 * Math.PI));
    var angle = new Map();
    placed.clear();
    var updates = [{ id: centre, x: 0, y: 0 }];
    inner.forEach(function (id, i) {
      var a = 2 * Math.PI * i / Math.max(1, inner.length) - Math.PI / 2;
      angle.set(id, a);
      updates.push({ id: id, x: r1 * Math.cos(a), y: r1 * Math.sin(a) });
    });
    outer.forEach(function (id) {  // beside the ring node it is linked to
      var sum = 0, k = 0;
      entry.edges.forEach(function (eid) {
        var e = edgesById.get(eid);
        var other = e.from === id ? e.to : e.to === id ? e.from : null;
        if (other !== null && angle.has(other)) { sum += angle.get(other); k += 1; }
      });
      angle.set(id, k ? sum / k : 0);
    });
    outer.sort(function (a, b) { return angle.get(a) - angle.get(b) || a - b; });
    var r2 = Math.max(r1 + 150, outer.length * 50 / (2 * Math.PI));
    outer.forEach(function (id, i) {
      var a = angle.get(id) + (i % 2 ? 0.04 : -0.04);
      updates.push({ id: id, x: r2 * Math.cos(a), y: r2 * Math.sin(a) });
    });
    updates.forEach(function (u) { placed.set(u.id, u); });
  }
  function showProvision(index) {
    var entry = data.provisions[index];
    if (!entry) return false;
    state.provision = entry;
    provisionSelect.value = String(index);
    clear(provisionTitle);
    provisionTitle.appendChild(both(entry.zh, entry.en));
    if (entry.title.length) {
      var t = el("span", null, "provision-heading");
      segments(t, entry.title);
      provisionTitle.appendChild(document.createTextNode(" "));
      provisionTitle.appendChild(t);
    }
    segments(provisionText, entry.text);
    radial(entry);
    state.selected = null;
    draw(new Set(), new Set());  // the rings move every node: draw afresh
    recompute();
    network.fit({ animation: false });
    showNode(entry.node);
    if (history.replaceState) history.replaceState(null, "", "#" + entry.key);
    return true;
  }
  if (data.provisions.length) {
    data.provisions.forEach(function (p, i) { option(provisionSelect, i, p.zh + " " + p.en); });
    provisionSelect.addEventListener("change", function () { showProvision(Number(provisionSelect.value)); });
    var wanted = decodeURIComponent(location.hash.slice(1));
    var start = data.provisions.findIndex(function (p) { return p.key === wanted; });
    if (start < 0) {  // the first measure, not the preamble
      start = data.provisions.findIndex(function (p) { return nodesById.get(p.node).iri.indexOf("/measure/") >= 0; });
    }
    showProvision(Math.max(0, start));
  }

  // ---- for tests and for the curious ----------------------------------------------------------------------
  window.hq = {
    data: data, network: network, nodes: nodes, edges: edges,
    shownCount: function () { return nodes.length; },
    shownEdgeCount: function () { return edges.length; },
    findNode: function (iri) {
      var found = data.nodes.find(function (n) { return n.iri === iri; });
      return found ? found.id : null;
    },
    select: select, selectEdge: selectEdge, showProvision: showProvision,
    setFilter: function (cls, region, text) {
      state.cls = cls; state.region = region; state.text = text || "";
      classSelect.value = String(cls); regionSelect.value = String(region); search.value = state.text;
      syncLegend();
      recompute();
      return nodes.length;
    },
    ready: false, timings: timings
  };
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });  // settled: nodes stay where a reader drags them
      window.hq.ready = true;
    });
  } else {
    window.hq.ready = true;
  }
})();
