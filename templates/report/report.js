/* tflite-inspector HTML report: findings table, interactive graph, operator and tensor tables.
 *
 * Data comes from the JSON script blocks (class "model-data") written by inspector/report.py. Every string that comes from a model (names, custom codes, messages) is
 * put into the page with textContent or setAttribute, never as markup, so a name cannot inject
 * anything. The page makes no network request.
 *
 * Compact data layout (see report.py):
 *   tensor  [name, dtype, shape, bytes|null, kind "a"|"c"|"v", quant|0, shape_signature|0]
 *   quant   {s: scales[<=8], z: zero points[<=8], n: count, ax: axis, lo, hi, min, max, details}
 *   op      [display name, opcode, version, inputs, outputs, options|0, macs, float 0|1, called]
 *   finding [severity, code, target, subgraph, op, opcode, tensor, message, source]: the
 *           texts as indices into the model's string table "strings" (-1: none)
 *   target  {name, title, kind, status: [one char per op per subgraph: d|f|-], partitions:
 *            [[subgraph, [ops]]], reasons: {"sg:op": [string index]}}
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var SEV_RANK = { error: 2, warning: 1, info: 0 };
  var PAGE = 300; // table rows rendered at a time
  var ONE_SEG = 250; // graphs up to this many units are laid out in one go
  var SEG = 60; // larger ones in segments of this many units, one at a time, in the background
  var COLLAPSE_AT = 300; // collapse straight chains when a subgraph has more ops than this
  var MIN_CHAIN = 4;
  var NODE_H = 40;
  var IO_H = 32;

  // -- small DOM helpers -----------------------------------------------------------------------
  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    add(e, children);
    return e;
  }
  function sv(tag, attrs, children) {
    var e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    add(e, children);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") e.textContent = String(v);
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    });
  }
  function add(e, children) {
    if (children === null || children === undefined || children === false) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      if (typeof c === "string" || typeof c === "number") c = document.createTextNode(String(c));
      e.appendChild(c);
    });
  }
  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
  }
  function option(value, label, selected) {
    return h("option", { value: value, selected: !!selected, text: label });
  }
  function short(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
  }

  // -- formatting -----------------------------------------------------------------------------
  function fmtBytes(n) {
    if (n === null || n === undefined) return "?";
    var units = ["B", "KiB", "MiB", "GiB"];
    var i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return i === 0 ? n + " B" : n.toFixed(1) + " " + units[i];
  }
  function fmtCount(n) {
    if (!n) return "0";
    if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
    if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
    if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
    return String(n);
  }
  function fmtNum(x) {
    if (typeof x !== "number") return String(x);
    if (x === 0) return "0";
    var a = Math.abs(x);
    if (a >= 1e5 || a < 1e-3) return x.toExponential(3);
    return String(Number(x.toPrecision(5)));
  }
  function shapeText(shape, sig) {
    var dims = sig && sig.length ? sig : shape;
    return "[" + dims.map(function (d) { return d < 0 ? "?" : String(d); }).join(",") + "]";
  }
  function tensorType(t) {
    return t[1] + shapeText(t[2], t[6]);
  }
  function quantBrief(q) {
    if (!q || !q.n) return q && q.details ? String(q.details.type || "quantized") : "";
    if (q.n === 1) return "s=" + fmtNum(q.s[0]) + " zp=" + (q.z.length ? q.z[0] : 0);
    return "per-channel(" + q.n + ") ax=" + q.ax + " s\u2208[" + fmtNum(q.lo) + ", " + fmtNum(q.hi) + "]";
  }
  function listText(values, n) {
    if (!values || !values.length) return "";
    var s = values.map(fmtNum).join(", ");
    return n > values.length ? s + ", \u2026 (" + n + ")" : s;
  }
  function optionText(v) {
    if (Array.isArray(v)) return "[" + v.map(optionText).join(", ") + "]";
    if (v && typeof v === "object") {
      return "{" + Object.keys(v).map(function (k) { return k + ": " + optionText(v[k]); }).join(", ") + "}";
    }
    return String(v);
  }
  function opHref(mid, sg, op) {
    return "#" + mid + "-op-" + sg + "-" + op;
  }
  function tensorHref(mid, sg, t) {
    return "#" + mid + "-t-" + sg + "-" + t;
  }

  // -- a sortable, paged table ------------------------------------------------------------------
  function Grid(host, columns, opts) {
    this.host = host;
    this.cols = columns;
    this.opts = opts || {};
    this.rows = [];
    this.limit = PAGE;
    this.sortCol = this.opts.sortCol === undefined ? -1 : this.opts.sortCol;
    this.sortDir = this.opts.sortDir || 1;
    this.count = h("div", { class: "status" });
    this.wrap = h("div", { class: "tablewrap" });
    this.table = h("table", { class: "grid " + (this.opts.cls || "") });
    this.thead = h("thead");
    this.tbody = h("tbody");
    this.table.appendChild(this.thead);
    this.table.appendChild(this.tbody);
    this.wrap.appendChild(this.table);
    this.moreBtn = h("button", { type: "button", class: "more", hidden: true });
    var self = this;
    this.moreBtn.addEventListener("click", function () {
      self.limit = Infinity;
      self.renderBody();
    });
    var tr = h("tr");
    this.ths = columns.map(function (c, i) {
      var th = h("th", { class: (c.sort ? "sortable " : "") + (c.num ? "num" : ""), text: c.label, title: c.title || null });
      if (c.sort) {
        th.addEventListener("click", function () {
          if (self.sortCol === i) self.sortDir = -self.sortDir;
          else {
            self.sortCol = i;
            self.sortDir = c.desc ? -1 : 1;
          }
          self.render();
        });
      }
      tr.appendChild(th);
      return th;
    });
    this.thead.appendChild(tr);
    add(host, [this.wrap, this.moreBtn]);
  }
  Grid.prototype.setRows = function (rows, total) {
    this.rows = rows;
    this.total = total === undefined ? rows.length : total;
    this.limit = PAGE;
    this.render();
  };
  Grid.prototype.render = function () {
    var self = this;
    this.ths.forEach(function (th, i) {
      if (i === self.sortCol) th.setAttribute("aria-sort", self.sortDir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    if (this.sortCol >= 0) {
      var key = this.cols[this.sortCol].sort;
      var dir = this.sortDir;
      var tie = this.opts.tie || function () { return 0; };
      this.rows = this.rows.slice().sort(function (a, b) {
        var x = key(a);
        var y = key(b);
        if (x < y) return -dir;
        if (x > y) return dir;
        return tie(a, b);
      });
    }
    this.renderBody();
  };
  Grid.prototype.renderBody = function () {
    var self = this;
    clear(this.tbody);
    var n = Math.min(this.rows.length, this.limit);
    var frag = document.createDocumentFragment();
    for (var i = 0; i < n; i++) {
      var r = this.rows[i];
      var tr = h("tr", this.opts.rowAttrs ? this.opts.rowAttrs(r) : null);
      this.cols.forEach(function (c) {
        var td = h("td", { class: (c.cls || "") + (c.num ? " num" : "") });
        add(td, c.render(r));
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    }
    if (!this.rows.length) {
      frag.appendChild(h("tr", { class: "empty" }, h("td", { colspan: this.cols.length, class: "muted", text: this.opts.empty || "Nothing to show." })));
    }
    this.tbody.appendChild(frag);
    this.count.textContent = "Showing " + n.toLocaleString() + " of " + this.rows.length.toLocaleString() +
      (this.total !== this.rows.length ? " (" + this.total.toLocaleString() + " in all)" : "");
    this.moreBtn.hidden = n >= this.rows.length;
    this.moreBtn.textContent = "Show all " + this.rows.length.toLocaleString();
    if (this.opts.after) this.opts.after(self);
  };

  // -- findings -----------------------------------------------------------------------------------
  function FindingsView(mv, host) {
    var d = mv.d;
    var self = this;
    this.mv = mv;
    var S = function (i) { return i >= 0 ? d.strings[i] : ""; };
    this.rows = d.findings.map(function (f, i) {
      return { i: i, sev: S(f[0]), code: S(f[1]), target: S(f[2]), sg: f[3], op: f[4], opcode: S(f[5]),
        tensor: f[6], msg: S(f[7]), src: S(f[8]) };
    });
    clear(host);
    this.sev = { error: true, warning: true, info: true };
    var counts = { error: 0, warning: 0, info: 0 };
    this.rows.forEach(function (r) { counts[r.sev] = (counts[r.sev] || 0) + 1; });
    var sevBox = h("span", { class: "segmented", role: "group", "aria-label": "severity" });
    ["error", "warning", "info"].forEach(function (s) {
      var b = h("button", { type: "button", "data-sev": s, "aria-pressed": "true", text: s + " " + counts[s] });
      b.addEventListener("click", function () {
        self.sev[s] = !self.sev[s];
        b.setAttribute("aria-pressed", String(self.sev[s]));
        self.apply();
      });
      sevBox.appendChild(b);
    });
    var targets = [];
    var rules = [];
    this.rows.forEach(function (r) {
      if (r.target && targets.indexOf(r.target) < 0) targets.push(r.target);
      if (rules.indexOf(r.code) < 0) rules.push(r.code);
    });
    targets.sort();
    rules.sort();
    this.targetSel = h("select", { "data-filter": "target" }, [option("", "all targets")].concat(
      targets.map(function (t) { return option(t, t); }), [option("-", "model-wide (no target)")]));
    this.ruleSel = h("select", { "data-filter": "rule" }, [option("", "all rules")].concat(
      rules.map(function (c) { return option(c, c); })));
    this.search = h("input", { type: "search", placeholder: "filter text\u2026", "data-filter": "text" });
    [this.targetSel, this.ruleSel].forEach(function (s) { s.addEventListener("change", function () { self.apply(); }); });
    this.search.addEventListener("input", function () { self.apply(); });
    var bar = h("div", { class: "toolbar" }, [sevBox, h("label", null, ["target", this.targetSel]),
      h("label", null, ["rule", this.ruleSel]), this.search, h("span", { class: "spacer" })]);
    host.appendChild(bar);
    var mid = mv.id;
    this.grid = new Grid(host, [
      { label: "severity", sort: function (r) { return SEV_RANK[r.sev]; }, desc: true,
        render: function (r) { return h("span", { class: "sev sev-" + r.sev, text: r.sev }); } },
      { label: "rule", sort: function (r) { return r.code; }, cls: "mono",
        render: function (r) { return r.code; } },
      { label: "target", sort: function (r) { return r.target; },
        render: function (r) { return r.target || h("span", { class: "muted", text: "\u2013" }); } },
      { label: "where", sort: function (r) { return (r.sg === null ? -1 : r.sg) * 1e7 + (r.op === null ? -1 : r.op); },
        render: function (r) {
          if (r.op !== null && r.sg !== null) {
            return h("a", { href: opHref(mid, r.sg, r.op), class: "oplink",
              text: (r.sg ? "sg " + r.sg + " \u00b7 " : "") + "op " + r.op });
          }
          if (r.tensor !== null && r.sg !== null) {
            return h("a", { href: tensorHref(mid, r.sg, r.tensor), text: "tensor " + r.tensor });
          }
          return h("span", { class: "muted", text: "model" });
        } },
      { label: "op", sort: function (r) { return r.opcode; }, cls: "mono",
        render: function (r) { return r.opcode; } },
      { label: "message", sort: function (r) { return r.msg; }, cls: "msg",
        render: function (r) {
          return [h("span", { text: r.msg }), r.src ? h("span", { class: "src", text: r.src }) : null];
        } }
    ], {
      sortCol: 0, sortDir: -1, cls: "findings", empty: "No findings match.",
      tie: function (a, b) { return a.i - b.i; },
      rowAttrs: function (r) { return { "data-sev": r.sev, "data-rule": r.code, "data-target": r.target }; }
    });
    bar.appendChild(this.grid.count);
    if (!this.rows.length) {
      this.grid.opts.empty = "No findings.";
    }
    this.apply();
  }
  FindingsView.prototype.apply = function () {
    var t = this.targetSel.value;
    var c = this.ruleSel.value;
    var q = this.search.value.trim().toLowerCase();
    var sev = this.sev;
    var rows = this.rows.filter(function (r) {
      if (!sev[r.sev]) return false;
      if (t === "-" ? r.target !== "" : t && r.target !== t) return false;
      if (c && r.code !== c) return false;
      if (q && (r.msg + " " + r.opcode + " " + r.code + " " + r.src).toLowerCase().indexOf(q) < 0) return false;
      return true;
    });
    this.grid.setRows(rows, this.rows.length);
  };

  // -- operators and tensors tables ------------------------------------------------------------
  function subgraphSelect(d, onChange) {
    var sel = h("select", { "data-control": "subgraph" }, d.subgraphs.map(function (sg, i) {
      return option(String(i), i + ": " + short(sg.name || "(unnamed)", 40) + " (" + sg.ops.length + " ops)");
    }));
    sel.addEventListener("change", function () { onChange(+sel.value); });
    return sel;
  }

  function OpsView(mv, host) {
    var d = mv.d;
    var self = this;
    this.mv = mv;
    this.sg = 0;
    this.sgSel = subgraphSelect(d, function (i) { self.sg = i; self.apply(); });
    this.search = h("input", { type: "search", placeholder: "filter ops or tensors\u2026" });
    this.search.addEventListener("input", function () { self.apply(); });
    this.show = h("select", null, [option("", "all ops"), option("float", "float islands only")].concat(
      d.targets.map(function (t) { return option("f:" + t.name, "not taken by " + t.name); })));
    this.show.addEventListener("change", function () { self.apply(); });
    var bar = h("div", { class: "toolbar" }, [d.subgraphs.length > 1 ? h("label", null, ["subgraph", this.sgSel]) : null,
      this.search, h("label", null, ["show", this.show]), h("span", { class: "spacer" })]);
    host.appendChild(bar);
    var mid = mv.id;
    var cols = [
      { label: "#", num: true, sort: function (r) { return r.i; }, render: function (r) { return String(r.i); } },
      { label: "op", sort: function (r) { return r.op[0]; }, cls: "mono", render: function (r) {
        return [h("a", { href: opHref(mid, self.sg, r.i), text: r.op[0] }),
          r.op[7] ? h("span", { class: "flag", title: "float island", text: "FP" }) : null];
      } },
      { label: "v", num: true, sort: function (r) { return r.op[2]; }, render: function (r) { return String(r.op[2]); } },
      { label: "inputs", cls: "mono small", render: function (r) { return r.ins; } },
      { label: "outputs", cls: "mono small", render: function (r) { return r.outs; } },
      { label: "MACs", num: true, desc: true, cls: "nowrap", sort: function (r) { return r.op[6]; }, render: function (r) { return r.op[6] ? fmtCount(r.op[6]) : ""; } }
    ];
    d.targets.forEach(function (t) {
      cols.push({ label: t.name, title: t.title, sort: function (r) { return t.status[self.sg][r.i]; }, render: function (r) {
        var s = t.status[self.sg][r.i];
        if (s === "d") return h("span", { class: "ok", text: "\u2713", title: "taken" });
        if (s === "f") return h("span", { class: "no", text: "\u2717", title: self.mv.reasons(t, self.sg, r.i).join("\n") });
        return h("span", { class: "muted", text: "\u2013", title: "not looked at" });
      } });
    });
    this.grid = new Grid(host, cols, { sortCol: 0, cls: "ops", empty: "No operators match." });
    bar.appendChild(this.grid.count);
    this.apply();
  }
  OpsView.prototype.apply = function () {
    var sg = this.mv.d.subgraphs[this.sg];
    var T = sg.tensors;
    var q = this.search.value.trim().toLowerCase();
    var show = this.show.value;
    var target = show.slice(0, 2) === "f:" ? this.mv.target(show.slice(2)) : null;
    var self = this;
    var rows = [];
    sg.ops.forEach(function (op, i) {
      if (show === "float" && !op[7]) return;
      if (target && target.status[self.sg][i] !== "f") return;
      if (q) {
        var hay = (op[0] + " " + op[1] + " " + i).toLowerCase();
        op[3].concat(op[4]).forEach(function (t) { if (t >= 0 && T[t]) hay += " " + String(T[t][0]).toLowerCase(); });
        if (hay.indexOf(q) < 0) return;
      }
      var ins = [];
      var nconst = 0;
      op[3].forEach(function (t) {
        if (t < 0 || !T[t]) return;
        if (T[t][4] === "c") nconst++;
        else ins.push(tensorType(T[t]));
      });
      var insText = ins.join(" ") + (nconst ? (ins.length ? " " : "") + "+" + nconst + " const" : "");
      var outs = op[4].filter(function (t) { return t >= 0 && T[t]; }).map(function (t) { return tensorType(T[t]); }).join(" ");
      rows.push({ i: i, op: op, ins: insText, outs: outs });
    });
    this.grid.setRows(rows, sg.ops.length);
  };

  function TensorsView(mv, host) {
    var d = mv.d;
    var self = this;
    this.mv = mv;
    this.sg = 0;
    this.sgSel = subgraphSelect(d, function (i) { self.sg = i; self.apply(); });
    this.search = h("input", { type: "search", placeholder: "filter names or dtypes\u2026" });
    this.search.addEventListener("input", function () { self.apply(); });
    this.kind = h("select", null, [option("", "all tensors"), option("a", "activations"), option("c", "constants"), option("q", "quantized")]);
    this.kind.addEventListener("change", function () { self.apply(); });
    var bar = h("div", { class: "toolbar" }, [d.subgraphs.length > 1 ? h("label", null, ["subgraph", this.sgSel]) : null,
      this.search, h("label", null, ["show", this.kind]), h("span", { class: "spacer" })]);
    host.appendChild(bar);
    var mid = mv.id;
    function q(r) { return r.t[5] || null; }
    this.grid = new Grid(host, [
      { label: "#", num: true, sort: function (r) { return r.i; }, render: function (r) { return String(r.i); } },
      { label: "name", sort: function (r) { return r.t[0]; }, cls: "mono small", render: function (r) {
        return h("a", { href: tensorHref(mid, self.sg, r.i), text: r.t[0] || "(unnamed)" });
      } },
      { label: "dtype", sort: function (r) { return r.t[1]; }, cls: "mono nowrap", render: function (r) { return r.t[1]; } },
      { label: "shape", sort: function (r) { return r.t[2].length; }, cls: "mono nowrap", render: function (r) { return shapeText(r.t[2], r.t[6]); } },
      { label: "scale", cls: "mono small", sort: function (r) { var x = q(r); return x && x.n ? (x.n > 1 ? x.lo : x.s[0]) : -1; },
        render: function (r) { var x = q(r); if (!x || !x.n) return ""; return x.n === 1 ? fmtNum(x.s[0]) : x.n + " values, " + fmtNum(x.lo) + " \u2026 " + fmtNum(x.hi); } },
      { label: "zero point", cls: "mono small", render: function (r) { var x = q(r); return x && x.n ? listText(x.z, x.n) : ""; } },
      { label: "axis", num: true, render: function (r) { var x = q(r); return x && x.n > 1 ? String(x.ax) : ""; } },
      { label: "bytes", num: true, desc: true, cls: "nowrap", sort: function (r) { return r.t[3] === null ? -1 : r.t[3]; }, render: function (r) { return r.t[3] === null ? "dynamic" : fmtBytes(r.t[3]); } },
      { label: "kind", sort: function (r) { return r.t[4]; }, cls: "nowrap", render: function (r) { return { a: "activation", c: "constant", v: "variable" }[r.t[4]] || r.t[4]; } }
    ], { sortCol: 0, cls: "tensors", empty: "No tensors match." });
    bar.appendChild(this.grid.count);
    this.apply();
  }
  TensorsView.prototype.apply = function () {
    var sg = this.mv.d.subgraphs[this.sg];
    var q = this.search.value.trim().toLowerCase();
    var kind = this.kind.value;
    var rows = [];
    sg.tensors.forEach(function (t, i) {
      if (kind === "q" ? !(t[5] && t[5].n) : kind && t[4] !== kind) return;
      if (q && (String(t[0]) + " " + t[1] + " " + i).toLowerCase().indexOf(q) < 0) return;
      rows.push({ i: i, t: t });
    });
    this.grid.setRows(rows, sg.tensors.length);
  };

  // -- graph: units (ops, collapsed chains, graph I/O) ---------------------------------------------
  function buildUnits(d, sgIndex, target, expanded) {
    var sg = d.subgraphs[sgIndex];
    var ops = sg.ops;
    var T = sg.tensors;
    var n = ops.length;
    var status = target ? target.status[sgIndex] : null;
    var part = new Int32Array(n).fill(-1);
    var partSize = {};
    if (target) {
      target.partitions.forEach(function (p, pi) {
        if (p[0] !== sgIndex) return;
        p[1].forEach(function (o) { if (o < n) part[o] = pi; });
        partSize[pi] = p[1].length;
      });
    }
    var producer = new Int32Array(T.length).fill(-1);
    var consumers = new Array(T.length);
    var i, j, k, t;
    for (j = 0; j < n; j++) {
      ops[j][4].forEach(function (t) { if (t >= 0 && t < T.length) producer[t] = j; });
    }
    for (j = 0; j < n; j++) {
      var seen = {};
      for (i = 0; i < ops[j][3].length; i++) {
        t = ops[j][3][i];
        if (t < 0 || t >= T.length || T[t][4] === "c" || seen[t]) continue;
        seen[t] = 1;
        (consumers[t] = consumers[t] || []).push(j);
      }
    }
    var isOut = {};
    sg.outputs.forEach(function (t) { isOut[t] = 1; });
    var next = new Int32Array(n).fill(-1);
    var hasPrev = new Uint8Array(n);
    if (n > COLLAPSE_AT) {
      for (j = 0; j < n; j++) {
        var outs = ops[j][4].filter(function (t) { return t >= 0 && t < T.length; });
        if (outs.length !== 1 || isOut[outs[0]]) continue;
        var c = consumers[outs[0]];
        if (!c || c.length !== 1 || c[0] <= j) continue;
        k = c[0];
        var kin = ops[k][3].filter(function (t) { return t >= 0 && t < T.length && T[t][4] !== "c"; });
        if (kin.length !== 1 || hasPrev[k]) continue;
        if (status && (status[j] !== status[k] || part[j] !== part[k])) continue;
        if (ops[j][7] !== ops[k][7]) continue;
        next[j] = k;
        hasPrev[k] = 1;
      }
    }
    var units = [];
    var unitOfOp = new Int32Array(n).fill(-1);
    sg.inputs.forEach(function (t) {
      if (t >= 0 && t < T.length) units.push({ kind: "in", t: t, order: -1, part: -1 });
    });
    for (j = 0; j < n; j++) {
      if (hasPrev[j]) continue;
      var chain = [j];
      k = next[j];
      while (k >= 0) {
        chain.push(k);
        k = next[k];
      }
      if (chain.length >= MIN_CHAIN && !expanded[j]) {
        units.push({ kind: "chain", ops: chain, order: j, part: part[j] });
      } else {
        chain.forEach(function (o) { units.push({ kind: "op", op: o, order: o, part: part[o] }); });
      }
    }
    sg.outputs.forEach(function (t) {
      if (t >= 0 && t < T.length) units.push({ kind: "out", t: t, order: producer[t] >= 0 ? producer[t] + 0.5 : n, part: -1 });
    });
    units.sort(function (a, b) { return a.order - b.order; });
    var inputUnit = {};
    units.forEach(function (u, ui) {
      u.index = ui;
      if (u.kind === "op") unitOfOp[u.op] = ui;
      else if (u.kind === "chain") u.ops.forEach(function (o) { unitOfOp[o] = ui; });
      else if (u.kind === "in") inputUnit[u.t] = ui;
      var first = u.kind === "chain" ? u.ops[0] : u.op;
      u.st = first === undefined ? "io" : status ? (status[first] === "d" ? "d" : status[first] === "f" ? "f" : "n") : "";
      u.fl = first !== undefined && ops[first][7] === 1;
      describe(u, ops, T);
    });
    var edgeKeys = {};
    var edges = [];
    function link(a, b, t) {
      if (a < 0 || b < 0 || a === b) return;
      var key = a + ">" + b;
      if (edgeKeys[key]) return;
      edgeKeys[key] = 1;
      edges.push({ from: a, to: b, t: t });
    }
    units.forEach(function (u, ui) {
      if (u.kind === "out") {
        if (producer[u.t] >= 0) link(unitOfOp[producer[u.t]], ui, u.t);
        else if (inputUnit[u.t] !== undefined) link(inputUnit[u.t], ui, u.t);
        return;
      }
      if (u.kind === "in") return;
      var list = u.kind === "chain" ? u.ops : [u.op];
      list.forEach(function (o) {
        ops[o][3].forEach(function (t) {
          if (t < 0 || t >= T.length || T[t][4] === "c") return;
          if (producer[t] >= 0) link(unitOfOp[producer[t]], ui, t);
          else if (inputUnit[t] !== undefined) link(inputUnit[t], ui, t);
        });
      });
    });
    return { units: units, edges: edges, unitOfOp: unitOfOp, producer: producer, consumers: consumers, partSize: partSize };
  }

  function describe(u, ops, T) {
    var l1, l2;
    if (u.kind === "op") {
      var op = ops[u.op];
      var out = op[4].length && op[4][0] >= 0 && T[op[4][0]] ? tensorType(T[op[4][0]]) : "";
      l1 = short(op[0], 26);
      l2 = short("#" + u.op + (out ? " \u00b7 " + out : ""), 34);
      u.title = op[0] + " (op " + u.op + ")";
    } else if (u.kind === "chain") {
      var names = u.ops.slice(0, 3).map(function (o) { return ops[o][0]; });
      l1 = u.ops.length + " ops \u00b7 #" + u.ops[0] + "\u2013" + u.ops[u.ops.length - 1];
      l2 = short(names.join(" \u2192 ") + (u.ops.length > 3 ? " \u2192 \u2026" : ""), 38);
      u.title = "collapsed chain of " + u.ops.length + " ops; click to see them";
    } else {
      var t = T[u.t];
      l1 = (u.kind === "in" ? "\u25b6 " : "\u25a0 ") + short(t[0] || "tensor " + u.t, 26);
      l2 = short(tensorType(t), 34);
      u.title = (u.kind === "in" ? "graph input " : "graph output ") + (t[0] || u.t);
    }
    u.l1 = l1;
    u.l2 = l2;
    u.w = Math.max(110, Math.min(260, Math.max(l1.length * 7.6, l2.length * 6.3) + 22));
    u.h = u.kind === "in" || u.kind === "out" ? IO_H : NODE_H;
  }

  // -- graph view -------------------------------------------------------------------------------
  function GraphView(mv, host) {
    var d = mv.d;
    var self = this;
    this.mv = mv;
    this.d = d;
    this.sg = 0;
    this.targetName = d.targets.length ? d.targets[0].name : "";
    this.expanded = {};
    this.k = 1;
    this.tx = 0;
    this.ty = 0;
    this.sel = -1;
    this.nodeEls = new Map();
    this.edgeEls = new Map();
    this.clusterEls = new Map();
    this.sgSel = subgraphSelect(d, function (i) { self.setSubgraph(i); });
    this.tSel = h("select", { "data-control": "target" }, [option("", "no target (op types)")].concat(
      d.targets.map(function (t) { return option(t.name, t.name + " \u2014 " + short(t.title, 40), t.name === self.targetName); })));
    this.tSel.addEventListener("change", function () {
      self.targetName = self.tSel.value;
      self.rebuild(true);
    });
    var hasFloat = d.islands.length > 0;
    this.floatBox = h("input", { type: "checkbox", checked: hasFloat, "data-control": "float" });
    this.floatBox.addEventListener("change", function () { self.wrap.classList.toggle("show-float", self.floatBox.checked); });
    this.find = h("input", { type: "search", placeholder: "go to op # or name\u2026", "data-control": "find" });
    this.find.addEventListener("keydown", function (e) { if (e.key === "Enter") self.findNext(self.find.value); });
    var btn = function (label, title, fn) { return h("button", { type: "button", title: title, text: label, onclick: fn }); };
    var bar = h("div", { class: "toolbar" }, [
      d.subgraphs.length > 1 ? h("label", null, ["subgraph", this.sgSel]) : null,
      h("label", null, ["colour by", this.tSel]),
      h("label", { title: "ops computing in float inside an integer model" }, [this.floatBox, "float islands (" + d.islands.reduce(function (a, i) { return a + i[1].length; }, 0) + " ops)"]),
      this.find,
      h("span", { class: "spacer" }),
      btn("\u2212", "zoom out", function () { self.zoomBy(1 / 1.4); }),
      btn("+", "zoom in", function () { self.zoomBy(1.4); }),
      btn("Fit", "fit the whole graph", function () { self.fitAll(); }),
      btn("Top", "back to the inputs", function () { self.fitTop(); })
    ]);
    this.svg = sv("svg", { class: "graph-svg", "aria-label": "model graph" });
    var defs = sv("defs");
    var marker = sv("marker", { id: "arrow-" + mv.id, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8", markerHeight: "8",
      markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" },
      sv("path", { d: "M0 0 L10 5 L0 10 z" }));
    defs.appendChild(marker);
    this.svg.appendChild(defs);
    this.world = sv("g", { class: "world" });
    this.gClusters = sv("g", { class: "clusters" });
    this.gEdges = sv("g", { class: "edges" });
    this.gNodes = sv("g", { class: "nodes" });
    add(this.world, [this.gClusters, this.gEdges, this.gNodes]);
    this.svg.appendChild(this.world);
    this.legend = h("div", { class: "overlay" });
    this.progress = h("div", { class: "progress", hidden: true });
    this.view = h("div", { class: "graph-view", tabindex: "0" }, [this.svg, this.legend, this.progress]);
    this.details = h("aside", { class: "details", "aria-live": "polite" });
    this.wrap = h("div", { class: "graph-wrap" + (hasFloat ? " show-float" : "") }, [this.view, this.details]);
    add(host, [bar, this.wrap]);
    this.bindEvents();
    this.showHelp();
  }

  GraphView.prototype.target = function () {
    return this.targetName ? this.mv.target(this.targetName) : null;
  };

  GraphView.prototype.start = function () {
    if (this.started) return;
    this.started = true;
    this.rebuild(false);
  };

  GraphView.prototype.setSubgraph = function (i) {
    this.sg = i;
    this.sgSel.value = String(i);
    this.expanded = {};
    this.sel = -1;
    this.rebuild(false);
    this.showHelp();
  };

  GraphView.prototype.rebuild = function (keepSelection) {
    var selOp = keepSelection && this.sel >= 0 ? this.firstOp(this.g.units[this.sel]) : null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = 0;
    this.g = buildUnits(this.d, this.sg, this.target(), this.expanded);
    var units = this.g.units;
    this.segs = [];
    var size = units.length <= ONE_SEG ? ONE_SEG : SEG;
    for (var s = 0; s < units.length; s += size) {
      this.segs.push({ from: s, to: Math.min(units.length, s + size), laid: false });
    }
    this.segOf = new Int32Array(units.length);
    var self = this;
    this.segs.forEach(function (seg, si) { for (var u = seg.from; u < seg.to; u++) self.segOf[u] = si; });
    this.pos = new Array(units.length);
    this.edgePaths = [];
    this.clusters = [];
    this.laid = 0;
    this.bbox = null;
    [this.nodeEls, this.edgeEls, this.clusterEls].forEach(function (m) { m.forEach(function (e) { e.remove(); }); m.clear(); });
    this.sel = -1;
    this.pending = null;
    this.renderLegend();
    if (!units.length) {
      this.details.textContent = "This subgraph has no operators.";
      return;
    }
    this.layoutNext();
    if (selOp !== null && selOp !== undefined) this.focusOp(this.sg, selOp, true);
    else this.fitTop();
    this.render();
    this.scheduleLayout();
  };

  GraphView.prototype.firstOp = function (u) {
    if (!u) return null;
    return u.kind === "chain" ? u.ops[0] : u.kind === "op" ? u.op : null;
  };

  // One segment per task, with a pause between them so input and painting keep flowing (no
  // pause while someone waits for a far op or for "Fit").
  GraphView.prototype.scheduleLayout = function () {
    var self = this;
    if (this.timer) return;
    if (this.laid >= this.segs.length) {
      this.progress.hidden = true;
      return;
    }
    this.progress.hidden = false;
    this.progress.textContent = "Laying out " + (this.pending ? "up to your selection " : "") +
      this.laid + "/" + this.segs.length + " parts\u2026";
    this.timer = setTimeout(function () {
      self.timer = 0;
      self.layoutNext();
      self.resolvePending();
      self.scheduleRender();
      self.scheduleLayout();
    }, this.pending ? 0 : 25);
  };

  GraphView.prototype.resolvePending = function () {
    var p = this.pending;
    if (!p) return;
    if (p.fit) {
      if (this.laid < this.segs.length) return;
      this.pending = null;
      this.fitAll();
    } else if (this.segOf[p.ui] < this.laid) {
      this.pending = null;
      this.select(p.ui, true);
      if (!p.quiet) this.flash(p.ui);
    }
  };

  // Lay out the next segment with dagre and place it under the previous ones.
  GraphView.prototype.layoutNext = function () {
    if (this.laid >= this.segs.length) return;
    var si = this.laid;
    var seg = this.segs[si];
    var units = this.g.units;
    var part = false;
    for (var x = seg.from; x < seg.to && !part; x++) part = units[x].part >= 0;
    var res;
    try {
      res = this.dagreLayout(seg, part);
    } catch (err) {
      res = this.dagreLayout(seg, false); // compound layout can fail on odd graphs
    }
    // Place it: one segment is centred on x = 0. Several go down in columns, like a newspaper,
    // so that "Fit" shows the whole model as a block rather than a thin line.
    var ox, oy;
    if (this.segs.length === 1) {
      ox = -res.w / 2;
      oy = 0;
    } else {
      if (si === 0) {
        var r = this.view.getBoundingClientRect();
        var aspect = (r.height || 600) / (r.width || 1000);
        var total = (res.h / (seg.to - seg.from)) * units.length;
        this.colH = Math.max(2500, Math.min(total, Math.sqrt(total * (res.w + 120) * aspect)));
        this.col = { x: 0, y: 0, w: 0 };
      } else if (this.col.y > 0 && this.col.y + res.h > this.colH) {
        this.col = { x: this.col.x + this.col.w + 120, y: 0, w: 0 };
      }
      ox = this.col.x;
      oy = this.col.y;
      this.col.y += res.h + 60;
      this.col.w = Math.max(this.col.w, res.w);
    }
    for (var u = seg.from; u < seg.to; u++) {
      var p = res.nodes[u - seg.from];
      this.pos[u] = { x: ox + p.x, y: oy + p.y, w: units[u].w, h: units[u].h };
    }
    var self = this;
    res.edges.forEach(function (e) {
      var pts = e.points.map(function (p) { return [ox + p.x, oy + p.y]; });
      self.edgePaths.push(self.makeEdge(e.from, e.to, pts, false));
    });
    res.clusters.forEach(function (c) {
      self.clusters.push({ id: "c" + si + "-" + c.p, p: c.p, x: ox + c.x, y: oy + c.y - 16, w: c.w, h: c.h + 16 });
    });
    // edges from earlier segments into this one
    this.g.edges.forEach(function (e) {
      if (self.segOf[e.to] !== si || self.segOf[e.from] === si) return;
      var a = self.pos[e.from];
      var b = self.pos[e.to];
      if (!a || !b) return;
      var y1 = a.y + a.h / 2;
      var y2 = b.y - b.h / 2;
      var dy = Math.max(40, Math.abs(y2 - y1) / 3);
      self.edgePaths.push(self.makeEdge(e.from, e.to, null, true, "M" + a.x + " " + y1 + " C" + a.x + " " + (y1 + dy) + " " + b.x + " " + (y2 - dy) + " " + b.x + " " + y2,
        [Math.min(a.x, b.x), Math.min(y1, y2) - dy, Math.max(a.x, b.x), Math.max(y1, y2) + dy]));
    });
    seg.laid = true;
    seg.box = [ox, oy, ox + res.w, oy + res.h];
    var bb = this.bbox;
    this.bbox = bb ? [Math.min(bb[0], ox), Math.min(bb[1], oy), Math.max(bb[2], ox + res.w), Math.max(bb[3], oy + res.h)]
      : seg.box.slice();
    this.laid++;
  };

  GraphView.prototype.dagreLayout = function (seg, withParts) {
    var units = this.g.units;
    var g = new dagre.graphlib.Graph({ compound: withParts, multigraph: false });
    g.setGraph({ rankdir: "TB", nodesep: 18, ranksep: 30, edgesep: 10, marginx: 24, marginy: 24 });
    g.setDefaultEdgeLabel(function () { return {}; });
    var parts = {};
    for (var u = seg.from; u < seg.to; u++) {
      g.setNode(String(u), { width: units[u].w, height: units[u].h });
      if (withParts && units[u].part >= 0) {
        var cid = "p" + units[u].part;
        if (!parts[cid]) {
          parts[cid] = units[u].part;
          g.setNode(cid, {});
        }
        g.setParent(String(u), cid);
      }
    }
    var inSeg = function (x) { return x >= seg.from && x < seg.to; };
    var edges = this.g.edges.filter(function (e) { return inSeg(e.from) && inSeg(e.to); });
    edges.forEach(function (e) { g.setEdge(String(e.from), String(e.to)); });
    dagre.layout(g);
    var nodes = [];
    for (u = seg.from; u < seg.to; u++) {
      var n = g.node(String(u));
      nodes.push({ x: n.x, y: n.y });
    }
    var clusters = [];
    if (withParts) {
      Object.keys(parts).forEach(function (cid) {
        var n = g.node(cid);
        if (n && isFinite(n.x) && n.width) clusters.push({ p: parts[cid], x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height });
      });
    }
    var gl = g.graph();
    return {
      nodes: nodes,
      edges: edges.map(function (e) { return { from: e.from, to: e.to, points: g.edge(String(e.from), String(e.to)).points }; }),
      clusters: clusters,
      w: gl.width || 200,
      h: gl.height || 100
    };
  };

  GraphView.prototype.makeEdge = function (from, to, pts, cross, d, box) {
    if (!d) {
      d = "M" + pts[0][0].toFixed(1) + " " + pts[0][1].toFixed(1);
      for (var i = 1; i < pts.length - 1; i++) {
        var mx = (pts[i][0] + pts[i + 1][0]) / 2;
        var my = (pts[i][1] + pts[i + 1][1]) / 2;
        d += " Q" + pts[i][0].toFixed(1) + " " + pts[i][1].toFixed(1) + " " + mx.toFixed(1) + " " + my.toFixed(1);
      }
      var last = pts[pts.length - 1];
      d += " L" + last[0].toFixed(1) + " " + last[1].toFixed(1);
      var xs = pts.map(function (p) { return p[0]; });
      var ys = pts.map(function (p) { return p[1]; });
      box = [Math.min.apply(null, xs), Math.min.apply(null, ys), Math.max.apply(null, xs), Math.max.apply(null, ys)];
    }
    return { id: from + ">" + to, from: from, to: to, d: d, box: box, cross: cross };
  };

  // -- drawing: only what is in view ----------------------------------------------------------
  GraphView.prototype.applyTransform = function () {
    this.world.setAttribute("transform", "translate(" + this.tx.toFixed(1) + "," + this.ty.toFixed(1) + ") scale(" + this.k.toFixed(4) + ")");
    this.world.classList.toggle("lod", this.k < 0.45);
    this.scheduleRender();
  };
  GraphView.prototype.scheduleRender = function () {
    var self = this;
    if (this.raf) return;
    this.raf = requestAnimationFrame(function () {
      self.raf = 0;
      self.render();
    });
  };
  GraphView.prototype.viewRect = function () {
    var r = this.view.getBoundingClientRect();
    var m = 200;
    return [(-this.tx - m) / this.k, (-this.ty - m) / this.k, (r.width - this.tx + m) / this.k, (r.height - this.ty + m) / this.k];
  };
  GraphView.prototype.render = function () {
    if (!this.g) return;
    var v = this.viewRect();
    var self = this;
    var units = this.g.units;
    var want = new Set();
    for (var u = 0; u < units.length; u++) {
      var p = this.pos[u];
      if (!p) continue;
      if (p.x + p.w / 2 < v[0] || p.x - p.w / 2 > v[2] || p.y + p.h / 2 < v[1] || p.y - p.h / 2 > v[3]) continue;
      want.add(u);
      if (!this.nodeEls.has(u)) {
        var el = this.nodeEl(u);
        this.nodeEls.set(u, el);
        this.gNodes.appendChild(el);
      }
    }
    this.nodeEls.forEach(function (el, u) {
      if (!want.has(u)) {
        el.remove();
        self.nodeEls.delete(u);
      }
    });
    var wantE = new Set();
    this.edgePaths.forEach(function (e, i) {
      var b = e.box;
      if (b[2] < v[0] || b[0] > v[2] || b[3] < v[1] || b[1] > v[3]) return;
      wantE.add(i);
      if (!self.edgeEls.has(i)) {
        var cls = "edge" + (e.cross ? " x" : "") + (self.sel >= 0 && (e.from === self.sel || e.to === self.sel) ? " sel" : "");
        var el = sv("path", { class: cls, d: e.d, "marker-end": "url(#arrow-" + self.mv.id + ")" });
        self.edgeEls.set(i, el);
        self.gEdges.appendChild(el);
      }
    });
    this.edgeEls.forEach(function (el, i) {
      if (!wantE.has(i)) {
        el.remove();
        self.edgeEls.delete(i);
      }
    });
    var wantC = new Set();
    this.clusters.forEach(function (c, i) {
      if (c.x + c.w < v[0] || c.x > v[2] || c.y + c.h < v[1] || c.y > v[3]) return;
      wantC.add(i);
      if (!self.clusterEls.has(i)) {
        var size = self.g.partSize[c.p];
        var el = sv("g", null, [
          sv("rect", { class: "cluster", x: c.x.toFixed(1), y: c.y.toFixed(1), width: c.w.toFixed(1), height: c.h.toFixed(1), rx: 10 }),
          sv("text", { class: "cluster-label", x: (c.x + 10).toFixed(1), y: (c.y + 13).toFixed(1), text: "partition " + (c.p + 1) + (size ? " \u00b7 " + size + " ops" : "") })
        ]);
        self.clusterEls.set(i, el);
        self.gClusters.appendChild(el);
      }
    });
    this.clusterEls.forEach(function (el, i) {
      if (!wantC.has(i)) {
        el.remove();
        self.clusterEls.delete(i);
      }
    });
  };

  GraphView.prototype.nodeEl = function (ui) {
    var u = this.g.units[ui];
    var p = this.pos[ui];
    var cls = "node " + (u.kind === "in" || u.kind === "out" ? "io" : u.st) + (u.kind === "chain" ? " chain" : "") +
      (u.fl ? " fl" : "") + (ui === this.sel ? " sel" : "");
    var x = p.x - p.w / 2;
    var y = p.y - p.h / 2;
    var g = sv("g", { class: cls, transform: "translate(" + x.toFixed(1) + "," + y.toFixed(1) + ")", "data-unit": ui,
      "data-op": u.kind === "op" ? u.op : null, "data-kind": u.kind });
    g.appendChild(sv("title", { text: u.title }));
    if (u.fl) g.appendChild(sv("rect", { class: "float", x: -4, y: -4, width: p.w + 8, height: p.h + 8, rx: 9 }));
    g.appendChild(sv("rect", { class: "box", width: p.w, height: p.h, rx: u.kind === "op" || u.kind === "chain" ? 6 : p.h / 2 }));
    if (u.kind === "in" || u.kind === "out") {
      g.appendChild(sv("text", { class: "t1", x: 14, y: 14, text: u.l1 }));
      g.appendChild(sv("text", { class: "t2", x: 14, y: 26, text: u.l2 }));
    } else {
      g.appendChild(sv("text", { class: "t1", x: 10, y: 17, text: u.l1 }));
      g.appendChild(sv("text", { class: "t2", x: 10, y: 32, text: u.l2 }));
    }
    if (u.fl) g.appendChild(sv("text", { class: "badge", x: p.w - 20, y: 12, text: "FP" }));
    return g;
  };

  GraphView.prototype.renderLegend = function () {
    clear(this.legend);
    var t = this.target();
    var items = [];
    if (t) {
      var verb = t.kind === "runtime" ? "runs" : "delegated";
      items.push(["d", verb], ["f", t.kind === "runtime" ? "cannot run" : "falls back to CPU"], ["n", "not looked at"]);
      if (t.kind !== "runtime") items.push(["p", "partition"]);
    } else {
      items.push(["", "op"]);
    }
    items.push(["fl", "float island"], ["io", "graph input/output"]);
    var self = this;
    items.forEach(function (it) {
      self.legend.appendChild(h("span", null, [h("i", { class: "sw " + (it[0] || "op"), style: it[0] ? null : "background:#e9edff;border-color:#6d83d8" }), it[1]]));
    });
    var n = this.g ? this.g.units.filter(function (u) { return u.kind === "chain"; }).length : 0;
    if (n) this.legend.appendChild(h("span", { class: "muted", text: n + " straight chains collapsed (dashed); click to expand" }));
  };

  // -- pan and zoom -----------------------------------------------------------------------------
  GraphView.prototype.bindEvents = function () {
    var self = this;
    var view = this.view;
    view.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      var node = e.target.closest ? e.target.closest("g.node") : null;
      self.drag = { x: e.clientX, y: e.clientY, tx: self.tx, ty: self.ty, moved: false, node: node };
    });
    view.addEventListener("pointermove", function (e) {
      var d = self.drag;
      if (!d) return;
      var dx = e.clientX - d.x;
      var dy = e.clientY - d.y;
      if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!d.moved) {
        d.moved = true;
        view.classList.add("dragging");
        try { view.setPointerCapture(e.pointerId); } catch (err) { /* pointer already gone */ }
      }
      self.tx = d.tx + dx;
      self.ty = d.ty + dy;
      self.applyTransform();
    });
    var end = function () {
      var d = self.drag;
      self.drag = null;
      view.classList.remove("dragging");
      if (d && !d.moved && d.node) self.select(+d.node.getAttribute("data-unit"), false);
    };
    view.addEventListener("pointerup", end);
    view.addEventListener("pointercancel", function () { self.drag = null; view.classList.remove("dragging"); });
    view.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = view.getBoundingClientRect();
      var f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0016));
      self.zoomAt(e.clientX - r.left, e.clientY - r.top, f);
    }, { passive: false });
    view.addEventListener("keydown", function (e) {
      var step = 60;
      if (e.key === "+" || e.key === "=") self.zoomBy(1.25);
      else if (e.key === "-") self.zoomBy(0.8);
      else if (e.key === "ArrowLeft") self.tx += step;
      else if (e.key === "ArrowRight") self.tx -= step;
      else if (e.key === "ArrowUp") self.ty += step;
      else if (e.key === "ArrowDown") self.ty -= step;
      else return;
      e.preventDefault();
      self.applyTransform();
    });
    window.addEventListener("resize", function () { self.scheduleRender(); });
  };
  GraphView.prototype.zoomAt = function (px, py, f) {
    var k = Math.max(0.01, Math.min(3, this.k * f));
    f = k / this.k;
    this.tx = px - (px - this.tx) * f;
    this.ty = py - (py - this.ty) * f;
    this.k = k;
    this.applyTransform();
  };
  GraphView.prototype.zoomBy = function (f) {
    var r = this.view.getBoundingClientRect();
    this.zoomAt(r.width / 2, r.height / 2, f);
  };
  GraphView.prototype.fitAll = function () {
    if (this.laid < this.segs.length) {
      this.pending = { fit: true };
      this.scheduleLayout();
      return;
    }
    var r = this.view.getBoundingClientRect();
    var b = this.bbox || [0, 0, 1, 1];
    var w = b[2] - b[0] + 40;
    var hh = b[3] - b[1] + 40;
    this.k = Math.max(0.01, Math.min(1.2, r.width / w, r.height / hh));
    this.tx = r.width / 2 - ((b[0] + b[2]) / 2) * this.k;
    this.ty = r.height / 2 - ((b[1] + b[3]) / 2) * this.k;
    this.applyTransform();
  };
  GraphView.prototype.fitTop = function () {
    var r = this.view.getBoundingClientRect();
    var b = this.segs.length && this.segs[0].laid ? this.segs[0].box : [-200, 0, 200, 100];
    this.k = Math.max(0.5, Math.min(1.1, (r.width || 800) / (b[2] - b[0] + 40)));
    this.tx = (r.width || 800) / 2 - ((b[0] + b[2]) / 2) * this.k;
    this.ty = 10 - b[1] * this.k;
    this.applyTransform();
  };
  GraphView.prototype.center = function (u) {
    var p = this.pos[u];
    var r = this.view.getBoundingClientRect();
    if (this.k < 0.7) this.k = 0.9;
    this.tx = (r.width || 800) / 2 - p.x * this.k;
    this.ty = (r.height || 500) / 2 - p.y * this.k;
    this.applyTransform();
  };

  // -- selection and details ----------------------------------------------------------------------
  GraphView.prototype.select = function (ui, centerIt) {
    var prev = this.sel;
    this.sel = ui;
    var self = this;
    [prev, ui].forEach(function (x) {
      var el = self.nodeEls.get(x);
      if (el) el.classList.toggle("sel", x === ui);
    });
    this.edgeEls.forEach(function (el, i) {
      var e = self.edgePaths[i];
      el.classList.toggle("sel", e.from === ui || e.to === ui);
    });
    if (centerIt) this.center(ui);
    var u = this.g.units[ui];
    if (u.kind === "op") this.showOp(u.op);
    else if (u.kind === "chain") this.showChain(u);
    else this.showTensor(u.t);
  };

  GraphView.prototype.focusOp = function (sg, op, quiet) {
    if (sg !== this.sg) {
      this.sg = sg;
      this.sgSel.value = String(sg);
      this.expanded = {};
      this.started = true;
      this.rebuild(false);
    }
    if (!this.g || op < 0 || op >= this.g.unitOfOp.length) return;
    var ui = this.g.unitOfOp[op];
    var u = this.g.units[ui];
    if (u.kind === "chain") {
      this.expanded[u.ops[0]] = 1;
      this.rebuild(false);
      ui = this.g.unitOfOp[op];
    }
    if (this.segOf[ui] >= this.laid) {
      // not laid out yet: show the details now, centre on it once its part is laid out
      this.pending = { ui: ui, quiet: quiet };
      if (u.kind === "op") this.showOp(op);
      this.scheduleLayout();
      return;
    }
    this.pending = null;
    this.select(ui, true);
    if (!quiet) this.flash(ui);
  };

  GraphView.prototype.flash = function (ui) {
    var self = this;
    requestAnimationFrame(function () {
      var el = self.nodeEls.get(ui);
      if (!el) return;
      el.classList.add("hit");
      setTimeout(function () { el.classList.remove("hit"); }, 900);
    });
  };

  GraphView.prototype.focusTensor = function (sg, t) {
    if (sg !== this.sg) this.focusOp(sg, 0, true);
    if (!this.g) return;
    var p = this.g.producer[t];
    var c = this.g.consumers[t];
    var op = p >= 0 ? p : c && c.length ? c[0] : -1;
    if (op >= 0) this.focusOp(sg, op, false);
    this.showTensor(t);
  };

  GraphView.prototype.findNext = function (q) {
    q = q.trim();
    if (!q) return;
    var ops = this.d.subgraphs[this.sg].ops;
    var T = this.d.subgraphs[this.sg].tensors;
    var m = /^#?(\d+)$/.exec(q);
    if (m) {
      var i = +m[1];
      if (i < ops.length) this.focusOp(this.sg, i);
      return;
    }
    q = q.toLowerCase();
    var start = this.sel >= 0 ? (this.firstOp(this.g.units[this.sel]) || 0) + 1 : 0;
    for (var n = 0; n < ops.length; n++) {
      var j = (start + n) % ops.length;
      var hay = (ops[j][0] + " " + ops[j][1]).toLowerCase();
      ops[j][4].forEach(function (t) { if (t >= 0 && T[t]) hay += " " + String(T[t][0]).toLowerCase(); });
      if (hay.indexOf(q) >= 0) {
        this.focusOp(this.sg, j);
        return;
      }
    }
  };

  GraphView.prototype.showHelp = function () {
    clear(this.details);
    add(this.details, [
      h("div", { class: "dtitle", text: "Graph" }),
      h("p", { class: "empty", text: "Click an op to see its inputs, outputs, options, tensor shapes, dtypes and quantization, and each target's verdict." }),
      h("p", { class: "empty small", text: "Drag to pan, scroll to zoom, or use the arrow and +/\u2212 keys. Large graphs are laid out part by part, and straight chains of ops are collapsed until you open them." })
    ]);
  };

  GraphView.prototype.opLink = function (op) {
    var self = this;
    var name = this.d.subgraphs[this.sg].ops[op][0];
    return h("span", { class: "linkish mono", text: "#" + op + " " + name, onclick: function () { self.focusOp(self.sg, op); } });
  };

  GraphView.prototype.tensorCard = function (t, role) {
    var self = this;
    var sg = this.d.subgraphs[this.sg];
    var T = sg.tensors[t];
    if (!T) return h("div", { class: "tensor muted", text: "tensor " + t + " (out of range)" });
    var q = T[5];
    var kind = { a: "", c: "constant", v: "variable" }[T[4]] || "";
    var meta = T[1] + " " + shapeText(T[2], T[6]) + " \u00b7 " + (T[3] === null ? "dynamic size" : fmtBytes(T[3])) + (kind ? " \u00b7 " + kind : "");
    var parts = [
      h("div", { class: "tname" }, [h("span", { class: "linkish", text: short(T[0] || "(unnamed)", 96), title: T[0] || "tensor " + t, onclick: function () { self.showTensor(t); } }),
        h("span", { class: "muted", text: "  #" + t })]),
      h("div", { class: "tmeta", text: meta })
    ];
    if (q && q.n) {
      parts.push(h("div", { class: "tq", text: q.n === 1 ? "scale " + fmtNum(q.s[0]) + ", zero point " + (q.z.length ? q.z[0] : 0)
        : "per-channel: " + q.n + " scales on axis " + q.ax + ", " + fmtNum(q.lo) + " \u2026 " + fmtNum(q.hi) }));
    } else if (q && q.details) {
      parts.push(h("div", { class: "tq", text: optionText(q.details) }));
    }
    if (role === "in" && T[4] !== "c") {
      var p = this.g.producer[t];
      if (p >= 0) parts.push(h("div", { class: "small" }, [h("span", { class: "muted", text: "from " }), this.opLink(p)]));
    } else if (role === "out") {
      var cs = (this.g.consumers[t] || []).slice(0, 6);
      if (cs.length) {
        parts.push(h("div", { class: "small" }, [h("span", { class: "muted", text: "to " })].concat(
          cs.map(function (c, i) { return [i ? ", " : "", self.opLink(c)]; }).reduce(function (a, b) { return a.concat(b); }, []))));
      }
    }
    return h("div", { class: "tensor" }, parts);
  };

  GraphView.prototype.verdicts = function (op) {
    var self = this;
    var box = h("div");
    this.d.targets.forEach(function (t) {
      var s = t.status[self.sg][op];
      var runtime = t.kind === "runtime";
      var cls = s === "d" ? "d" : s === "f" ? "f" : "n";
      var label = s === "d" ? (runtime ? "\u2713 runs" : "\u2713 delegated") : s === "f" ? (runtime ? "\u2717 cannot run" : "\u2717 falls back to the CPU") : "\u2013 not looked at";
      if (s === "d") {
        t.partitions.forEach(function (p, pi) { if (p[0] === self.sg && p[1].indexOf(op) >= 0 && !runtime) label += " (partition " + (pi + 1) + ")"; });
      }
      var reasons = self.mv.reasons(t, self.sg, op);
      box.appendChild(h("div", { class: "verdict " + cls }, [h("b", { text: t.name }), " ", label,
        reasons.length ? h("ul", null, reasons.map(function (r) { return h("li", { text: r }); })) : null]));
    });
    return box;
  };

  GraphView.prototype.showOp = function (j) {
    var self = this;
    var sg = this.d.subgraphs[this.sg];
    var op = sg.ops[j];
    clear(this.details);
    var sub = "op #" + j + " \u00b7 subgraph " + this.sg + " \u00b7 version " + op[2] + (op[1] !== op[0] ? " \u00b7 " + op[1] : "");
    add(this.details, [h("div", { class: "dtitle", text: op[0] }), h("div", { class: "dsub", text: sub })]);
    if (op[6]) this.details.appendChild(h("div", { class: "dsub", text: "MACs: " + op[6].toLocaleString() + " (" + fmtCount(op[6]) + ")" }));
    if (op[7]) this.details.appendChild(h("div", { class: "floatnote", text: "Float island: computes in float inside an integer model" }));
    if (this.d.targets.length) {
      add(this.details, [h("h4", { text: "Targets" }), this.verdicts(j)]);
    }
    this.details.appendChild(h("h4", { text: "Inputs (" + op[3].length + ")" }));
    op[3].forEach(function (t, i) {
      if (t < 0) self.details.appendChild(h("div", { class: "tensor muted small", text: "input " + i + ": optional, not given" }));
      else self.details.appendChild(self.tensorCard(t, "in"));
    });
    this.details.appendChild(h("h4", { text: "Outputs (" + op[4].length + ")" }));
    op[4].forEach(function (t) { if (t >= 0) self.details.appendChild(self.tensorCard(t, "out")); });
    var opts = op[5];
    if (opts && Object.keys(opts).length) {
      this.details.appendChild(h("h4", { text: "Options" }));
      var dl = h("dl", { class: "opts" });
      Object.keys(opts).forEach(function (k) { add(dl, [h("dt", { text: k }), h("dd", { text: optionText(opts[k]) })]); });
      this.details.appendChild(dl);
    }
    if (op[8] && op[8].length) {
      this.details.appendChild(h("h4", { text: "Calls subgraphs" }));
      op[8].forEach(function (s) {
        self.details.appendChild(h("div", null, h("span", { class: "linkish", text: "subgraph " + s + ": " + (self.d.subgraphs[s] ? self.d.subgraphs[s].name : "?"),
          onclick: function () { self.setSubgraph(s); } })));
      });
    }
  };

  GraphView.prototype.showChain = function (u) {
    var self = this;
    clear(this.details);
    add(this.details, [h("div", { class: "dtitle", text: u.ops.length + " ops in a straight chain" }),
      h("div", { class: "dsub", text: "ops #" + u.ops[0] + "\u2013#" + u.ops[u.ops.length - 1] + ", collapsed to keep a large graph responsive" }),
      h("p", null, h("button", { type: "button", text: "Expand this chain", onclick: function () {
        self.expanded[u.ops[0]] = 1;
        var first = u.ops[0];
        self.rebuild(false);
        self.focusOp(self.sg, first, true);
      } })),
      h("h4", { text: "Ops" })]);
    var ol = h("ul", { class: "chainlist" });
    u.ops.forEach(function (o) { ol.appendChild(h("li", null, self.opLink(o))); });
    this.details.appendChild(ol);
  };

  GraphView.prototype.showTensor = function (t) {
    var sg = this.d.subgraphs[this.sg];
    var T = sg.tensors[t];
    if (!T) return;
    clear(this.details);
    var q = T[5];
    add(this.details, [h("div", { class: "dtitle", text: T[0] || "(unnamed tensor)" }),
      h("div", { class: "dsub", text: "tensor #" + t + " \u00b7 subgraph " + this.sg })]);
    var rows = [["dtype", T[1]], ["shape", shapeText(T[2], 0)]];
    if (T[6]) rows.push(["shape signature", shapeText(T[6], 0)]);
    rows.push(["bytes", T[3] === null ? "dynamic" : T[3].toLocaleString()], ["kind", { a: "activation", c: "constant", v: "variable" }[T[4]] || T[4]]);
    if (q && q.n) {
      rows.push(["scale", listText(q.s, q.n)], ["zero point", listText(q.z, q.n)]);
      if (q.n > 1) rows.push(["axis", String(q.ax)], ["scale range", fmtNum(q.lo) + " \u2026 " + fmtNum(q.hi)]);
    }
    if (q && q.min) rows.push(["min", listText(q.min, q.min.length)]);
    if (q && q.max) rows.push(["max", listText(q.max, q.max.length)]);
    if (q && q.details) rows.push(["details", optionText(q.details)]);
    var dl = h("dl", { class: "opts" });
    rows.forEach(function (r) { add(dl, [h("dt", { text: r[0] }), h("dd", { text: r[1] })]); });
    add(this.details, [h("h4", { text: "Tensor" }), dl]);
    var self = this;
    var p = this.g.producer[t];
    this.details.appendChild(h("h4", { text: "Produced by" }));
    this.details.appendChild(p >= 0 ? h("div", null, this.opLink(p)) : h("div", { class: "muted", text: sg.inputs.indexOf(t) >= 0 ? "graph input" : "nothing (constant or unused)" }));
    var cs = this.g.consumers[t] || [];
    this.details.appendChild(h("h4", { text: "Consumed by (" + cs.length + ")" }));
    cs.slice(0, 50).forEach(function (c) { self.details.appendChild(h("div", null, self.opLink(c))); });
  };

  // -- one model section --------------------------------------------------------------------------
  function ModelView(section, data) {
    var self = this;
    this.sec = section;
    this.d = data;
    this.id = data.id;
    this.targets = {};
    data.targets.forEach(function (t) { self.targets[t.name] = t; });
    this.buttons = Array.prototype.slice.call(section.querySelectorAll(".tabs button"));
    this.buttons.forEach(function (b) {
      b.addEventListener("click", function () { self.showTab(b.getAttribute("data-tab")); });
    });
    this.findings = new FindingsView(this, section.querySelector(".js-findings"));
  }
  ModelView.prototype.target = function (name) {
    return this.targets[name] || null;
  };
  ModelView.prototype.reasons = function (t, sg, op) {
    var S = this.d.strings;
    return (t.reasons[sg + ":" + op] || []).map(function (i) { return S[i]; });
  };
  ModelView.prototype.showTab = function (name) {
    this.buttons.forEach(function (b) { b.setAttribute("aria-selected", String(b.getAttribute("data-tab") === name)); });
    Array.prototype.forEach.call(this.sec.querySelectorAll(".panel"), function (p) {
      p.hidden = p.getAttribute("data-panel") !== name;
    });
    if (name === "graph") {
      if (!this.graph) this.graph = new GraphView(this, this.sec.querySelector(".js-graph"));
      this.graph.start();
      this.graph.scheduleRender();
    } else if (name === "ops" && !this.ops) {
      this.ops = new OpsView(this, this.sec.querySelector(".js-ops"));
    } else if (name === "tensors" && !this.tensors) {
      this.tensors = new TensorsView(this, this.sec.querySelector(".js-tensors"));
    }
  };
  ModelView.prototype.goOp = function (sg, op) {
    if (sg >= this.d.subgraphs.length || op >= this.d.subgraphs[sg].ops.length) return;
    this.showTab("graph");
    this.graph.focusOp(sg, op, false);
    this.sec.querySelector(".tabs").scrollIntoView({ block: "start" });
  };
  ModelView.prototype.goTensor = function (sg, t) {
    if (sg >= this.d.subgraphs.length || t >= this.d.subgraphs[sg].tensors.length) return;
    this.showTab("graph");
    this.graph.focusTensor(sg, t);
    this.sec.querySelector(".tabs").scrollIntoView({ block: "start" });
  };

  // -- start --------------------------------------------------------------------------------------
  var views = {};
  Array.prototype.forEach.call(document.querySelectorAll("script.model-data"), function (s) {
    var id = s.getAttribute("data-model");
    var section = document.getElementById(id);
    if (!section) return;
    try {
      views[id] = new ModelView(section, JSON.parse(s.textContent));
    } catch (err) {
      var p = section.querySelector(".js-findings");
      if (p) p.textContent = "This part of the report could not be shown: " + err;
      throw err;
    }
  });

  function route(hash) {
    var m = /^#(m\d+)-(op|t)-(\d+)-(\d+)$/.exec(hash || "");
    if (!m || !views[m[1]]) return false;
    if (m[2] === "op") views[m[1]].goOp(+m[3], +m[4]);
    else views[m[1]].goTensor(+m[3], +m[4]);
    return true;
  }
  document.addEventListener("click", function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    var a = e.target.closest ? e.target.closest("a") : null;
    if (!a) return;
    var href = a.getAttribute("href") || "";
    if (href.charAt(0) === "#" && route(href)) {
      e.preventDefault();
      try { history.replaceState(null, "", href); } catch (err) { /* file:// may refuse */ }
    }
  });
  window.addEventListener("hashchange", function () { route(location.hash); });
  if (location.hash) route(location.hash);
  window.tfliteReport = { views: views, route: route };
})();
