// Tollgate dashboard: plain browser JavaScript, no build step, no inline code (the page is served
// with a strict Content-Security-Policy). Reads only the public /v1 API with the user's token.
(function () {
  'use strict';

  var TOKEN_KEY = 'tollgate.token';
  var STACK_SERIES = 8;
  var COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#94a3b8'];
  var FILTER_DIMENSIONS = ['team', 'user', 'service', 'model', 'provider'];
  var METRIC_COLUMNS = [
    ['cost_usd', 'Spend ($)'], ['requests', 'Requests'], ['input_tokens', 'Input tok'], ['output_tokens', 'Output tok'],
    ['cache_read_input_tokens', 'Cache read'], ['reasoning_tokens', 'Reasoning'], ['errors', 'Errors'],
    ['unpriced_requests', 'Unpriced'], ['p50_latency_ms', 'p50 ms'], ['p99_latency_ms', 'p99 ms'], ['p50_ttft_ms', 'TTFT p50 ms']
  ];

  var charts = {};
  var refreshTimer = null;
  var loads = 0;
  var generation = 0;

  function $(id) { return document.getElementById(id); }

  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function setState(state) { document.body.setAttribute('data-state', state); }

  function api(path) {
    return fetch(path, { headers: { 'Authorization': 'Bearer ' + token(), 'Accept': 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401) {
          signOut('The token was not accepted.');
          throw new Error('unauthorized');
        }
        return response.json().then(function (body) {
          if (!response.ok) {
            throw new Error(body && body.error ? body.error.message : 'HTTP ' + response.status);
          }
          return body;
        });
      });
  }

  // ---- formatting ----------------------------------------------------------------------------

  function money(value) {
    return '$' + Number(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function integer(value) { return Number(value).toLocaleString('en-US'); }

  function ms(value) {
    return value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US', { maximumFractionDigits: 3 });
  }

  function formatMetric(field, value) {
    if (field === 'cost_usd') { return money(value); }
    if (field.indexOf('_ms') > 0) { return ms(value); }
    return integer(value);
  }

  function label(value) { return value === '' ? '(none)' : String(value); }

  // ---- request parameters -------------------------------------------------------------------

  function range() {
    var preset = $('f-range').value;
    if (preset === 'custom' && $('f-from').value && $('f-to').value) {
      // The inputs are UTC (labelled so), which keeps shared links and screenshots unambiguous.
      return { from: new Date($('f-from').value + ':00Z'), to: new Date($('f-to').value + ':00Z') };
    }
    var hours = { '24h': 24, '7d': 168, '30d': 720, '90d': 2160 }[preset] || 168;
    var to = new Date(Math.ceil(Date.now() / 3600000) * 3600000);
    return { from: new Date(to.getTime() - hours * 3600000), to: to };
  }

  function interval(r) {
    var chosen = $('f-interval').value;
    if (chosen !== 'auto') { return chosen; }
    var hours = (r.to - r.from) / 3600000;
    return hours <= 48 ? 'hour' : hours <= 93 * 24 ? 'day' : 'week';
  }

  function query(extra) {
    var r = range();
    var params = new URLSearchParams();
    params.set('from', r.from.toISOString());
    params.set('to', r.to.toISOString());
    FILTER_DIMENSIONS.forEach(function (dimension) {
      var value = $('f-' + dimension).value;
      if (value !== '') { params.append('filter.' + dimension, value); }
    });
    var tagKey = $('f-tag-key').value.trim();
    if (tagKey !== '') { params.append('filter.tag.' + tagKey, $('f-tag-value').value); }
    Object.keys(extra || {}).forEach(function (key) { params.set(key, extra[key]); });
    return params.toString();
  }

  // ---- rendering ----------------------------------------------------------------------------

  function setKpi(id, value, text) {
    var element = $(id);
    element.textContent = text;
    element.setAttribute('data-value', String(value));
  }

  function renderTotals(totals) {
    setKpi('kpi-cost', totals.cost_usd, money(totals.cost_usd));
    setKpi('kpi-requests', totals.requests, integer(totals.requests));
    setKpi('kpi-input', totals.input_tokens, integer(totals.input_tokens));
    setKpi('kpi-output', totals.output_tokens, integer(totals.output_tokens));
    setKpi('kpi-errors', totals.errors, integer(totals.errors));
    setKpi('kpi-unpriced', totals.unpriced_requests, integer(totals.unpriced_requests));
  }

  function chart(id, config) {
    if (charts[id]) { charts[id].destroy(); }
    charts[id] = new Chart($(id), config);
  }

  function renderSpendChart(report, stack) {
    var buckets = [];
    var totalsByValue = {};
    report.rows.forEach(function (row) {
      if (buckets.indexOf(row.bucket) < 0) { buckets.push(row.bucket); }
      totalsByValue[row[stack]] = (totalsByValue[row[stack]] || 0) + Number(row.cost_usd);
    });
    buckets.sort();
    var ranked = Object.keys(totalsByValue).sort(function (a, b) { return totalsByValue[b] - totalsByValue[a]; });
    var shown = ranked.slice(0, STACK_SERIES);
    var series = {};
    report.rows.forEach(function (row) {
      var key = shown.indexOf(String(row[stack])) >= 0 ? String(row[stack]) : '\u0000other';
      series[key] = series[key] || buckets.map(function () { return 0; });
      series[key][buckets.indexOf(row.bucket)] += Number(row.cost_usd);
    });
    var keys = shown.concat(series['\u0000other'] ? ['\u0000other'] : []);
    chart('chart-spend', {
      type: 'bar',
      data: {
        labels: buckets.map(function (b) { return b.replace('T00:00:00Z', '').replace(':00:00Z', 'h').replace('T', ' '); }),
        datasets: keys.map(function (key, i) {
          return { label: key === '\u0000other' ? 'other' : label(key), data: series[key], backgroundColor: COLORS[i % COLORS.length], stack: 'spend' };
        })
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: function (v) { return money(v); } } } },
        plugins: { tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + money(c.parsed.y); } } } }
      }
    });
  }

  function renderLatencyChart(report) {
    var rows = report.rows.slice().sort(function (a, b) { return a.bucket < b.bucket ? -1 : 1; });
    function line(field, color) {
      return { label: field, data: rows.map(function (r) { return r[field]; }), borderColor: color, backgroundColor: color, spanGaps: true, tension: 0.2 };
    }
    chart('chart-latency', {
      type: 'line',
      data: {
        labels: rows.map(function (r) { return r.bucket.replace('T00:00:00Z', '').replace(':00:00Z', 'h').replace('T', ' '); }),
        datasets: [line('p50_latency_ms', COLORS[0]), line('p99_latency_ms', COLORS[2]), line('p50_ttft_ms', COLORS[1])]
      },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
    });
  }

  function cell(tr, tag, text, attributes) {
    var element = document.createElement(tag);
    element.textContent = text;
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    tr.appendChild(element);
    return element;
  }

  function renderTop(id, dimension, report) {
    var table = $(id);
    table.textContent = '';
    var head = document.createElement('tr');
    cell(head, 'th', dimension);
    cell(head, 'th', 'Spend');
    cell(head, 'th', 'Requests');
    table.appendChild(head);
    report.rows.forEach(function (row) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-key', String(row[dimension]));
      cell(tr, 'td', label(row[dimension]));
      cell(tr, 'td', money(row.cost_usd), { 'data-metric': 'cost_usd', 'data-value': String(row.cost_usd) });
      cell(tr, 'td', integer(row.requests), { 'data-metric': 'requests', 'data-value': String(row.requests) });
      table.appendChild(tr);
    });
    if (report.other.requests > 0) {
      var other = document.createElement('tr');
      other.className = 'other';
      other.setAttribute('data-key', '\u0000other');
      cell(other, 'td', 'other (' + report.other.values + ')');
      cell(other, 'td', money(report.other.cost_usd), { 'data-metric': 'cost_usd', 'data-value': String(report.other.cost_usd) });
      cell(other, 'td', integer(report.other.requests), { 'data-metric': 'requests', 'data-value': String(report.other.requests) });
      table.appendChild(other);
    }
  }

  function renderBreakdown(report, stack) {
    var table = $('breakdown');
    table.textContent = '';
    var head = document.createElement('tr');
    cell(head, 'th', stack);
    METRIC_COLUMNS.forEach(function (c) { cell(head, 'th', c[1]); });
    table.appendChild(head);
    report.rows.concat([Object.assign({ '\u0000total': true }, report.totals)]).forEach(function (row) {
      var tr = document.createElement('tr');
      var total = row['\u0000total'] === true;
      tr.setAttribute('data-key', total ? '\u0000total' : String(row[stack]));
      if (total) { tr.className = 'total'; }
      cell(tr, 'td', total ? 'Total' : label(row[stack]));
      METRIC_COLUMNS.forEach(function (c) {
        var value = row[c[0]];
        cell(tr, 'td', formatMetric(c[0], value), { 'data-metric': c[0], 'data-value': String(value) });
      });
      table.appendChild(tr);
    });
  }

  // ---- loading ------------------------------------------------------------------------------

  function loadPickers() {
    var r = range();
    FILTER_DIMENSIONS.forEach(function (dimension) {
      var select = $('f-' + dimension);
      var params = new URLSearchParams({ from: r.from.toISOString(), to: r.to.toISOString(), limit: '200' });
      api('/v1/dimensions/' + dimension + '/values?' + params).then(function (body) {
        var current = select.value;
        while (select.options.length > 1) { select.remove(1); }
        body.values.forEach(function (v) {
          var option = document.createElement('option');
          option.value = String(v.value);
          option.textContent = label(v.value);
          select.appendChild(option);
        });
        select.value = current;
        if (select.value !== current) { select.value = ''; }
      }).catch(function () { /* a picker without values still works: "All" */ });
    });
  }

  function load() {
    var mine = ++generation;
    setState('loading');
    $('error').textContent = '';
    var stack = $('f-stack').value;
    var r = range();
    var every = interval(r);
    $('stack-label').textContent = stack;
    $('breakdown-label').textContent = stack;
    // Each request asks for the metrics its panel shows: the stacked chart only cost, so the API
    // skips the latency histograms (most of a long range's query time); the breakdown shows all.
    Promise.all([
      api('/v1/spend?' + query({ group_by: stack, interval: every, metrics: 'cost_usd' })),
      api('/v1/spend?' + query({ group_by: stack })),
      api('/v1/top/team?' + query({ limit: '5' })),
      api('/v1/top/model?' + query({ limit: '5' })),
      api('/v1/top/user?' + query({ limit: '5' })),
      api('/v1/spend?' + query({ interval: every, metrics: 'p50_latency_ms,p99_latency_ms,p50_ttft_ms' }))
    ]).then(function (results) {
      if (mine !== generation) { return; }
      renderSpendChart(results[0], stack);
      renderBreakdown(results[1], stack);
      renderTotals(results[1].totals);
      renderTop('top-team', 'team', results[2]);
      renderTop('top-model', 'model', results[3]);
      renderTop('top-user', 'user', results[4]);
      renderLatencyChart(results[5]);
      $('updated').textContent = 'Updated ' + new Date().toISOString().replace('T', ' ').replace(/\..*/, '') + ' UTC, '
        + results[1].from + ' to ' + results[1].to + ', ' + every + ' buckets';
      loads++;
      document.body.setAttribute('data-loads', String(loads));
      setState('ready');
    }).catch(function (error) {
      if (mine !== generation || error.message === 'unauthorized') { return; }
      $('error').textContent = error.message;
      setState('error');
    });
  }

  function scheduleRefresh() {
    if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; }
    var seconds = Number($('f-refresh').value);
    if (seconds > 0) {
      refreshTimer = setInterval(function () { if (!document.hidden) { load(); } }, seconds * 1000);
    }
  }

  function downloadCsv() {
    var stack = $('f-stack').value;
    var r = range();
    fetch('/v1/spend?' + query({ group_by: stack, interval: interval(r), format: 'csv' }),
      { headers: { 'Authorization': 'Bearer ' + token() }, cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) { throw new Error('CSV download failed: HTTP ' + response.status); }
        return response.blob();
      })
      .then(function (blob) {
        var link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = 'tollgate-spend-' + stack + '.csv';
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      })
      .catch(function (error) { $('error').textContent = error.message; });
  }

  // ---- session ------------------------------------------------------------------------------

  function showApp() {
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    loadPickers();
    load();
    scheduleRefresh();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; }
    $('app').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    setState('signed-out');
  }

  function signIn(event) {
    event.preventDefault();
    var candidate = $('token').value.trim();
    if (candidate === '') { return; }
    setState('signing-in');
    fetch('/v1/dimensions/team/values?limit=1', { headers: { 'Authorization': 'Bearer ' + candidate }, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401) { throw new Error('Unknown token.'); }
        if (!response.ok) { throw new Error('The server answered HTTP ' + response.status + '.'); }
        sessionStorage.setItem(TOKEN_KEY, candidate);
        $('token').value = '';
        $('sign-in-error').textContent = '';
        showApp();
      })
      .catch(function (error) {
        $('sign-in-error').textContent = error.message;
        setState('signed-out');
      });
  }

  function init() {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', function () { signOut(''); });
    $('filters').addEventListener('submit', function (event) { event.preventDefault(); load(); });
    $('download-csv').addEventListener('click', downloadCsv);
    $('f-refresh').addEventListener('change', scheduleRefresh);
    ['f-range', 'f-from', 'f-to'].forEach(function (id) {
      $(id).addEventListener('change', function () {
        if (id !== 'f-range') { $('f-range').value = 'custom'; }
        loadPickers();
        load();
      });
    });
    ['f-team', 'f-user', 'f-service', 'f-model', 'f-provider', 'f-stack', 'f-interval', 'f-tag-value'].forEach(function (id) {
      $(id).addEventListener('change', load);
    });
    if (token()) { showApp(); } else { signOut(''); }
  }

  document.addEventListener('DOMContentLoaded', init);
}());
