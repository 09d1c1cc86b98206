/* tlsstep page: renders the run's JSON document (the <script id="tlsstep-run"> element).
 * Every string from the document reaches the page through textContent or
 * setAttribute, never as markup. No network: nothing here fetches anything. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var started = performance.now();
  var doc = JSON.parse(document.getElementById("tlsstep-run").textContent);
  var glossary = doc.glossary || {};

  // -- small DOM helpers ---------------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }
  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = String(v);
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    });
  }
  function add(node, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { add(node, k); }); return; }
    node.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function $(id) { return document.getElementById(id); }
  function hx(n, w) { var s = n.toString(16); while (s.length < w) s = "0" + s; return "0x" + s; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function verdict(ok, yes, no) {
    if (ok === null || ok === undefined) return el("span", {class: "dim", text: "? not checked"});
    return el("span", {class: "verdict " + (ok ? "ok" : "bad"), text: ok ? "✓ " + yes : "✗ " + no});
  }

  // -- the model: events (steps) and records, for runs and captures alike ----------------
  function normalize(d) {
    if (d.events) return d.events;
    var events = [];  // a capture: each record is a step of its stream
    (d.streams || []).forEach(function (s) {
      (s.records || []).forEach(function (r, i) {
        streamRecord[s.stream + ":" + i] = events.length + "-0";
        events.push({index: events.length, connection: s.stream, side: r.from, op: "record",
          call: "stream " + s.stream + ": " + r.from + " record at offset " + r.offset,
          result: "", records: [r]});
      });
    });
    return events;
  }
  var streamRecord = {};  // a capture's "stream:record" -> record id
  var events = normalize(doc);
  var records = [];  // {ev, i, r, id}
  events.forEach(function (e) {
    (e.records || []).forEach(function (r, i) {
      records.push({ev: e.index, i: i, r: r, id: e.index + "-" + i});
    });
  });
  var byEvent = {};
  events.forEach(function (e) { byEvent[e.index] = e; });
  // Both sides' states after each single operation, keyed by its last event.
  var stepStates = {};
  (doc.step_states || []).forEach(function (s) {
    if (s.event !== null && s.event !== undefined) stepStates[s.connection + ":" + s.event] = s.states;
  });
  function statesAfter(e) { return stepStates[e.connection + ":" + e.index]; }

  // Protocol state of each side after each event, from the transitions (every move).
  var after = [];
  (function () {
    var now = {client: "START", server: "START"}, conn = null;
    events.forEach(function (e) {
      if (e.connection !== conn) { conn = e.connection; now = {client: "START", server: "START"}; }
      (e.transitions || []).forEach(function (t) { now[t.side] = t.to; });
      var snap = statesAfter(e);
      if (snap) {
        ["client", "server"].forEach(function (s) { if (snap[s]) now[s] = snap[s].state; });
      }
      after.push({client: now.client, server: now.server});
    });
  })();

  function recordLabel(r) {
    if (r.messages && r.messages.length) return r.messages.map(function (m) { return m.type; }).join(", ");
    if (r.alert) return "Alert " + r.alert.level + " " + r.alert.description;
    if (r.application_data) {
      var a = r.application_data, body = a.text !== undefined ? a.text : a.hex || "";
      return "application data " + JSON.stringify(body.length > 24 ? body.slice(0, 21) + "..." : body);
    }
    if (r.content_type === "change_cipher_spec") return "ChangeCipherSpec";
    return r.content_type + " " + r.length + " B";
  }
  function errorText(err) {
    if (!err) return "";
    return (err.reason || err.exception) + (err.verify_message ? ": " + err.verify_message : "");
  }

  // -- header: what happened ------------------------------------------------------------
  function renderSummary() {
    var box = clear($("summary"));
    var s = doc.summary;
    if (doc.scenario) {
      box.appendChild(el("p", null, el("strong", {text: "Scenario: "}), doc.scenario.name, " — ",
        verdict(doc.scenario.passed, "expectations met", "expectations not met")));
      if (doc.scenario.description) box.appendChild(el("p", {class: "dim", text: doc.scenario.description}));
      (doc.scenario.failures || []).forEach(function (f) {
        box.appendChild(el("p", {class: "bad", text: "✗ " + f}));
      });
    }
    if (doc.capture) {
      var c = doc.capture;
      box.appendChild(el("p", {text: c.file + ": " + c.packets + " packets, " + c.streams +
        " streams (" + c.tls_streams + " TLS), " + c.keylog_lines + " key log lines"}));
      if (c.error) box.appendChild(el("p", {class: "bad", text: "✗ " + c.error.message +
        " (byte offset " + c.error.offset + ")"}));
      return;
    }
    if (!s) return;
    var net = doc.network;
    if (net) {  // connect / serve: one side is a real peer over TCP
      (net.connections || []).forEach(function (c) {
        box.appendChild(el("p", null, el("strong", {text: "Network (" + net.role + "): "}),
          "client " + c.client + " → server " + c.server + ", " + c.client_bytes + " bytes sent, " +
          c.server_bytes + " bytes received" + (net.sni ? ", SNI " + net.sni : "")));
      });
      if (net.problem) box.appendChild(el("p", {class: "bad", text: "✗ network: " + (net.problem.message || JSON.stringify(net.problem))}));
    }
    box.appendChild(el("p", null, verdict(s.ok, "handshake " + s.result, "handshake " + s.result), " ",
      [s.version, s.cipher, s.server_name && "server name " + s.server_name,
       s.alpn && "ALPN " + s.alpn, s.session_reused ? "session resumed" : null,
       s.connections > 1 ? plural(s.connections, "connection") : null].filter(Boolean).join(" · ")));
    if (s.failures && s.failures.length) {
      var ul = el("ul", {class: "failures"});
      s.failures.forEach(function (f) {
        var at = events.filter(function (e) { return e.side === f.side && e.error; })[0];
        ul.appendChild(el("li", null, el("span", {class: "bad", text: "✗ " + f.side + ": "}),
          errorText(f.error), " ",
          at ? el("a", {href: "#step-" + at.index, text: "(step " + at.index + ")"}) : null));
      });
      box.appendChild(ul);
    }
    (s.problems || []).forEach(function (p) { box.appendChild(el("p", {class: "bad", text: "⚠ " + p})); });
  }

  // -- the ladder ---------------------------------------------------------------------------
  var X = {client: 120, server: 520}, W = 640, ROW = 30, FOLD = 12;
  var ladderRows = {};  // event index -> [y0, y1]
  function renderLadder() {
    var rows = [];
    var conn = null;
    events.forEach(function (e, n) {
      if (e.connection !== conn) {
        conn = e.connection;
        rows.push({kind: "conn", e: e, text: (doc.capture ? "stream " : "connection ") + conn});
        if (!doc.capture) rows.push({kind: "states", e: e, client: "START", server: "START"});
      }
      var mark = markOf(e);
      if (mark) rows.push({kind: "mark", e: e, side: mark.side, text: mark.text, cls: mark.cls});
      var rs = e.records || [];
      rs.forEach(function (r, i) {  // bulk data: the first and last records, the rest folded
        if (rs.length <= FOLD || i < 4 || i >= rs.length - 2) rows.push({kind: "arrow", e: e, r: r, i: i});
        else if (i === 4) rows.push({kind: "fold", e: e, r: r, i: i, n: rs.length - 6});
      });
      var prev = n > 0 && events[n - 1].connection === e.connection ? after[n - 1] : {client: "START", server: "START"};
      // Every state a side passed through in this step, intermediate ones included.
      var seq = {client: [], server: []};
      ["client", "server"].forEach(function (s) {
        var last = prev[s];
        (e.transitions || []).forEach(function (t) {
          if (t.side === s && t.to !== last) { seq[s].push(t.to); last = t.to; }
        });
        if (after[n][s] !== last) seq[s].push(after[n][s]);  // the step's snapshot says so
      });
      if (!doc.capture) {
        for (var j = 0; j < Math.max(seq.client.length, seq.server.length); j++) {
          rows.push({kind: "states", e: e, client: seq.client[j], server: seq.server[j]});
        }
      }
    });
    var height = 70 + rows.length * ROW + 20;
    var root = svg("svg", {width: W, height: height, viewBox: "0 0 " + W + " " + height, role: "img",
      "aria-labelledby": "ladder-title", "font-family": "system-ui, Helvetica, Arial, sans-serif", "font-size": 13});
    root.appendChild(svg("title", {id: "ladder-title", text: "Ladder: every record between client and server"}));
    var under = svg("g"); root.appendChild(under);
    ["client", "server"].forEach(function (s) {
      root.appendChild(svg("text", {x: X[s], y: 24, "text-anchor": "middle", "font-weight": 700,
        class: s, fill: "currentColor", text: s}));
      root.appendChild(svg("line", {x1: X[s], y1: 34, x2: X[s], y2: height - 10, stroke: "#888", "stroke-width": 2}));
    });
    var y = 50;
    rows.forEach(function (row) {
      var mid = y + ROW / 2, idx = row.e.index;
      var span = ladderRows[idx] || (ladderRows[idx] = [y, y + ROW]);
      span[1] = y + ROW;
      if (row.kind === "conn") {
        root.appendChild(svg("text", {x: W / 2, y: mid + 4, "text-anchor": "middle", "font-weight": 700,
          text: "── " + row.text + " ──"}));
      } else if (row.kind === "arrow") {
        root.appendChild(arrow(row, mid));
      } else if (row.kind === "fold") {
        var fid = row.e.index + "-" + row.i;
        root.appendChild(svg("text", {class: "fold", x: W / 2, y: mid + 4, "text-anchor": "middle", tabindex: 0, role: "button",
          "data-rec": fid, "aria-label": row.n + " more records like these; open the first",
          onclick: function () { selectRecord(fid, true); },
          onkeydown: function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); selectRecord(fid, true); } },
          text: "⋮ " + row.n + " more records (open them with the record view's Next record)"}));
      } else if (row.kind === "states") {
        ["client", "server"].forEach(function (s) {
          if (!row[s]) return;
          var label = row[s], w = 7.2 * label.length + 14;
          var g = svg("g", {class: "statebox " + s});
          g.appendChild(svg("rect", {x: X[s] - w / 2, y: mid - 10, width: w, height: 20, rx: 9, stroke: "currentColor"}));
          g.appendChild(svg("text", {x: X[s], y: mid + 4, "text-anchor": "middle", "font-size": 11,
            "font-family": "ui-monospace, monospace", fill: "currentColor", text: label}));
          g.appendChild(svg("title", {text: s + " state after step " + idx + ": " + label}));
          root.appendChild(g);
        });
      } else if (row.kind === "mark") {
        var left = row.side === "client";  // written inward, between the lifelines
        var mark = row.text.length > 58 ? row.text.slice(0, 56) + "…" : row.text;
        root.appendChild(svg("text", {x: X[row.side] + (left ? 8 : -8), y: mid + 4,
          "text-anchor": left ? "start" : "end", class: row.cls, text: mark},
          svg("title", {text: row.side + ": " + row.text})));
      }
      y += ROW;
    });
    Object.keys(ladderRows).forEach(function (idx) {
      var sp = ladderRows[idx];
      var r = svg("rect", {x: 4, y: sp[0], width: W - 8, height: sp[1] - sp[0], rx: 4, class: "current-row",
        "data-step": idx, visibility: "hidden"});
      under.appendChild(r);
    });
    clear($("ladder")).appendChild(root);
  }
  function markOf(e) {
    if (e.op === "tamper") return {side: e.side, text: "⚠ tampered: " + describeFault(e.args.fault), cls: "mark-tamper"};
    if (e.op === "eof") return {side: e.side === "client" ? "server" : "client", text: "end of stream (transport cut)", cls: "mark-other"};
    if (e.result === "error" && e.error) return {side: e.side, text: "✗ " + (e.error.reason || e.error.exception), cls: "mark-error"};
    if (e.result === "closed") return {side: e.side, text: "closed", cls: "mark-other"};
    return null;
  }
  function lockIcon(x, y) {  // drawn, not an emoji: every font has it
    var g = svg("g", {class: "lock", "aria-hidden": "true"});
    g.appendChild(svg("path", {d: "M " + (x - 3) + " " + (y + 1) + " v -3 a 3 3 0 0 1 6 0 v 3", fill: "none", stroke: "currentColor", "stroke-width": 1.4}));
    g.appendChild(svg("rect", {x: x - 5, y: y + 1, width: 10, height: 7, rx: 1, fill: "currentColor"}));
    return g;
  }
  function describeFault(f) {
    if (!f || typeof f !== "object") return String(f);
    return [f.kind].concat(Object.keys(f).filter(function (k) { return k !== "kind"; }).map(function (k) {
      return k + "=" + f[k]; })).join(" ");
  }
  function arrow(row, mid) {
    var r = row.r, from = r.from, to = from === "client" ? "server" : "client";
    var x1 = X[from], x2 = X[to] + (X[to] > x1 ? -2 : 2), dir = x2 > x1 ? 1 : -1;
    var enc = r.protected, label = recordLabel(r);
    var failed = r.decryption && r.decryption.ok === false;
    if (r.tampered) label = "⚠ " + label;
    if (failed) label += " ✗ not opened";
    if (label.length > 52) label = label.slice(0, 50) + "…";
    var id = row.e.index + "-" + row.i;
    var g = svg("g", {class: "arrow " + from, tabindex: 0, role: "button", "data-rec": id,
      "aria-label": "Step " + row.e.index + ", record " + row.i + ": " + from + " to " + to + ", " +
        (enc ? "encrypted, " : "") + recordLabel(r) + ", " + r.length + " bytes",
      onclick: function () { selectRecord(id, true); },
      onkeydown: function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); selectRecord(id, true); } }});
    g.appendChild(svg("rect", {class: "focus-ring", x: 30, y: mid - ROW / 2 + 1, width: W - 60, height: ROW - 2, rx: 3, fill: "transparent"}));
    g.appendChild(svg("line", {class: "arrow-line", x1: x1, y1: mid + 7, x2: x2 - dir * 8, y2: mid + 7,
      stroke: "currentColor", "stroke-width": 1.8, "stroke-dasharray": enc ? "7 4" : null}));
    g.appendChild(svg("path", {d: "M " + x2 + " " + (mid + 7) + " l " + (-dir * 10) + " -5 l 0 10 z", fill: "currentColor"}));
    if (enc) g.appendChild(lockIcon(x1 + dir * 16, mid - 6));
    g.appendChild(svg("text", {class: "arrow-label", x: (X.client + X.server) / 2, y: mid + 1, "text-anchor": "middle",
      fill: "#1b1b1b", "font-style": enc ? "italic" : null, text: label}));
    g.appendChild(svg("title", {text: "step " + row.e.index + ": " + from + " → " + to + ", " + r.length +
      " bytes" + (enc ? ", encrypted" + (r.epoch ? " (" + r.epoch + " keys)" : "") : "")}));
    return g;
  }

  // -- the step player ------------------------------------------------------------------
  var current = 0;
  function go(n, focusRecord) {
    if (!events.length) return;
    current = Math.max(0, Math.min(events.length - 1, n));
    renderStep();
    document.querySelectorAll("#ladder .current-row").forEach(function (r) {
      r.setAttribute("visibility", r.getAttribute("data-step") === String(events[current].index) ? "visible" : "hidden");
    });
    var e = events[current];
    if (history.replaceState) history.replaceState(null, "", "#step-" + e.index);
    if (e.records && e.records.length && focusRecord !== false) selectRecord(e.index + "-0", false);
  }
  function sideState(e, n, side) {
    var snap = statesAfter(e) ? statesAfter(e)[side] : null;
    return {state: after[n][side], snap: snap};
  }
  function renderStep() {
    var box = clear($("step"));
    var e = events[current];
    $("pos").textContent = "Step " + e.index + " (" + (current + 1) + " of " + events.length + ")";
    $("prev").disabled = current === 0;
    $("next").disabled = current === events.length - 1;
    var result = e.result ? " → " + e.result : "";
    box.appendChild(el("p", {class: "call"}, el("code", {text: e.call}),
      el("strong", {class: e.result === "error" ? "bad" : "", text: (e.result === "error" ? " ✗" : "") + result})));
    var facts = [];
    if (e.op === "deliver") facts.push(plural(e.delivered, "byte") + " delivered to the " + e.to);
    if (e.produced) facts.push(plural(e.produced, "byte") + " written to the outgoing buffer");
    if (e.written !== undefined) facts.push(plural(e.written, "byte") + " of application data accepted");
    if (e.data) facts.push("read " + plural(e.data.length, "byte") + ": " +
      JSON.stringify(e.data.text !== undefined ? e.data.text : e.data.hex) + (e.data.truncated ? " (preview)" : ""));
    if (e.records && e.records.length) facts.push(plural(e.records.length, "record") + " crossed");
    if (facts.length) box.appendChild(el("p", {text: facts.join("; ")}));
    if (e.note) box.appendChild(el("p", {class: "dim", text: e.note}));
    if (e.error) box.appendChild(el("p", {class: "bad", text: "✗ " + e.side + " failed: " + (e.error.message || errorText(e.error))}));
    if (e.notes && e.notes.length) box.appendChild(el("ul", {class: "notes"}, e.notes.map(function (n) {
      return el("li", {class: "note", text: n.text}); })));
    if (e.transitions && e.transitions.length) {
      box.appendChild(el("h3", {text: "State changes"}));
      box.appendChild(el("ul", {class: "notes"}, e.transitions.map(function (t) {
        return el("li", null, el("span", {class: t.side, text: t.side}), ": " + t.from + " → " + t.to +
          " (" + t.direction + " " + t.message + ")", t.problem ? el("span", {class: "bad", text: " ⚠ " + t.problem}) : null);
      })));
    }
    if (doc.capture) {  // a capture has no calls and no states to show
      var nextRecord = events[current + 1];
      box.appendChild(el("p", {class: "dim", text: nextRecord ? "Next: " + nextRecord.call : "This was the last record."}));
      return;
    }
    var table = el("table", {class: "sides", id: "sides"});
    table.appendChild(el("tr", null, el("th", {text: "after this step"}), el("th", {class: "client", text: "client"}),
      el("th", {class: "server", text: "server"})));
    var st = {client: sideState(e, current, "client"), server: sideState(e, current, "server")};
    function row(name, get, cls) {
      table.appendChild(el("tr", null, el("th", {text: name}),
        ["client", "server"].map(function (s) { return el("td", {class: (cls || "") + " state-" + s, "data-side": s, text: get(st[s], s)}); })));
    }
    row("protocol state", function (x) { return x.state + (x.snap && x.snap.derived === "facts" ? " *" : ""); }, "v");
    row("Python state", function (x) { return x.snap ? x.snap.python : "—"; });
    row("queued to send", function (x, s) {
      if (x.snap) return plural(x.snap.queued, "byte");
      return e.queued ? plural(s === "client" ? e.queued.to_server : e.queued.to_client, "byte") : "—";
    });
    row("unread", function (x) { return x.snap ? plural(x.snap.unread, "byte") : "—"; });
    row("sent", function (x) { return x.snap ? x.snap.sent.join(", ") || "—" : "—"; });
    row("received", function (x) { return x.snap ? x.snap.received.join(", ") || "—" : "—"; });
    box.appendChild(table);
    var why = ["client", "server"].map(function (s) { return st[s].snap && st[s].snap.why ? "* " + s + ": " + st[s].snap.why : null; }).filter(Boolean);
    if (why.length) box.appendChild(el("p", {class: "dim", text: why.join("; ")}));
    var next = events[current + 1];
    box.appendChild(el("p", {class: "dim", text: next ? "Next: " + next.call : "This was the last step."}));
  }

  // -- hex dump + field tree, linked both ways ------------------------------------------------
  // nodes: {name, offset, length, label, note, kids}
  function fieldNode(f, shift, parentName) {
    var label = f.name;
    var value = f.text !== undefined ? f.text : f.value !== undefined ? String(f.value) : f.hex !== undefined ? f.hex : null;
    if (f.text !== undefined && typeof f.value === "number") value = f.text + " (" + hx(f.value, f.length * 2) + ")";
    if (value !== null && value !== undefined && value.length > 96) value = value.slice(0, 96) + "…";
    var note = glossary[(parentName ? parentName + "." : "") + f.name] || (f.name !== parentName && f.name !== "msg_type" ? glossary[f.name] : null) || null;
    return {name: label, value: value, offset: (f.offset || 0) + shift, length: f.length || 0, note: note,
      kids: (f.fields || []).map(function (k) { return fieldNode(k, shift, parentName); })};
  }
  function messageNode(m, shift) {
    var kids = m.fields && m.fields.fields ? m.fields.fields.map(function (f) { return fieldNode(f, shift, m.type); }) : [];
    return {name: m.type, value: plural(m.length, "byte") + " body", offset: shift, length: m.length + 4,
      note: m.explain || null, kids: kids, finished: m.finished};
  }
  function hexView(hex, nodes, opts) {
    opts = opts || {};
    var n = hex.length / 2;
    var wrap = el("div", {class: "hexview"});
    var dump = el("div", {class: "hexdump", role: "group", "aria-label": opts.label || "bytes"});
    var offs = el("div", {class: "rows off", "aria-hidden": "true"});
    var bytes = el("div", {class: "rows bytes"});
    var ascii = el("div", {class: "rows ascii", "aria-hidden": "true"});
    var spans = [], chars = [];
    var tampered = {};
    (opts.tampered || []).forEach(function (o) { tampered[o] = true; });
    for (var i = 0; i < n; i++) {
      if (i % 16 === 0) {
        offs.appendChild(document.createTextNode((i ? "\n" : "") + hx(i, 4).slice(2)));
        if (i) { bytes.appendChild(document.createTextNode("\n")); ascii.appendChild(document.createTextNode("\n")); }
      }
      else if (i % 8 === 0) bytes.appendChild(document.createTextNode("  "));
      else bytes.appendChild(document.createTextNode(" "));
      var b = el("span", {class: "b" + (tampered[i] ? " tampered" : ""), "data-o": i, text: hex.substr(2 * i, 2)});
      if (tampered[i]) b.setAttribute("title", "tampered byte at offset " + i);
      spans.push(b); bytes.appendChild(b);
      var code = parseInt(hex.substr(2 * i, 2), 16);  // printable ASCII, else a dot
      var c = el("span", {class: "b", "data-o": i, text: code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : "."});
      chars.push(c); ascii.appendChild(c);
    }
    dump.appendChild(offs); dump.appendChild(bytes); dump.appendChild(ascii);
    wrap.appendChild(dump);
    if (opts.total && opts.total > n) wrap.appendChild(el("p", {class: "dim", text: "showing the first " + n + " of " + opts.total + " bytes"}));
    if (Object.keys(tampered).length) wrap.appendChild(el("p", {class: "bad", text: "▲ " + plural(Object.keys(tampered).length, "byte") + " changed in transit (outlined, wavy underline)"}));
    var flat = [];
    var tree = el("ul", {class: "tree", role: "tree", "aria-label": (opts.label || "bytes") + ": fields"});
    function build(list, parent) {
      list.forEach(function (node) {
        var item = el("li", {role: "treeitem"});
        var span = el("span", {class: "f", tabindex: 0},
          el("span", {class: "name", text: node.name}),
          node.value !== null && node.value !== undefined ? ": " + node.value : "",
          el("span", {class: "range", text: "  [" + node.offset + "+" + node.length + "]"}));
        node.el = span; flat.push(node);
        function on() { highlight(node); }
        span.addEventListener("mouseenter", on); span.addEventListener("focus", on);
        span.addEventListener("mouseleave", off); span.addEventListener("blur", off);
        item.appendChild(span);
        if (node.note) item.appendChild(el("div", {class: "note", text: node.note}));
        if (node.kids && node.kids.length) { var ul = el("ul", {role: "group"}); build(node.kids, ul); item.appendChild(ul); }
        parent.appendChild(item);
      });
    }
    build(nodes, tree);
    function off() {
      spans.forEach(function (s) { s.classList.remove("hl"); });
      chars.forEach(function (s) { s.classList.remove("hl"); });
      flat.forEach(function (f) { f.el.classList.remove("hl"); });
    }
    function highlight(node) {
      off();
      node.el.classList.add("hl");
      for (var i = node.offset; i < node.offset + node.length && i < spans.length; i++) {
        spans[i].classList.add("hl"); chars[i].classList.add("hl");
      }
    }
    bytes.addEventListener("mouseover", function (ev) {
      var o = ev.target && ev.target.getAttribute && ev.target.getAttribute("data-o");
      if (o === null || o === undefined) return;
      o = +o;
      var best = null;
      flat.forEach(function (f) { if (f.offset <= o && o < f.offset + f.length && (!best || f.length <= best.length)) best = f; });
      if (best) highlight(best); else { off(); spans[o].classList.add("hl"); }
    });
    bytes.addEventListener("mouseleave", off);
    if (nodes.length) wrap.appendChild(tree);
    return wrap;
  }

  // -- the record view ------------------------------------------------------------------------
  var selected = null;
  function findRecord(id) { for (var i = 0; i < records.length; i++) if (records[i].id === id) return records[i]; return null; }
  function selectRecord(id, fromLadder) {
    var rec = findRecord(id);
    if (!rec) return;
    selected = id;
    document.querySelectorAll("#ladder .arrow").forEach(function (a) {
      var on = a.getAttribute("data-rec") === id;
      a.classList.toggle("selected", on);
      a.setAttribute("aria-pressed", on ? "true" : "false");
    });
    if (fromLadder && events[current].index !== rec.ev) {
      for (var n = 0; n < events.length; n++) if (events[n].index === rec.ev) { go(n, false); break; }
    }
    renderRecord(rec);
  }
  function recordNodes(r) {
    var nodes = [
      {name: "content_type", value: r.record_content_type, offset: 0, length: 1, kids: [],
        note: r.protected && r.content_type !== r.record_content_type ? "the outer type; the real one (" + r.content_type + ") is inside the encryption" : null},
      {name: "legacy_record_version", value: r.record_version, offset: 1, length: 2, kids: [], note: glossary.legacy_record_version || null},
      {name: "length", value: String(r.length), offset: 3, length: 2, kids: []}];
    var d = r.decryption, body = 5, len = r.length;
    if (r.protected && d && d.suite) {
      if (d.explicit_nonce) { nodes.push({name: "explicit_nonce", value: d.explicit_nonce, offset: body, length: d.explicit_nonce.length / 2, kids: []}); }
      if (d.record_iv) { nodes.push({name: "record_iv (CBC IV)", value: d.record_iv, offset: body, length: d.record_iv.length / 2, kids: []}); }
      var start = body + (d.explicit_nonce ? d.explicit_nonce.length / 2 : 0) + (d.record_iv ? d.record_iv.length / 2 : 0);
      nodes.push({name: "encrypted content", value: plural(d.ciphertext_length, "byte"), offset: start, length: d.ciphertext_length, kids: []});
      if (d.tag && /last bytes/.test(d.tag_rule || "")) nodes.push({name: d.scheme.indexOf("CBC") >= 0 ? "mac" : "tag", value: d.tag, offset: body + len - d.tag.length / 2, length: d.tag.length / 2, kids: []});
    } else if (r.protected) {
      nodes.push({name: "encrypted_record", value: plural(len, "byte"), offset: body, length: len, kids: []});
    } else {
      var kids = [];
      (r.messages || []).forEach(function (m) {
        var so = m.fields && m.fields.stream_offset;
        if (so !== null && so !== undefined && so >= r.offset + 5 && so + m.length + 4 <= r.offset + 5 + len) kids.push(messageNode(m, so - r.offset));
      });
      if (r.fields && r.fields.fields) kids = kids.concat(r.fields.fields.map(function (f) { return fieldNode(f, body, r.content_type); }));
      nodes.push({name: "fragment", value: plural(len, "byte"), offset: body, length: len, kids: kids});
    }
    return nodes;
  }
  function plaintextNodes(r) {
    var nodes = [], pos = 0;
    (r.messages || []).forEach(function (m) { nodes.push(messageNode(m, pos)); pos += m.length + 4; });
    if (r.fields && r.fields.fields) nodes = nodes.concat(r.fields.fields.map(function (f) { return fieldNode(f, 0, r.content_type); }));
    if (r.application_data) nodes.push({name: "application data", value: plural(r.application_data.length, "byte"), offset: 0, length: r.application_data.length, kids: []});
    return nodes;
  }
  function kv(rows) {
    var t = el("table", {class: "kv"});
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined) return;
      t.appendChild(el("tr", null, el("th", {text: row[0]}), el("td", {class: row[2] === false ? "" : "v"}, row[1])));
    });
    return t;
  }
  function renderRecord(rec) {
    var box = clear($("record"));
    var r = rec.r, to = r.from === "client" ? "server" : "client";
    var at = records.indexOf(rec);
    box.appendChild(el("div", {class: "controls"},
      el("button", {type: "button", id: "prev-record", disabled: at === 0 ? "disabled" : null, text: "◀ Previous record",
        onclick: function () { selectRecord(records[at - 1].id, true); }}),
      el("span", {text: "record " + (at + 1) + " of " + records.length}),
      el("button", {type: "button", id: "next-record", disabled: at === records.length - 1 ? "disabled" : null, text: "Next record ▶",
        onclick: function () { selectRecord(records[at + 1].id, true); }})));
    box.appendChild(el("h3", {id: "record-title", text: "Step " + rec.ev + ", record " + rec.i + ": " + r.from + " → " + to +
      ", " + recordLabel(r)}));
    box.appendChild(el("p", {text: [r.protected ? "encrypted" + (r.epoch ? " with the " + r.epoch + " keys" : "") : "plaintext",
      "outer type " + r.record_content_type + (r.protected ? ", inner type " + r.content_type : ""),
      plural(r.length, "byte") + " + 5-byte header", "stream offset " + r.offset].join(" · ")}));
    if (r.note) box.appendChild(el("p", {class: "dim", text: r.note}));
    if (r.notes && r.notes.length) box.appendChild(el("ul", {class: "notes"}, r.notes.map(function (n) { return el("li", {class: "note", text: n.text}); })));
    if (r.alert) box.appendChild(el("p", {class: r.alert.level === "fatal" ? "bad" : ""}, "Alert: " + r.alert.level + " " + r.alert.description));
    if (r.bytes !== undefined) {
      box.appendChild(el("h3", {text: "On the wire"}));
      box.appendChild(hexView(r.bytes, recordNodes(r), {label: "record bytes", total: r.bytes_total, tampered: r.tampered}));
    }
    if (r.protected) box.appendChild(decryptionView(r));
    if (r.protected && r.plaintext !== undefined) {
      box.appendChild(el("h3", {text: "Decrypted (" + r.content_type + ")"}));
      box.appendChild(hexView(r.plaintext, plaintextNodes(r), {label: "plaintext bytes", total: r.plaintext_total}));
    } else if (!r.protected && r.messages && r.messages.some(function (m) { return !inRecord(r, m); })) {
      r.messages.forEach(function (m) {
        if (inRecord(r, m) || !m.hex) return;
        box.appendChild(el("h3", {text: m.type + " (reassembled from several records)"}));
        box.appendChild(hexView(m.hex, [messageNode(m, 0)], {label: m.type + " bytes"}));
      });
    }
    (r.messages || []).forEach(function (m) { if (m.finished) box.appendChild(finishedView(m)); });
    if (r.application_data) {
      var a = r.application_data;
      box.appendChild(el("h3", {text: "Application data"}));
      box.appendChild(el("pre", {class: "appdata", text: (a.text !== undefined ? a.text : a.hex) + (a.truncated ? "\n… (preview of " + a.length + " bytes)" : "")}));
    }
  }
  function inRecord(r, m) {
    var so = m.fields && m.fields.stream_offset;
    return so !== null && so !== undefined && so >= r.offset + 5 && so + m.length + 4 <= r.offset + 5 + r.length;
  }
  function decryptionView(r) {
    var d = r.decryption, box = el("div", {class: "decryption"});
    box.appendChild(el("h3", {text: "Decryption"}));
    if (!d) { box.appendChild(el("p", {class: "dim", text: r.note || "no keys for this record"})); return box; }
    box.appendChild(el("p", null, verdict(d.ok, "opened: the tag checked out", "not opened"), d.reason ? " — " + d.reason : ""));
    box.appendChild(kv([
      ["cipher suite", d.suite], ["scheme", d.scheme && d.scheme + " (" + d.rfc + ")", false],
      ["outer type → inner type", d.outer_type + " → " + (d.inner_type || "?"), false],
      ["secret", d.secret_label && d.secret_label + (d.secret_label === "CLIENT_RANDOM" ? " (the master secret; keys from the key block)" : " (traffic secret)"), false],
      ["key", d.key], ["IV", d.iv], ["MAC key", d.mac_key],
      ["sequence number", d.sequence_number !== null && d.sequence_number !== undefined ? String(d.sequence_number) : null],
      ["nonce", d.nonce && d.nonce + "  = " + d.nonce_rule],
      ["explicit nonce (in the record)", d.explicit_nonce], ["record IV (in the record)", d.record_iv],
      ["additional data", d.additional_data && d.additional_data + (d.scheme === "TLS 1.3 AEAD" ? "  = the record header" : "  = seq_num + type + version + length")],
      ["tag / MAC", d.tag && d.tag + "  (" + d.tag_rule + ")"]]));
    return box;
  }
  function finishedView(m) {
    var f = m.finished, box = el("div", {class: "finished"});
    box.appendChild(el("h3", {text: "Finished, recomputed"}));
    box.appendChild(el("p", null, verdict(f.match, "verify_data matches", "verify_data does not match"), " — " + f.rule));
    box.appendChild(kv([["from secret", f.secret_label, false], ["secret", f.secret], ["finished_key", f.finished_key],
      ["transcript hash (" + plural(f.messages, "message") + ")", f.transcript_hash],
      ["expected verify_data", f.expected], ["received verify_data", f.received]]));
    return box;
  }

  // -- key schedule, certificates, all steps -----------------------------------------------------
  function renderKeys() {
    var box = $("keys");
    var ks = doc.key_schedule || [];
    if (!ks.length) { box.appendChild(el("p", {class: "dim", text: "No secrets in this run's key log."})); return; }
    box.appendChild(el("p", {class: "dim", text: "Each secret OpenSSL logged (NSS key log labels). Record keys come from a traffic secret: key = HKDF-Expand-Label(secret, \"key\"), iv = HKDF-Expand-Label(secret, \"iv\") (RFC 8446 §7.3); TLS 1.2 keys from the key block of the master secret (RFC 5246 §6.3)."}));
    ks.forEach(function (c) {
      box.appendChild(el("h3", {text: "Connection " + c.connection + " (client random " + c.client_random.slice(0, 16) + "…)"}));
      var t = el("table");
      t.appendChild(el("tr", null, el("th", {text: "secret"}), el("th", {text: "value"}), el("th", {text: "first used"})));
      c.secrets.forEach(function (s) {
        var use = s.first_used;
        if (use && use.stream !== undefined) {
          var sid = streamRecord[use.stream + ":" + use.record];
          use = sid ? {event: +sid.split("-")[0], record: 0} : null;
        }
        t.appendChild(el("tr", null, el("td", {text: s.label}), el("td", {class: "v", text: s.secret}),
          el("td", null, use ? el("a", {href: "#step-" + use.event, text: "step " + use.event + ", record " + use.record,
            onclick: function (ev) { ev.preventDefault(); selectRecord(use.event + "-" + use.record, true); }}) : el("span", {class: "dim", text: "not used to open a record"}))));
      });
      box.appendChild(t);
    });
  }
  function certLine(c) {
    return el("div", {class: "cert"},
      el("div", null, el("strong", {text: c.subject || "(unparsed)"})),
      kv([["issuer", c.issuer, false], ["validity", c.validity_text && (c.validity === "valid" ? "✓ " : "✗ ") + c.validity_text, false],
        ["names", (c.subject_alt_names || []).join(", ") || null, false],
        ["key", c.key_type && c.key_type + " " + (c.key_curve || c.key_size || ""), false],
        ["signature", c.signature_algorithm, false],
        ["CA", c.basic_constraints ? (c.basic_constraints.ca ? "yes" : "no") : null, false],
        ["SHA-256", c.sha256]]));
  }
  function renderCerts() {
    var box = $("certs");
    var reports = doc.certificates || [];
    if (!reports.length) { box.appendChild(el("p", {class: "dim", text: "No certificate report in this run (tlsstep handshake --html includes one)."})); return; }
    reports.forEach(function (rep) {
      box.appendChild(el("h3", {text: "Connection " + rep.connection + ": the " + rep.sender + "'s chain, checked by the " + rep.verifier}));
      var o = rep.openssl || {}, ind = rep.independent || {};
      box.appendChild(el("p", null, "OpenSSL: ", o.checked ? verdict(o.ok, "accepted", "rejected" + (o.verify_message ? ": " + o.verify_message : "")) : el("span", {class: "dim", text: "did not check"})));
      box.appendChild(el("p", null, "Independent check: ", verdict(ind.ok, "valid", "invalid" + (ind.error ? ": " + ind.error : ""))));
      if (rep.disagreement) box.appendChild(el("p", {class: "bad", text: "⚠ the two verdicts disagree: " + rep.disagreement}));
      if (rep.explanation && rep.explanation.text) box.appendChild(el("p", {class: "note", text: rep.explanation.text}));
      box.appendChild(el("p", {class: "dim", text: "As sent (" + rep.source + "):"}));
      (rep.certificates || []).forEach(function (c, i) { var d = certLine(c); d.insertBefore(el("span", {class: "dim", text: "#" + i + " "}), d.firstChild); box.appendChild(d); });
      var verified = rep.verified_chain || ind.chain || [];
      if (verified.length) {
        box.appendChild(el("p", null, el("span", {class: "dim", text: "As verified" + (rep.verified_chain ? " by OpenSSL" : " by the independent check") + ": "}),
          verified.map(function (c) { return typeof c === "string" ? c : c.subject; }).join(" → ")));
      }
      if (rep.anchor) { box.appendChild(el("p", {class: "dim", text: "As verified: chained to the trust anchor" + (rep.anchor_sent ? " (sent in the chain)" : " (from the verifier's store)") + ":"})); box.appendChild(certLine(rep.anchor)); }
      else box.appendChild(el("p", {class: "dim", text: "As verified: no path to a trust anchor was found."}));
    });
  }
  function renderAllSteps() {
    var ol = $("all-steps-list");
    events.forEach(function (e, n) {
      var li = el("li", {value: e.index}, el("a", {href: "#step-" + e.index}, el("code", {text: e.call})), e.result ? " → " + e.result : "");
      if (e.error) li.appendChild(el("span", {class: "bad", text: " ✗ " + errorText(e.error)}));
      (e.records || []).forEach(function (r) { li.appendChild(el("div", {class: "dim", text: "  " + r.from + " → " + (r.from === "client" ? "server" : "client") + ": " + (r.protected ? "(encrypted) " : "") + recordLabel(r)})); });
      if (!doc.capture) li.appendChild(el("div", {class: "dim", text: "  states: client " + after[n].client + ", server " + after[n].server}));
      ol.appendChild(li);
    });
    $("print-steps-list").appendChild(ol.cloneNode(true)).removeAttribute("id");
  }

  // -- wiring ------------------------------------------------------------------------------------
  function fromHash() {
    var m = /^#step-(\d+)$/.exec(location.hash);
    if (!m) return false;
    for (var n = 0; n < events.length; n++) if (events[n].index === +m[1]) { go(n); return true; }
    return false;
  }
  document.title = doc.title || document.title;
  renderSummary();
  renderLadder();
  renderKeys();
  renderCerts();
  renderAllSteps();
  $("prev").addEventListener("click", function () { go(current - 1); });
  $("next").addEventListener("click", function () { go(current + 1); });
  $("first").addEventListener("click", function () { go(0); });
  $("last").addEventListener("click", function () { go(events.length - 1); });
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (ev.key === "ArrowRight") { ev.preventDefault(); go(current + 1); }
    else if (ev.key === "ArrowLeft") { ev.preventDefault(); go(current - 1); }
  });
  window.addEventListener("hashchange", fromHash);
  $("json-box").addEventListener("toggle", function () {
    var pre = $("json-text");
    if (!pre.textContent) pre.textContent = JSON.stringify(doc, null, 2);
  });
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { if (d.id !== "json-box") d.open = true; });
  });
  if (events.length === 0) {
    $("step").textContent = "No steps in this run.";
  } else if (!fromHash()) {
    go(0);
  }
  window.tlsstepRenderMs = performance.now() - started;
  document.documentElement.setAttribute("data-ready", "1");
})();
