// The status page: asks the coordinator for /status and the new samples of /status/history every second and draws
// them. No library: the charts are a small canvas line chart below. Read-only: the page sends nothing but GETs.
'use strict';

(() => {
  const POLL_MS = 1000;
  const CHARTS = [
    { id: 'loss', value: s => s.loss, format: v => fixed(v, 4), color: '#2563eb' },
    { id: 'lr', value: s => s.learning_rate, format: v => sci(v), color: '#7c3aed' },
    { id: 'throughput', value: s => s.examples_per_second, format: v => fixed(v, 1), color: '#15803d', zero: true },
    { id: 'stall', value: s => 100 * s.data_stall, format: v => fixed(v, 1) + ' %', color: '#b45309', zero: true },
  ];

  const history = { samples: [], lastSeq: 0, capacity: 2000, checkpoints: [], evaluations: [] };
  let status = null;
  let lastContact = 0;

  const $ = id => document.getElementById(id);

  // The API writes a non-finite double as the string "NaN" or "Infinity".
  const num = v => (typeof v === 'number' ? v : v == null ? NaN : Number(v));
  const fixed = (v, digits) => (Number.isFinite(num(v)) ? num(v).toFixed(digits) : '–');
  const sci = v => (Number.isFinite(num(v)) ? num(v).toExponential(2) : '–');
  const clock = unix => new Date(unix * 1000).toLocaleTimeString([], { hour12: false });

  function text(id, value) {
    const element = $(id);
    if (element.textContent !== value) element.textContent = value;
  }

  function cell(row, value, className) {
    const td = row.insertCell();
    td.textContent = value;
    if (className) td.className = className;
    return td;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (response.status === 503) return null; // the job has not started
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  async function poll() {
    try {
      const [latest, page] = await Promise.all([getJson('/status'), getJson(`/status/history?after=${history.lastSeq}`)]);
      lastContact = Date.now();
      if (page) take(page);
      if (latest) status = latest;
      render();
    } catch (error) {
      showLost(error);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  function take(page) {
    // A coordinator started again on the same address numbers its samples from 1 again.
    if (page.last_seq < history.lastSeq) history.samples = [];
    history.capacity = page.capacity;
    history.samples.push(...page.samples);
    if (history.samples.length > history.capacity) history.samples.splice(0, history.samples.length - history.capacity);
    history.lastSeq = page.last_seq;
    history.checkpoints = page.checkpoints;
    history.evaluations = page.evaluations;
  }

  function showLost(error) {
    const badge = $('phase');
    badge.className = 'badge unreachable';
    badge.textContent = 'unreachable';
    const connection = $('connection');
    connection.className = 'connection lost';
    connection.textContent = lastContact
      ? `coordinator not answering since ${new Date(lastContact).toLocaleTimeString([], { hour12: false })} (${error.message})`
      : `coordinator not answering (${error.message})`;
  }

  function render() {
    const connection = $('connection');
    connection.className = 'connection muted';
    const last = history.samples[history.samples.length - 1];
    connection.textContent = last ? `last step ${Math.max(0, Math.round(Date.now() / 1000 - last.unix_seconds))} s ago` : 'no step yet';
    if (!status) {
      text('job', 'waiting for the job to start');
      drawCharts();
      return;
    }

    const s = status;
    document.title = `${s.job}: step ${s.step} · cluster`;
    text('job', s.job);
    const phase = s.failed ? 'failed' : s.holding || s.phase;
    const badge = $('phase');
    badge.className = `badge ${phase}`;
    badge.textContent = phase;
    text('reason', s.finish_reason || s.last_hold || '');

    text('step', String(s.step));
    text('step-sub', s.max_steps ? `of ${s.max_steps} (${Math.round((100 * s.step) / s.max_steps)} %)` : 'committed by all ranks');
    text('epoch', String(s.epoch));
    text('epoch-sub', s.epochs ? `from 0, of ${s.epochs}` : 'from 0');
    text('loss', fixed(s.loss, 4));
    text('loss-sub', s.step > 0 ? `mean over ranks, step ${s.step}` : 'no step yet');
    text('lr', sci(s.learning_rate));
    text('throughput', fixed(s.examples_per_second, 1));
    text('stall', fixed(100 * num(s.data_stall), 1) + ' %');
    text('stall-sub', `waited ${fixed(s.data_wait_seconds, 3)} s for data`);
    text('group', s.world_size ? `${s.world_size} ranks` : 'none');
    text('group-sub', `generation ${s.generation}`);

    renderNodes(s.nodes);
    renderLedger(s);
    renderCheckpoints(s);
    renderEvaluations(s);
    drawCharts();
  }

  function renderNodes(nodes) {
    text('nodes-count', `${nodes.filter(n => n.role === 'gpu').length} gpu, ${nodes.filter(n => n.role === 'data').length} data`);
    const body = $('nodes').tBodies[0];
    body.replaceChildren();
    for (const n of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
      const row = body.insertRow();
      cell(row, n.name);
      cell(row, n.role);
      const state = cell(row, n.state);
      const dot = document.createElement('span');
      dot.className = `dot ${n.state}`;
      state.prepend(dot);
      cell(row, n.rank == null ? '' : String(n.rank));
      cell(row, n.role === 'data' ? String(n.shards) : '');
      cell(row, String(n.process_id));
      cell(row, n.device);
    }
  }

  function renderLedger(s) {
    const total = s.ledger_batches;
    const due = Math.max(0, total - s.ledger_committed - s.ledger_in_flight);
    const share = count => (total > 0 ? `${(100 * count) / total}%` : '0');
    text('ledger-epoch', `epoch ${s.epoch}, ${total} batches`);
    const bar = $('ledger-bar');
    bar.querySelector('.committed').style.width = share(s.ledger_committed);
    bar.querySelector('.in-flight').style.width = share(s.ledger_in_flight);
    text('ledger-committed', String(s.ledger_committed));
    text('ledger-in-flight', String(s.ledger_in_flight));
    text('ledger-due', String(due));
    text('duplicates', String(s.duplicate_commits));
    text('skipped', String(s.skipped_examples));
    text('data-workers', `${s.nodes.filter(n => n.role === 'data').length} running, ${s.data_workers_desired} desired`);
  }

  function renderCheckpoints(s) {
    const list = [...history.checkpoints].reverse();
    text('checkpoints-count', list.length ? `${list.length} seen` : '');
    const folder = list.length && list[0].directory ? list[0].directory.replace(/\/[^/]*$/, '') : '';
    text('checkpoints-folder', folder ? `in ${folder}` : '');
    $('checkpoints-empty').hidden = list.length > 0;
    const body = $('checkpoints').tBodies[0];
    body.replaceChildren();
    for (const c of list) {
      const row = body.insertRow();
      if (c.step === s.checkpoint_step) row.className = 'latest';
      cell(row, String(c.step));
      cell(row, clock(c.unix_seconds));
      // The folder's name (its whole path on hover); the folder they are in is written under the table.
      const directory = c.directory || '';
      cell(row, directory.split('/').pop(), 'path').title = directory;
    }
  }

  function renderEvaluations(s) {
    const list = [...history.evaluations].reverse();
    text('evaluations-count', list.length ? `${list.length} seen` : '');
    $('evaluations-empty').hidden = list.length > 0;
    const metrics = [...new Set(list.flatMap(e => Object.keys(e.metrics)))].sort();
    const head = $('evaluations').tHead.rows[0];
    head.replaceChildren();
    for (const name of list.length ? ['step', 'seen', ...metrics] : []) {
      const th = document.createElement('th');
      th.textContent = name;
      head.appendChild(th);
    }
    const body = $('evaluations').tBodies[0];
    body.replaceChildren();
    for (const e of list) {
      const row = body.insertRow();
      if (e.step === s.evaluation_step) row.className = 'latest';
      cell(row, String(e.step));
      cell(row, clock(e.unix_seconds));
      for (const name of metrics) cell(row, name in e.metrics ? fixed(e.metrics[name], 4) : '');
    }
    const samples = $('samples');
    samples.replaceChildren();
    for (const line of s.evaluation_samples || []) {
      const item = document.createElement('li');
      item.textContent = line;
      samples.appendChild(item);
    }
  }

  function drawCharts() {
    for (const chart of CHARTS) {
      const points = history.samples.map(s => ({ x: s.unix_seconds, y: num(chart.value(s)) }));
      const latest = points.length ? points[points.length - 1].y : NaN;
      text(`latest-${chart.id}`, points.length ? `${chart.format(latest)} at step ${history.samples[history.samples.length - 1].step}` : '');
      lineChart($(`chart-${chart.id}`), points, chart);
    }
  }

  // Round steps for an axis: 1, 2 or 5 times a power of ten, about `count` of them over [low, high].
  function ticks(low, high, count) {
    const raw = (high - low) / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw) || 10 * power;
    const values = [];
    for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return values;
  }

  // Clock times on whole seconds, minutes or hours, about `count` of them over [low, high] (unix seconds).
  function timeTicks(low, high, count) {
    const spans = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
    const step = spans.find(s => s >= (high - low) / count) || 86400;
    const values = [];
    for (let v = Math.ceil(low / step) * step; v <= high; v += step) values.push(v);
    return values;
  }

  // A line of (x, y) points on a canvas, sized to the canvas's CSS box at the screen's pixel density. A non-finite y
  // breaks the line. canvas.dataset.points says how many points were drawn (the end-to-end test reads it).
  function lineChart(canvas, points, options) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px "DejaVu Sans", sans-serif';
    const finite = points.filter(p => Number.isFinite(p.y));
    canvas.dataset.points = String(finite.length);
    if (finite.length === 0) {
      g.fillStyle = '#6b7280';
      g.textAlign = 'center';
      g.fillText('waiting for the first step', width / 2, height / 2);
      return;
    }

    const left = 64, right = 12, top = 8, bottom = 22;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    let x0 = finite[0].x, x1 = finite[finite.length - 1].x;
    if (x1 - x0 < 1) x1 = x0 + 1;
    let y0 = Math.min(...finite.map(p => p.y)), y1 = Math.max(...finite.map(p => p.y));
    if (options.zero) y0 = Math.min(0, y0);
    if (y1 - y0 < Math.abs(y1) * 1e-6 || y1 === y0) {
      const pad = Math.abs(y1) * 0.1 || 1;
      y0 -= options.zero && y0 === 0 ? 0 : pad;
      y1 += pad;
    } else {
      const pad = (y1 - y0) * 0.05;
      if (!(options.zero && y0 === 0)) y0 -= pad;
      y1 += pad;
    }
    const sx = x => left + ((x - x0) / (x1 - x0)) * plotWidth;
    const sy = y => top + (1 - (y - y0) / (y1 - y0)) * plotHeight;

    g.strokeStyle = '#e3e6eb';
    g.fillStyle = '#6b7280';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (const v of ticks(y0, y1, 4)) {
      const y = Math.round(sy(v)) + 0.5;
      g.beginPath();
      g.moveTo(left, y);
      g.lineTo(width - right, y);
      g.stroke();
      g.fillText(options.id === 'lr' ? sci(v) : axisNumber(v), left - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (const v of timeTicks(x0, x1, Math.max(2, Math.floor(plotWidth / 110)))) g.fillText(clock(v), sx(v), height - bottom + 6);

    g.strokeStyle = options.color;
    g.lineWidth = 1.75;
    g.lineJoin = 'round';
    g.beginPath();
    let drawing = false;
    for (const p of points) {
      if (!Number.isFinite(p.y)) {
        drawing = false;
        continue;
      }
      if (drawing) g.lineTo(sx(p.x), sy(p.y));
      else g.moveTo(sx(p.x), sy(p.y));
      drawing = true;
    }
    g.stroke();
    const end = finite[finite.length - 1];
    g.fillStyle = options.color;
    g.beginPath();
    g.arc(sx(end.x), sy(end.y), 3, 0, 2 * Math.PI);
    g.fill();
  }

  function axisNumber(v) {
    const a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
    return String(Number(v.toPrecision(4)));
  }

  window.addEventListener('resize', () => drawCharts());
  poll();
})();
