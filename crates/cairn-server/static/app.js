// Cairn's web UI script: draws the charts (uPlot) from sampled series the
// server sends (/-/api/history), refreshes the charts and console of
// running runs, and filters the config and summary trees. Pages work
// without it; it only adds what needs a script. Everything from the server
// is put in the page as text (textContent), never as HTML.
(function () {
  'use strict';

  const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
    '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const LIVE_MS = 5000;
  const view = { smoothing: 0, log: false, x: null };
  const figures = [];

  function smooth(ys, alpha) {
    if (!alpha) return ys;
    let last = null;
    return ys.map(function (y) {
      if (y === null) return null;
      last = last === null ? y : alpha * last + (1 - alpha) * y;
      return last;
    });
  }

  function message(fig, text) {
    let p = fig.querySelector('.chart-message');
    if (!p) {
      p = document.createElement('p');
      p.className = 'chart-message muted';
      fig.appendChild(p);
    }
    p.textContent = text;
  }

  function draw(fig) {
    const data = fig.cairnData;
    if (!data || typeof uPlot === 'undefined') return;
    if (fig.cairnPlot) { fig.cairnPlot.destroy(); fig.cairnPlot = null; }
    const series = data.series.filter(function (s) { return s.x.length > 0; });
    if (series.length === 0) { message(fig, 'No points yet.'); return; }
    message(fig, '');
    const tables = series.map(function (s) {
      let ys = smooth(s.y, view.smoothing);
      if (view.log) ys = ys.map(function (y) { return y !== null && y > 0 ? y : null; });
      return [s.x, ys];
    });
    const aligned = tables.length === 1 ? tables[0] : uPlot.join(tables);
    const ink = getComputedStyle(document.body).color;
    const axis = { stroke: ink, grid: { stroke: 'rgba(128,128,128,0.2)' }, ticks: { stroke: 'rgba(128,128,128,0.3)' } };
    const opts = {
      width: Math.max(240, fig.clientWidth - 8),
      height: 220,
      scales: { x: { time: data.x === '_timestamp' }, y: { distr: view.log ? 3 : 1 } },
      axes: [axis, Object.assign({}, axis, { size: 60 })],
      series: [{ label: data.x }].concat(series.map(function (s, i) {
        return { label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true };
      })),
      legend: { show: series.length <= 10 },
    };
    fig.cairnPlot = new uPlot(opts, aligned, fig);
    // When it was first drawn, for the benchmark (cairn-bench `web`).
    if (!fig.dataset.drawnAt) fig.dataset.drawnAt = String(performance.now());
  }

  function load(fig) {
    const params = new URLSearchParams({
      runs: fig.dataset.runs,
      key: fig.dataset.key,
      x: view.x || fig.dataset.x,
      samples: String(Math.min(2000, Math.max(200, fig.clientWidth))),
    });
    if (fig.dataset.source) params.set('source', fig.dataset.source);
    return fetch('/-/api/history?' + params.toString(), { credentials: 'same-origin' })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || body.errors?.[0]?.message || r.statusText);
          return body;
        });
      })
      .then(function (body) {
        fig.cairnData = body;
        draw(fig);
        const running = body.series.some(function (s) { return s.state === 'running'; });
        fig.dataset.live = running ? 'true' : 'false';
        fig.dataset.loaded = 'true';
      })
      .catch(function (e) { message(fig, 'Could not load: ' + e.message); });
  }

  function setUpCharts() {
    document.querySelectorAll('figure.chart').forEach(function (fig) {
      if (!fig.dataset.runs) return;
      figures.push(fig);
    });
    if (figures.length === 0) return;
    const seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting && !entry.target.cairnAsked) {
          entry.target.cairnAsked = true;
          load(entry.target);
        }
      });
    }, { rootMargin: '200px' });
    figures.forEach(function (fig) { seen.observe(fig); });
    setInterval(function () {
      figures.forEach(function (fig) {
        if (fig.dataset.live === 'true' && fig.cairnAsked && !document.hidden) load(fig);
      });
    }, LIVE_MS);
    document.querySelectorAll('[data-control]').forEach(function (control) {
      control.addEventListener('input', function () {
        const what = control.dataset.control;
        if (what === 'smoothing') view.smoothing = Number(control.value);
        if (what === 'log') view.log = control.checked;
        if (what === 'x') {
          view.x = control.value;
          figures.forEach(function (fig) { if (fig.cairnAsked && !fig.dataset.source) load(fig); });
          return;
        }
        figures.forEach(draw);
      });
    });
    let resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () { figures.forEach(draw); }, 150);
    });
  }

  function setUpConsole() {
    const pre = document.querySelector('pre.console[data-run]');
    if (!pre || pre.dataset.live !== 'true') return;
    const tail = function () {
      if (document.hidden) return;
      const params = new URLSearchParams({ run: pre.dataset.run, from: pre.dataset.next });
      fetch('/-/api/console?' + params.toString(), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) return;
          if (body.lines.length > 0) {
            pre.appendChild(document.createTextNode(body.lines.join('\n') + '\n'));
            pre.dataset.next = String(body.next);
          }
          if (body.state !== 'running') { pre.dataset.live = 'false'; clearInterval(timer); }
        });
    };
    const timer = setInterval(tail, 3000);
  }

  function setUpTreeSearch() {
    document.querySelectorAll('input.tree-search').forEach(function (input) {
      const table = document.getElementById(input.dataset.tree);
      if (!table) return;
      input.addEventListener('input', function () {
        const q = input.value.trim().toLowerCase();
        table.querySelectorAll('tr').forEach(function (row) {
          row.hidden = q !== '' && !row.textContent.toLowerCase().includes(q);
        });
      });
    });
  }

  // Parallel coordinates: one vertical axis per parameter (and the metric
  // last), one line per run, coloured by the metric. Numbers are scaled
  // to each axis's range; other values are spread as categories.
  function drawParallel(fig) {
    const data = JSON.parse(fig.dataset.chart || '{}');
    const axes = data.axes || [];
    const runs = data.runs || [];
    if (axes.length < 2 || runs.length === 0) {
      message(fig, 'Not enough runs or parameters to chart yet.');
      return;
    }
    const scales = axes.map(function (_, i) {
      const values = runs.map(function (r) { return r.values[i]; })
        .filter(function (v) { return v !== null && v !== undefined; });
      if (values.every(function (v) { return typeof v === 'number'; })) {
        const lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
        return { lo: lo, hi: hi, at: function (v) { return typeof v === 'number' ? (hi === lo ? 0.5 : (v - lo) / (hi - lo)) : null; } };
      }
      const names = Array.from(new Set(values.map(String))).sort();
      return { names: names, at: function (v) {
        const k = names.indexOf(String(v));
        return k < 0 ? null : (names.length === 1 ? 0.5 : k / (names.length - 1));
      } };
    });
    const canvas = document.createElement('canvas');
    const width = Math.max(320, fig.clientWidth - 8), height = 320, pad = 40;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio; canvas.height = height * ratio;
    canvas.style.width = width + 'px'; canvas.style.height = height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    const ink = getComputedStyle(document.body).color;
    const x = function (i) { return pad + i * (width - 2 * pad) / (axes.length - 1); };
    const y = function (t) { return height - pad - t * (height - 2 * pad); };
    const metric = scales[axes.length - 1];
    runs.forEach(function (r) {
      const t = metric.at(r.values[axes.length - 1]);
      ctx.strokeStyle = t === null ? 'rgba(128,128,128,0.5)' : 'hsla(' + Math.round(240 - 240 * t) + ',70%,50%,0.7)';
      ctx.beginPath();
      let started = false;
      axes.forEach(function (_, i) {
        const v = scales[i].at(r.values[i]);
        if (v === null) { started = false; return; }
        if (started) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
        started = true;
      });
      ctx.stroke();
    });
    ctx.strokeStyle = ink; ctx.fillStyle = ink; ctx.font = '12px system-ui, sans-serif'; ctx.textAlign = 'center';
    axes.forEach(function (name, i) {
      ctx.beginPath(); ctx.moveTo(x(i), y(0)); ctx.lineTo(x(i), y(1)); ctx.stroke();
      ctx.fillText(name, x(i), pad - 22);
      const s = scales[i];
      const top = s.names ? s.names[s.names.length - 1] : s.hi;
      const bottom = s.names ? s.names[0] : s.lo;
      ctx.fillText(String(top), x(i), pad - 6);
      ctx.fillText(String(bottom), x(i), height - pad + 16);
    });
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Parallel coordinates of ' + runs.length + ' runs over ' + axes.join(', '));
    fig.appendChild(canvas);
    fig.dataset.drawn = 'true';
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('figure.parallel').forEach(drawParallel);
    setUpCharts();
    setUpConsole();
    setUpTreeSearch();
  });
})();
