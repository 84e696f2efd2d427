// Timelines you can explore: zoom (wheel, pinch, + and − buttons), pan
// (drag, ◀ ▶ buttons), reset (double-click, "reset"), and a tooltip per
// span. The timelines of one experiment share one time axis: zooming one
// zooms them all, so modes can be compared at any zoom.
//
// The page works without this script: each timeline is a complete static
// picture. The script only reads what the picture carries (data-plot-left,
// data-plot-right, data-end-us on the <svg>; data-lane on each lane's group
// of spans; data-state, data-label, data-start-us, data-end-us on each
// span) and redraws the
// spans and the axis for the visible range, which it writes on the figure
// as data-view-start and data-view-end, in milliseconds.
//
// On a narrow screen (a phone), the picture drawn 960 units wide would
// shrink its text to a few pixels: the script narrows the drawing instead
// (fewer units, a shorter column of lane names cut with "…"), so text
// stays readable and the spans get the rest of the width.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var MIN_SPAN_US = 5;
  // Below this many pixels, a timeline is drawn narrower.
  var NARROW_PX = 640;
  // The narrow drawing: at least this many units wide, lane names in
  // this many units, cut to this many characters.
  var NARROW_UNITS = 440, NARROW_NAMES = 100, NARROW_CHARS = 11;

  function human(us) {
    if (us < 1000) return Math.round(us) + " µs";
    var value = us < 1e6 ? us / 1e3 : us / 1e6;
    var unit = us < 1e6 ? "ms" : "s";
    var digits = value < 10 ? 2 : value < 100 ? 1 : 0;
    return value.toFixed(digits) + " " + unit;
  }

  function tickStep(total) {
    var magnitude = 1;
    for (;;) {
      var steps = [1, 2, 5];
      for (var i = 0; i < steps.length; i++) {
        var step = magnitude * steps[i];
        if (step * 8 >= total) return step;
      }
      magnitude *= 10;
    }
  }

  function tickLabel(us, step, span) {
    var unit = span >= 1e6 ? [1e6, "s"] : span >= 1e3 ? [1e3, "ms"] : [1, "µs"];
    var decimals = 0;
    while (decimals < 6 && Math.abs(Math.round(step * Math.pow(10, decimals) / unit[0]) -
      step * Math.pow(10, decimals) / unit[0]) > 1e-9) decimals++;
    return (us / unit[0]).toFixed(decimals) + " " + unit[1];
  }

  // One shared view per group of timelines (an experiment).
  function Group(end) {
    this.end = end;
    this.start = 0;
    this.stop = end;
    this.views = [];
  }
  Group.prototype.set = function (start, stop) {
    var width = Math.max(stop - start, Math.min(MIN_SPAN_US, this.end));
    if (width >= this.end) { start = 0; stop = this.end; }
    else {
      if (start < 0) start = 0;
      stop = start + width;
      if (stop > this.end) { stop = this.end; start = stop - width; }
    }
    this.start = start;
    this.stop = stop;
    for (var i = 0; i < this.views.length; i++) this.views[i].draw();
  };
  Group.prototype.zoom = function (factor, at) {
    var start = at - (at - this.start) * factor;
    var stop = at + (this.stop - at) * factor;
    this.set(start, stop);
  };
  Group.prototype.pan = function (us) {
    this.set(this.start + us, this.stop + us);
  };

  function View(figure, group) {
    this.figure = figure;
    this.group = group;
    this.svg = figure.querySelector("svg.timeline-svg");
    this.left = parseFloat(this.svg.getAttribute("data-plot-left"));
    this.right = parseFloat(this.svg.getAttribute("data-plot-right"));
    this.spans = Array.prototype.slice.call(this.svg.querySelectorAll(".span"));
    this.tip = figure.querySelector("[role=tooltip]");
    var axis = this.svg.querySelector(".axis line");
    this.bottom = axis ? parseFloat(axis.getAttribute("y1")) : 0;
    var firstLane = this.svg.querySelector(".lane");
    this.top = firstLane ? parseFloat(firstLane.getAttribute("y")) : 0;
    // The static grid and axis give way to live ones; the spans' native
    // tooltips to the live one.
    this.svg.classList.add("live");
    this.narrow();
    this.liveGrid = document.createElementNS(SVG, "g");
    this.liveGrid.setAttribute("class", "live-grid");
    this.liveAxis = document.createElementNS(SVG, "g");
    this.liveAxis.setAttribute("class", "live-axis");
    var spans = this.svg.querySelector(".spans");
    if (spans) this.svg.insertBefore(this.liveGrid, spans);
    this.svg.appendChild(this.liveAxis);
    for (var i = 0; i < this.spans.length; i++) {
      var title = this.spans[i].querySelector("title");
      if (title) title.parentNode.removeChild(title);
      this.spans[i].setAttribute("tabindex", "-1");
    }
  }

  // On a narrow screen: a drawing about as many units wide as the screen
  // has pixels, the plot starting after a short column of lane names.
  View.prototype.narrow = function () {
    var pixels = this.figure.clientWidth;
    if (!pixels || pixels >= NARROW_PX) return;
    // (The view box is live: read it before changing it.)
    var svg = this.svg, full = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
    var width = Math.max(NARROW_UNITS, Math.round(pixels / 0.9));
    if (width >= full) return;
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("width", width);
    var background = svg.querySelector(".background");
    if (background) background.setAttribute("width", width);
    var lanes = svg.querySelectorAll(".lane");
    for (var i = 0; i < lanes.length; i++) {
      var x = parseFloat(lanes[i].getAttribute("x"));
      lanes[i].setAttribute("width", width - 2 * x);
    }
    var names = svg.querySelectorAll(".lane-name");
    for (var j = 0; j < names.length; j++) {
      var text = names[j].lastChild;
      if (text && text.nodeType === 3 && text.nodeValue.length > NARROW_CHARS) {
        text.nodeValue = text.nodeValue.slice(0, NARROW_CHARS - 1) + "…";
      }
    }
    // The caption under the picture says the title in full.
    var title = svg.querySelector(".title");
    if (title && this.figure.querySelector("figcaption")) title.setAttribute("display", "none");
    this.right = width - (full - this.right);
    this.left = NARROW_NAMES;
  };

  View.prototype.scale = function () {
    return (this.right - this.left) / (this.group.stop - this.group.start);
  };

  // The time under a client x coordinate.
  View.prototype.timeAt = function (clientX) {
    var box = this.svg.getBoundingClientRect();
    var viewBox = this.svg.viewBox.baseVal;
    var x = (clientX - box.left) * (viewBox.width / box.width);
    x = Math.min(Math.max(x, this.left), this.right);
    return this.group.start + (x - this.left) / this.scale();
  };

  View.prototype.pixels = function () {
    var box = this.svg.getBoundingClientRect();
    return box.width / this.svg.viewBox.baseVal.width;
  };

  View.prototype.draw = function () {
    var g = this.group, scale = this.scale(), left = this.left, right = this.right;
    for (var i = 0; i < this.spans.length; i++) {
      var span = this.spans[i];
      var start = parseFloat(span.getAttribute("data-start-us"));
      var end = parseFloat(span.getAttribute("data-end-us"));
      var instant = span.classList.contains("instant");
      var visible = end >= g.start && start <= g.stop;
      if (!visible) { span.setAttribute("display", "none"); continue; }
      span.removeAttribute("display");
      if (instant) {
        var x = left + (start - g.start) * scale;
        span.setAttribute("x", (Math.min(Math.max(x - 1, left), right - 2)).toFixed(2));
        continue;
      }
      var x1 = Math.max(left, left + (start - g.start) * scale);
      var x2 = Math.min(right, left + (end - g.start) * scale);
      var width = Math.max(x2 - x1, 1);
      if (x1 + width > right) x1 = right - width;
      span.setAttribute("x", x1.toFixed(2));
      span.setAttribute("width", width.toFixed(2));
    }
    this.drawAxis();
    this.figure.setAttribute("data-view-start", (g.start / 1000).toFixed(3));
    this.figure.setAttribute("data-view-end", (g.stop / 1000).toFixed(3));
  };

  View.prototype.drawAxis = function () {
    var g = this.group, span = g.stop - g.start, step = tickStep(span);
    while (this.liveGrid.firstChild) this.liveGrid.removeChild(this.liveGrid.firstChild);
    while (this.liveAxis.firstChild) this.liveAxis.removeChild(this.liveAxis.firstChild);
    var base = document.createElementNS(SVG, "line");
    base.setAttribute("x1", this.left);
    base.setAttribute("x2", this.right);
    base.setAttribute("y1", this.bottom);
    base.setAttribute("y2", this.bottom);
    base.setAttribute("stroke", "#444444");
    this.liveAxis.appendChild(base);
    var first = Math.ceil(g.start / step) * step;
    for (var t = first; t <= g.stop + 1e-9; t += step) {
      var x = this.left + (t - g.start) * this.scale();
      var grid = document.createElementNS(SVG, "line");
      grid.setAttribute("x1", x); grid.setAttribute("x2", x);
      grid.setAttribute("y1", this.top); grid.setAttribute("y2", this.bottom);
      grid.setAttribute("stroke", "#d8d8d8");
      this.liveGrid.appendChild(grid);
      var tick = document.createElementNS(SVG, "line");
      tick.setAttribute("class", "tick");
      tick.setAttribute("x1", x); tick.setAttribute("x2", x);
      tick.setAttribute("y1", this.bottom); tick.setAttribute("y2", this.bottom + 5);
      tick.setAttribute("stroke", "#444444");
      this.liveAxis.appendChild(tick);
      var label = document.createElementNS(SVG, "text");
      label.setAttribute("class", "tick-label");
      label.setAttribute("x", x);
      label.setAttribute("y", this.bottom + 19);
      label.setAttribute("text-anchor", this.right - x < 30 ? "end" : x - this.left < 20 ? "start" : "middle");
      label.setAttribute("fill", "#222222");
      label.textContent = tickLabel(t, step, span);
      this.liveAxis.appendChild(label);
    }
  };

  View.prototype.showTip = function (span, clientX, clientY) {
    var start = parseFloat(span.getAttribute("data-start-us"));
    var end = parseFloat(span.getAttribute("data-end-us"));
    var state = span.getAttribute("data-state");
    var label = span.getAttribute("data-label");
    var tip = this.tip;
    tip.textContent = "";
    var lines = [
      ["lane", span.parentNode.getAttribute("data-lane")],
      ["state", state + (label ? " — " + label : "")],
      span.classList.contains("instant") ? ["at", human(start)] : ["start", human(start)],
    ];
    if (!span.classList.contains("instant")) lines.push(["duration", human(end - start)]);
    for (var i = 0; i < lines.length; i++) {
      var row = document.createElement("div");
      var key = document.createElement("span");
      key.className = "tip-key";
      key.textContent = lines[i][0] + ": ";
      row.appendChild(key);
      row.appendChild(document.createTextNode(lines[i][1]));
      if (lines[i][0] === "duration") row.className = "tip-duration";
      tip.appendChild(row);
    }
    tip.hidden = false;
    var box = this.figure.getBoundingClientRect();
    var x = clientX - box.left + 12, y = clientY - box.top + 12;
    var width = tip.offsetWidth;
    if (x + width > box.width) x = Math.max(0, clientX - box.left - width - 12);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  };

  View.prototype.hideTip = function () { this.tip.hidden = true; };

  View.prototype.listen = function () {
    var self = this, svg = this.svg, g = this.group;
    var pointers = {}, dragging = null, pinch = null;
    svg.addEventListener("wheel", function (event) {
      event.preventDefault();
      var delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
      g.zoom(Math.exp(Math.max(-1, Math.min(1, delta * 0.002))), self.timeAt(event.clientX));
    }, { passive: false });
    svg.addEventListener("dblclick", function () { g.set(0, g.end); });
    svg.addEventListener("pointerdown", function (event) {
      pointers[event.pointerId] = event.clientX;
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        dragging = null;
        pinch = { distance: Math.abs(pointers[ids[0]] - pointers[ids[1]]) || 1 };
      } else if (ids.length === 1) {
        dragging = { x: event.clientX, moved: false };
      }
      if (svg.setPointerCapture) svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", function (event) {
      if (pointers[event.pointerId] !== undefined) pointers[event.pointerId] = event.clientX;
      var ids = Object.keys(pointers);
      if (pinch && ids.length === 2) {
        var distance = Math.abs(pointers[ids[0]] - pointers[ids[1]]) || 1;
        var middle = (pointers[ids[0]] + pointers[ids[1]]) / 2;
        g.zoom(pinch.distance / distance, self.timeAt(middle));
        pinch.distance = distance;
        return;
      }
      if (dragging) {
        var dx = event.clientX - dragging.x;
        if (Math.abs(dx) > 2) dragging.moved = true;
        if (dragging.moved) {
          g.pan(-dx / self.pixels() / self.scale());
          dragging.x = event.clientX;
          self.hideTip();
          return;
        }
      }
      var target = event.target;
      if (target && target.classList && target.classList.contains("span")) {
        self.showTip(target, event.clientX, event.clientY);
      } else {
        self.hideTip();
      }
    });
    function up(event) {
      delete pointers[event.pointerId];
      if (Object.keys(pointers).length < 2) pinch = null;
      if (Object.keys(pointers).length === 0) dragging = null;
    }
    svg.addEventListener("pointerup", function (event) {
      // A tap on a span (touch screens have no hover) shows its tooltip.
      var target = event.target;
      if (dragging && !dragging.moved && target && target.classList && target.classList.contains("span")) {
        self.showTip(target, event.clientX, event.clientY);
      }
      up(event);
    });
    svg.addEventListener("pointercancel", up);
    svg.addEventListener("pointerleave", function (event) {
      if (event.pointerType === "mouse") self.hideTip();
    });
    var controls = this.figure.querySelector(".timeline-controls");
    if (controls) {
      controls.hidden = false;
      controls.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button) return;
        var middle = (g.start + g.stop) / 2, width = g.stop - g.start;
        switch (button.getAttribute("data-action")) {
          case "zoom-in": g.zoom(0.5, middle); break;
          case "zoom-out": g.zoom(2, middle); break;
          case "left": g.pan(-width / 4); break;
          case "right": g.pan(width / 4); break;
          case "reset": g.set(0, g.end); break;
        }
      });
    }
  };

  var groups = document.querySelectorAll(".timelines");
  for (var i = 0; i < groups.length; i++) {
    var end = parseFloat(groups[i].getAttribute("data-end-us")) || 1;
    var group = new Group(end);
    var figures = groups[i].querySelectorAll("figure.timeline");
    for (var j = 0; j < figures.length; j++) {
      if (!figures[j].querySelector("svg.timeline-svg .span")) continue;
      var view = new View(figures[j], group);
      group.views.push(view);
      view.listen();
    }
    group.set(0, end);
  }
})();
