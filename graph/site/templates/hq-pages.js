/* hongqiao-kg pages: draws the view whose data sits in <script id="hq-data"> with vis-network.
 *
 * Every text from the data reaches the page through textContent (or the canvas, and vis-network's tooltip,
 * which uses innerText), never innerHTML, so a label is shown and never run. Positions come precomputed from
 * Python; physics runs only when the data says so (small graphs). Labels are drawn by this script over the
 * network, in screen pixels, highest rank first, and a label that would overlap one already drawn is left out
 * (zoom in to see more). Maps draw their boundaries under the network. window.hq exposes it all for tests.
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
    n.prov = n.prov || [];
    nodesById.set(n.id, n);
  });
  var edgesById = new Map();
  var neighbours = new Map();
  data.edges.forEach(function (e, i) {  // an edge's id is its index; its kind sits in data.props
    e.id = i;
    e.kind = props[e.prop];
    e.quotes = e.quotes || [];
    e.facts = e.facts || [];
    e.pv = e.pv || [];
    edgesById.set(e.id, e);
    if (!neighbours.has(e.from)) neighbours.set(e.from, []);
    if (!neighbours.has(e.to)) neighbours.set(e.to, []);
    neighbours.get(e.from).push(e.id);
    neighbours.get(e.to).push(e.id);
  });
  var large = data.nodes.length > 2000;
  var hasThings = data.edges.some(function (e) { return e.thing; });
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
  // The embedded subset first (lib/hq-font.woff2 holds every character of the site), system fonts after it.
  var FONT = "'HQ Sans SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
  var groups = {};
  classes.forEach(function (c, i) {
    var color = classColor(c);
    groups["c" + i] = { shape: c.shape, color: { background: color, border: color,
      highlight: { background: color, border: "#111111" }, hover: { background: color, border: "#111111" } } };
  });
  var placed = new Map();  // node id -> {x, y} where a view (the provision rings) moves it
  function visNode(n) {
    var at = placed.get(n.id) || n;
    var item = { id: n.id, x: at.x, y: at.y, group: "c" + n.cls };  // labels: drawLabels
    if (data.map) item.value = n.size; else item.size = n.size;  // on maps, labels grow with their node
    if (!large) item.title = n.zh + " / " + n.en + "\n" + classes[n.cls].zh + " / " + classes[n.cls].en;
    return item;
  }
  function visEdge(e) {
    var item = { id: e.id, from: e.from, to: e.to };
    if (e.width) item.width = e.width;
    if (e.kind.arrow) item.arrows = "to";
    var color = COLOR.test(e.color || "") ? e.color : (COLOR.test(e.kind.color || "") ? e.kind.color : null);
    if (color) item.color = { color: color, highlight: "#111111", hover: "#111111", opacity: 0.75 };
    if (!large) item.title = e.kind.zh + " / " + e.kind.en;
    return item;
  }

  var state = { text: "", cls: -1, region: -1, provision: null, selected: null,
                kind: -1, province: -1, doc: -1, measure: -1, ego: new Set() };
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
  function inProvince(id) { return nodesById.get(id).prov.indexOf(state.province) >= 0; }
  function edgePasses(e) {  // the map's filters: kind, province, document, measure; a corridor's class
    if (state.kind >= 0 && e.prop !== state.kind) return false;
    if (state.doc >= 0 && !e.pv.some(function (s) { return sources[s][3] === state.doc; })) return false;
    if (state.measure >= 0 && e.pv.indexOf(state.measure) < 0) return false;
    if (state.province >= 0 && !inProvince(e.from) && !inProvince(e.to)) return false;
    if (e.thing && state.cls >= 0 && e.thing.cls !== state.cls) return false;
    return true;
  }
  function edgeFiltered() {
    return state.kind >= 0 || state.doc >= 0 || state.measure >= 0 || state.province >= 0 || state.ego.size > 0;
  }
  function choose() {
    var base = state.provision ? state.provision.nodes : data.nodes.map(function (n) { return n.id; });
    var allowed = state.provision ? new Set(state.provision.edges) : null;
    var byEdges = edgeFiltered();
    var corridorClass = state.cls >= 0 && hasThings;
    var kept;
    if (byEdges || corridorClass) {  // the links decide: what passes, and the places at their ends
      var ok = new Set(), ends = new Set();
      data.edges.forEach(function (e) {
        if (allowed && !allowed.has(e.id)) return;
        if (!edgePasses(e)) return;
        if (state.ego.size && !state.ego.has(e.from) && !state.ego.has(e.to)) return;
        ok.add(e.id);
        if (byEdges || e.thing) { ends.add(e.from); ends.add(e.to); }
      });
      allowed = ok;
      state.ego.forEach(function (id) { ends.add(id); });
      if (state.province >= 0 && !state.ego.size) {
        base.forEach(function (id) { if (inProvince(id)) ends.add(id); });
      }
      kept = base.filter(function (id) {
        var n = nodesById.get(id);
        return byEdges ? ends.has(id) && passes(n) : ends.has(id) || passes(n);
      });
    } else {
      kept = base.filter(function (id) { return passes(nodesById.get(id)); });
    }
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
  function recompute(fit) {
    var chosen = choose();
    draw(chosen.nodes, chosen.edges);
    if (fit && network && shown.size) network.fit({ animation: false });  // filters and legends refit
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
    nodes: { borderWidth: 1, scaling: { min: 12, max: 60, label: { enabled: false } } },
    edges: { smooth: false, arrowStrikethrough: false, selectionWidth: 2,
             arrows: { to: { scaleFactor: 0.5 } },
             color: { color: "#8f99a5", highlight: "#1f5fa8", hover: "#1f5fa8", opacity: data.map ? 0.35 : 0.8 } }
  };
  if (!data.provisions.length) recompute();
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, options);
  timings.network = performance.now();
  network.once("afterDrawing", function () { timings.drawn = performance.now(); });

  // ---- the map under the network ---------------------------------------------------------------------------
  var PROVINCE_FILL = ["#fde0c5", "#d6e6f4", "#dcefd6", "#fbeec1", "#eadcf1", "#f3dcdc"];
  var provinceColour = {};
  var shapes = (data.shapes || []).map(function (sh) {
    var path = new Path2D();
    sh.rings.forEach(function (ring) {
      for (var i = 0; i < ring.length; i += 2) {
        if (i === 0) path.moveTo(ring[0], ring[1]); else path.lineTo(ring[i], ring[i + 1]);
      }
      path.closePath();
    });
    if (!(sh.province in provinceColour)) {
      provinceColour[sh.province] = PROVINCE_FILL[Object.keys(provinceColour).length % PROVINCE_FILL.length];
    }
    return { level: sh.level, name: sh.name, code: sh.code, province: sh.province, path: path };
  });
  var mapDrawn = 0;
  network.on("beforeDrawing", function (ctx) {
    if (!shapes.length) return;
    var scale = network.getScale();
    mapDrawn = 0;
    shapes.forEach(function (sh) {
      if (sh.level !== "prefecture") return;
      ctx.fillStyle = provinceColour[sh.province];
      ctx.fill(sh.path, "evenodd");
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.2 / scale;
      ctx.stroke(sh.path);
      mapDrawn += 1;
    });
    shapes.forEach(function (sh) {
      if (sh.level !== "province") return;
      ctx.strokeStyle = "#7b8594";
      ctx.lineWidth = 2 / scale;
      ctx.stroke(sh.path);
      mapDrawn += 1;
    });
  });

  // ---- labels: drawn in screen pixels, never overlapping ---------------------------------------------------
  var LABEL_ZH = 13, LABEL_EN = 11, LABEL_GAP = 2, LABEL_MAX = 600;
  var labelOrder = data.nodes.map(function (n) { return n.id; }).sort(function (a, b) {
    return (nodesById.get(b).rank || 0) - (nodesById.get(a).rank || 0) || a - b;
  });
  var labelWidths = new Map();  // id -> [zh width, en width], measured once the font is in
  var labels = [];
  function overlaps(box, grid) {
    var found = false;
    cells(box, function (key) {
      (grid.get(key) || []).forEach(function (other) {
        if (box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3]) found = true;
      });
    });
    return found;
  }
  function cells(box, visit) {
    for (var gx = Math.floor(box[0] / 80); gx <= Math.floor(box[2] / 80); gx++) {
      for (var gy = Math.floor(box[1] / 40); gy <= Math.floor(box[3] / 40); gy++) visit(gx + ":" + gy);
    }
  }
  function drawLabels(ctx) {
    var canvas = ctx.canvas;
    var ratio = canvas.width / canvas.clientWidth || 1;
    var width = canvas.clientWidth, height = canvas.clientHeight;
    var scale = network.getScale();
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    var grid = new Map();
    var placedNow = [];
    var order = state.selected !== null && shown.has(state.selected) ? [state.selected].concat(labelOrder) : labelOrder;
    var positions = network.getPositions(Array.from(shown));
    for (var i = 0; i < order.length && placedNow.length < LABEL_MAX; i++) {
      var id = order[i];
      if (!shown.has(id) || (i > 0 && id === state.selected)) continue;
      var n = nodesById.get(id), at = positions[id];
      if (!at) continue;
      var dom = network.canvasToDOM(at);
      if (dom.x < -50 || dom.y < -50 || dom.x > width + 50 || dom.y > height + 50) continue;
      var body = network.body.nodes[id];
      var radius = (body && body.shape && body.shape.radius ? body.shape.radius : n.size) * scale;
      var w = labelWidths.get(id);
      if (!w) {
        ctx.font = LABEL_ZH + "px " + FONT;
        var wz = ctx.measureText(n.zh).width;
        ctx.font = LABEL_EN + "px " + FONT;
        w = [wz, n.en !== n.zh ? ctx.measureText(n.en).width : 0];
        labelWidths.set(id, w);
      }
      var boxWidth = Math.max(w[0], w[1]), top = dom.y + radius + LABEL_GAP;
      var box = [dom.x - boxWidth / 2, top, dom.x + boxWidth / 2, top + LABEL_ZH + 2 + (w[1] ? LABEL_EN + 1 : 0)];
      if (box[2] < 0 || box[0] > width || box[3] < 0 || box[1] > height) continue;
      if (overlaps(box, grid)) continue;
      cells(box, function (key) { if (!grid.has(key)) grid.set(key, []); grid.get(key).push(box); });
      placedNow.push({ id: id, box: box });
      ctx.font = LABEL_ZH + "px " + FONT;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.lineWidth = 3;
      ctx.strokeText(n.zh, dom.x, top);
      ctx.fillStyle = "#1d2330";
      ctx.fillText(n.zh, dom.x, top);
      if (w[1]) {
        ctx.font = LABEL_EN + "px " + FONT;
        ctx.strokeText(n.en, dom.x, top + LABEL_ZH + 2);
        ctx.fillStyle = "#5b6472";
        ctx.fillText(n.en, dom.x, top + LABEL_ZH + 2);
      }
    }
    ctx.restore();
    labels = placedNow;
  }
  network.on("afterDrawing", drawLabels);

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
    if (data.map && data.name === "regions") byKind(id);
    quotes(n.quotes, n.more || 0, ["政策原文所述", "What the policy says about it"]);
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
  function showThing(e) {  // a corridor: the project it stands for, and the places it passes through
    var t = e.thing, c = classes[t.cls];
    clear(details);
    details.appendChild(el("h2", t.zh, "label-zh"));
    var en = el("p", t.en, "label-en");
    en.lang = "en";
    details.appendChild(en);
    var dl = el("dl");
    facts([["类别", "class", c.zh + " / " + c.en]], dl);
    dl.appendChild(el("dt", "IRI"));
    dl.appendChild(el("dd", t.iri, "iri"));
    facts(t.facts || [], dl);
    details.appendChild(dl);
    var h = el("h3");
    h.appendChild(both("途经", "Passes through"));
    details.appendChild(h);
    var p = el("p", null, "ends");
    (e.stops || [e.from, e.to]).forEach(function (stop, i) {
      if (i) p.appendChild(document.createTextNode(" — "));
      p.appendChild(nodeButton(stop));
    });
    details.appendChild(p);
    quotes(t.quotes || [], t.more || 0, ["原文中的提及", "Named in the source"]);
  }
  function byKind(id) {  // a region's linkages by kind, and its ego view
    var counts = props.map(function () { return 0; });
    (neighbours.get(id) || []).forEach(function (eid) { counts[edgesById.get(eid).prop] += 1; });
    var h = el("h3");
    h.appendChild(both("关联（按类型）", "Linkages by kind"));
    details.appendChild(h);
    var ul = el("ul", null, "kinds");
    props.forEach(function (k, i) {
      if (!counts[i]) return;
      var li = el("li");
      var b = el("button", null, "link");
      b.type = "button";
      b.appendChild(both(k.zh, k.en));
      b.appendChild(document.createTextNode(": " + counts[i]));
      b.addEventListener("click", function () { setKind(i); ego(id, false); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    details.appendChild(ul);
    var go = el("button", null, "ego");
    go.type = "button";
    go.appendChild(both(state.ego.has(id) ? "已在本区域视图中" : "只看此区域及其关联",
                        state.ego.has(id) ? "in the ego view" : "this region and its linkages only"));
    go.addEventListener("click", function () { ego(id, false); });
    details.appendChild(go);
  }
  function ego(id, expand) {  // show one region and its linkages; with `expand`, add a region to those shown
    if (!expand) state.ego.clear();
    state.ego.add(id);
    document.getElementById("ego-reset").hidden = false;
    recompute(true);
    if (shown.has(id)) { network.selectNodes([id]); showNode(id); }
  }
  function showEdge(id) {
    var e = edgesById.get(id);
    if (!e) return;
    if (e.thing) { showThing(e); return; }
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
    if (params.nodes.length && state.ego.size && !state.ego.has(params.nodes[0])) {
      state.selected = params.nodes[0];
      ego(params.nodes[0], true);  // in the ego view a click expands
    } else if (params.nodes.length) {
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
    recompute(true);
  });
  regionSelect.addEventListener("change", function () { state.region = Number(regionSelect.value); recompute(true); });
  var search = document.getElementById("search");
  search.addEventListener("input", function () { state.text = search.value.trim(); recompute(true); });
  // The map's own filters: kind, province, document, measure (the provisions behind each link).
  var kindSelect = document.getElementById("kind-select");
  var provinceSelect = document.getElementById("province-select");
  var documentSelect = document.getElementById("document-select");
  var measureSelect = document.getElementById("measure-select");
  option(kindSelect, -1, "全部类型 / all kinds");
  props.forEach(function (k, i) { option(kindSelect, i, k.zh + " / " + k.en); });
  option(provinceSelect, -1, "全部省份 / all provinces");
  (data.provinces || []).forEach(function (id) { var n = nodesById.get(id); option(provinceSelect, id, n.zh + " / " + n.en); });
  option(documentSelect, -1, "全部文件 / all documents");
  (data.documents || []).forEach(function (d, i) { option(documentSelect, i, d[0]); });
  option(measureSelect, -1, "全部条款 / all measures");
  var behind = new Set();
  data.edges.forEach(function (e) { e.pv.forEach(function (s) { behind.add(s); }); });
  Array.from(behind).sort(function (a, b) { return a - b; }).forEach(function (i) {
    var src = sources[i];
    option(measureSelect, i, (src[2] ? src[2] + " " : "") + src[0] + (src[1] !== src[0] ? " / " + src[1] : ""));
  });
  function setKind(i) { state.kind = i; kindSelect.value = String(i); syncKinds(); recompute(true); }
  kindSelect.addEventListener("change", function () { setKind(Number(kindSelect.value)); });
  provinceSelect.addEventListener("change", function () { state.province = Number(provinceSelect.value); recompute(true); });
  documentSelect.addEventListener("change", function () { state.doc = Number(documentSelect.value); recompute(true); });
  measureSelect.addEventListener("change", function () { state.measure = Number(measureSelect.value); recompute(true); });
  var egoReset = document.getElementById("ego-reset");
  egoReset.addEventListener("click", function () { state.ego.clear(); egoReset.hidden = true; recompute(true); });
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
      recompute(true);
    });
    legendButtons.push(b);
    legend.appendChild(b);
  });
  function syncLegend() {
    legendButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(state.cls === i)); });
  }
  var kindButtons = [];
  if (data.map && data.name === "regions") {  // the kinds of link, in their colours: a click keeps one kind
    props.forEach(function (k, i) {
      var b = el("button", null, "kind");
      b.type = "button";
      b.setAttribute("aria-pressed", "false");
      var line = el("span", "━", "glyph");
      line.style.color = COLOR.test(k.color || "") ? k.color : "#8f99a5";
      b.appendChild(line);
      b.appendChild(both(k.zh, k.en));
      b.addEventListener("click", function () { setKind(state.kind === i ? -1 : i); });
      kindButtons.push(b);
      legend.appendChild(b);
    });
  }
  function syncKinds() {
    kindButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(state.kind === i)); });
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
    // What it names sits in one arc per role (the kind of link: regions, projects, institutions…).
    var inner = [], outer = [];
    var role = new Map();
    entry.edges.forEach(function (eid) {
      var e = edgesById.get(eid);
      if (e.from === centre && !role.has(e.to)) role.set(e.to, e.prop);
    });
    entry.nodes.forEach(function (id) { if (id !== centre) (role.has(id) ? inner : outer).push(id); });
    function byRole(a, b) {
      var na = nodesById.get(a), nb = nodesById.get(b);
      return role.get(a) - role.get(b) || na.cls - nb.cls || (na.zh < nb.zh ? -1 : na.zh > nb.zh ? 1 : a - b);
    }
    inner.sort(byRole);
    var groupsSeen = new Set(inner.map(function (id) { return role.get(id); }));
    var slots = inner.length + (groupsSeen.size > 1 ? groupsSeen.size : 0);  // an empty slot between roles
    var r1 = Math.max(220, slots * 70 / (2 * Math.PI));
    var angle = new Map();
    placed.clear();
    var updates = [{ id: centre, x: 0, y: 0 }];
    var slot = 0, last = null;
    inner.forEach(function (id) {
      if (last !== null && role.get(id) !== last) slot += 1;
      last = role.get(id);
      var a = 2 * Math.PI * slot / Math.max(1, slots) - Math.PI / 2;
      slot += 1;
      angle.set(id, a);
      updates.push({ id: id, x: r1 * Math.cos(a), y: r1 * Math.sin(a) });
    });
    showRoles(inner, role);
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
  var rolesBox = document.getElementById("roles");
  function showRoles(inner, role) {  // the things the provision names, grouped by role, as buttons
    clear(rolesBox);
    var last = null, ul = null;
    inner.forEach(function (id) {
      if (role.get(id) !== last) {
        last = role.get(id);
        var h = el("h3");
        h.appendChild(both(props[last].zh, props[last].en));
        rolesBox.appendChild(h);
        ul = el("ul", null, "role");
        ul.dataset.role = String(last);
        rolesBox.appendChild(ul);
      }
      var li = el("li");
      li.appendChild(nodeButton(id));
      ul.appendChild(li);
    });
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
  // A corpus's measure browser is one page per document (data.measurePages: [zh, en, file from the site's root,
  // document key, current]): a selector goes to another document's page, and a link to a provision of another
  // document (#document/<d>/measure/<n>) is sent on to that document's page.
  var measurePages = data.measurePages || [];
  var wanted = decodeURIComponent(location.hash.slice(1));
  var elsewhere = null;
  if (measurePages.length) {
    var documentPick = document.getElementById("measure-document-select");
    documentPick.closest("label").hidden = false;
    measurePages.forEach(function (p, i) {
      option(documentPick, i, p[1] && p[1] !== p[0] ? p[0] + " " + p[1] : p[0]);
      if (p[4]) documentPick.value = String(i);
    });
    documentPick.addEventListener("change", function () {
      location.href = data.root + measurePages[Number(documentPick.value)][2];
    });
    if (wanted && !data.provisions.some(function (p) { return p.key === wanted; })) {
      elsewhere = measurePages.find(function (p) { return !p[4] && wanted.indexOf(p[3] + "/") === 0; }) || null;
    }
  }
  if (elsewhere) {
    location.replace(data.root + elsewhere[2] + "#" + wanted);
  } else if (data.provisions.length) {
    data.provisions.forEach(function (p, i) { option(provisionSelect, i, p.zh + " " + p.en); });
    provisionSelect.addEventListener("change", function () { showProvision(Number(provisionSelect.value)); });
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
    select: select, selectEdge: selectEdge, showProvision: showProvision, ego: ego,
    setFilter: function (cls, region, text) {
      state.cls = cls; state.region = region; state.text = text || "";
      classSelect.value = String(cls); regionSelect.value = String(region); search.value = state.text;
      syncLegend();
      recompute(true);
      return nodes.length;
    },
    setMapFilter: function (kind, province, doc, measure) {
      state.kind = kind; state.province = province; state.doc = doc; state.measure = measure;
      kindSelect.value = String(kind); provinceSelect.value = String(province);
      documentSelect.value = String(doc); measureSelect.value = String(measure);
      syncKinds();
      recompute(true);
      return nodes.length;
    },
    labels: function () { return labels; },
    mapDrawn: function () { return mapDrawn; },
    font: FONT,
    ready: false, timings: timings
  };
  // Ready when the embedded font is in (labels are measured and drawn with it) and physics, if any, has settled.
  var settled = !data.physics;
  var fontIn = false;
  function maybeReady() {
    if (settled && fontIn) {
      labelWidths.clear();
      network.redraw();
      timings.ready = performance.now();
      window.hq.ready = true;
    }
  }
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });  // settled: nodes stay where a reader drags them
      settled = true;
      maybeReady();
    });
  }
  var fontLoad = document.fonts && document.fonts.load ? document.fonts.load(LABEL_ZH + "px 'HQ Sans SC'", "中文")
    : Promise.resolve();
  fontLoad.then(function () { fontIn = true; maybeReady(); }, function () { fontIn = true; maybeReady(); });
})();
