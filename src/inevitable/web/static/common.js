/* Shared helpers for the four pages: DOM building (text is never parsed as
   HTML), the JSON API with its one-line errors, jobs with a live progress bar,
   and the formats of estimates. Exposed as window.App. */
(() => {
  'use strict';

  const App = {};
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // the page declares no icon; without one the browser asks for /favicon.ico (a 404)
  if (!document.querySelector('link[rel~="icon"]')) {
    const icon = document.createElement('link');
    icon.rel = 'icon';
    icon.type = 'image/svg+xml';
    icon.href = '/static/favicon.svg';
    document.head.appendChild(icon);
  }

  // -- escaping and DOM building ----------------------------------------------
  const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  App.esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);

  function build(node, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        node.addEventListener(k.slice(2), v);
      } else if (k === 'dataset') {
        Object.assign(node.dataset, v);
      } else if (k === 'text') {
        node.textContent = String(v);
      } else if (['value', 'checked', 'selected', 'disabled', 'hidden', 'open'].includes(k)
                 && !(node instanceof SVGElement)) {
        node[k] = v;
      } else {
        node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    App.append(node, children);
    return node;
  }

  /** append children: nodes, strings (as text), arrays, null (skipped) */
  App.append = (node, children) => {
    for (const c of [children].flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  };

  /** el('a', {href, class, onclick}, 'text', child, [more]) */
  App.el = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
  App.svg = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs,
                                               children);
  App.clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); return node; };
  App.$ = (sel, root = document) => root.querySelector(sel);
  App.$$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  /** Replace the page's <main> content. */
  App.setMain = (...children) => App.append(App.clear(document.getElementById('main')), children);

  App.section = (title, attrs, ...children) =>
    App.el('section', { class: 'card', ...attrs }, title ? App.el('h2', {}, title) : null,
           ...children);

  App.errorBox = (err, attrs) => App.el('div', { class: 'error', role: 'alert', ...attrs },
                                        err instanceof Error ? err.message : String(err));

  /** Show an error in a host element (clears it first). */
  App.showError = (host, err) => App.append(App.clear(host), App.errorBox(err));

  App.sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  App.params = () => new URLSearchParams(window.location.search);

  // -- the JSON API -------------------------------------------------------------
  class ApiError extends Error {
    constructor(message, status, retryAfter) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.retryAfter = retryAfter;
    }
  }
  App.ApiError = ApiError;

  // A random id for this browser, sent with every request: the server shares its
  // job queue fairly between clients, and this tells apart browsers that reach it
  // from one address (every user of a server on 127.0.0.1).
  const clientId = (() => {
    const key = 'inevitable-client';
    try {
      let id = window.localStorage.getItem(key);
      if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
        const bytes = crypto.getRandomValues(new Uint8Array(12));
        id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
        window.localStorage.setItem(key, id);
      }
      return id;
    } catch {
      return null; // storage refused: the server tells clients apart by address
    }
  })();

  async function request(method, url, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (clientId) init.headers['X-Inevitable-Client'] = clientId;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(url, init);
    } catch (e) {
      throw new ApiError(`The server cannot be reached (${e.message}).`, 0);
    }
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!resp.ok) {
      let msg = data && typeof data.detail === 'string' ? data.detail : null;
      if (!msg && data && Array.isArray(data.detail)) {
        msg = data.detail.map((d) => d.msg || JSON.stringify(d)).join('; ');
      }
      msg = msg || `${resp.status} ${resp.statusText || 'error'}`;
      if (resp.status === 429) msg = `The server is busy: ${msg}`;
      throw new ApiError(msg, resp.status, resp.headers.get('Retry-After'));
    }
    return data;
  }

  App.getJSON = (url) => request('GET', url);
  App.postJSON = (url, body) => request('POST', url, body ?? {});

  // -- jobs and their progress ------------------------------------------------
  /** A live progress box appended to host: update(job), done(). */
  App.progress = (host, title) => {
    const label = App.el('span', { class: 'progress-label' }, title || 'Working…');
    const fill = App.el('div', { class: 'progress-fill' });
    const bar = App.el('div', { class: 'progress-bar indeterminate', role: 'progressbar',
                                'aria-valuemin': 0 }, fill);
    const count = App.el('span', { class: 'progress-count' });
    const box = App.el('div', { class: 'progress', role: 'status', 'aria-live': 'polite' },
                       App.el('div', { class: 'progress-head' }, label, count), bar);
    host.appendChild(box);
    const started = Date.now();
    return {
      node: box,
      update(job) {
        const p = job.progress || {};
        const secs = Math.round((Date.now() - started) / 1000);
        if (job.state === 'queued') {
          const pos = job.queue_position;
          label.textContent = (title ? `${title}: ` : '') + 'waiting in the queue'
            + (pos ? ` (${pos} job${pos === 1 ? '' : 's'} ahead)` : ' (next)');
          count.textContent = `${secs} s`;
          bar.classList.add('indeterminate');
          return;
        }
        label.textContent = (title ? `${title}: ` : '') + (p.label || job.state);
        if (p.total > 0) {
          const frac = Math.min(1, p.done / p.total);
          bar.classList.remove('indeterminate');
          fill.style.width = `${(100 * frac).toFixed(1)}%`;
          bar.setAttribute('aria-valuemax', p.total);
          bar.setAttribute('aria-valuenow', p.done);
          count.textContent = `${p.done} / ${p.total} · ${secs} s`;
        } else {
          count.textContent = `${secs} s`;
        }
      },
      done() { box.remove(); },
    };
  };

  /** Poll a job until done; returns its result, throws its error. */
  App.pollJob = async (job, onProgress) => {
    let wait = 250;
    for (;;) {
      if (onProgress) onProgress(job);
      if (job.state === 'failed') throw new ApiError(job.error || 'the job failed', 500);
      if (job.state === 'done' && 'result' in job) return job.result;
      await App.sleep(job.state === 'done' ? 0 : wait);
      wait = Math.min(1000, wait * 1.4);
      job = await App.getJSON(`/api/jobs/${encodeURIComponent(job.id)}`);
    }
  };

  /** POST work, show its progress in host, return the result. */
  App.runJob = async (url, body, host, title) => {
    const bar = App.progress(host, title);
    try {
      const job = await App.postJSON(url, body);
      return await App.pollJob(job, (j) => bar.update(j));
    } finally {
      bar.done();
    }
  };

  // -- formats --------------------------------------------------------------------
  const MINUS = '\u2212';
  const signed = (abs, x) => (x > 0 ? `+${abs}` : x < 0 ? `${MINUS}${abs}` : abs);

  /** 0.891 -> "89%" */
  App.pct = (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a'
    : `${(100 * x).toFixed(digits)}%`);

  /** a plain number, readable: 4,000,000 · 0.0123 · 58.5 */
  App.num = (x) => {
    if (x === null || x === undefined) return '';
    if (typeof x !== 'number') return String(x);
    if (Number.isInteger(x)) return x.toLocaleString('en-US');
    const a = Math.abs(x);
    if (a >= 1e5) return Math.round(x).toLocaleString('en-US');
    if (a !== 0 && a < 1e-3) return x.toExponential(2);
    return String(Number(x.toPrecision(a >= 100 ? 5 : 3)));
  };

  /** an estimate {value, low, high}: "89% [86%, 92%]" (binary) or "58.5 [56.6, 60.4]" */
  App.fmtEst = (e, kind = 'binary') => {
    if (!e || e.value === null || e.value === undefined) return 'n/a';
    const f = kind === 'binary' ? (x) => App.pct(x) : App.num;
    return `${f(e.value)} [${f(e.low)}, ${f(e.high)}]`;
  };

  /** a difference as [value, interval]: ["−12 pts", "[−20, −4]"] (binary) or ["+0.006", "[−0.010, +0.023]"] */
  App.diffParts = (e, kind = 'binary') => {
    if (!e || e.value === null || e.value === undefined) return ['n/a', ''];
    const f = kind === 'binary'
      ? (x) => { const r = Math.round(100 * x); return signed(String(Math.abs(r)), r); }
      : (x) => signed(App.num(Math.abs(x)), x);
    return [`${f(e.value)}${kind === 'binary' ? ' pts' : ''}`, `[${f(e.low)}, ${f(e.high)}]`];
  };

  /** a difference: "−12 pts [−20, −4]" (binary) or "+0.006 [−0.010, +0.023]" */
  App.fmtDiff = (e, kind = 'binary') => App.diffParts(e, kind).join(' ').trim();

  /** "T: Trotsky ...; C: Cliff ..." -> {T: "Trotsky ...", C: "Cliff ..."} */
  App.theoryDocs = (doc) => {
    const out = {};
    for (const part of String(doc || '').split(/;\s*/)) {
      const m = part.match(/^\s*([A-Za-z0-9_-]+):\s*(.*)$/);
      if (m) out[m[1]] = m[2];
    }
    return out;
  };

  /** months "YYYY-MM" from start to end inclusive */
  App.months = (start, end) => {
    const out = [];
    const re = /^\d{4}-\d{2}$/;
    if (!re.test(String(start)) || !re.test(String(end))) return out;  // a run in ticks
    let [y, m] = start.split('-').map(Number);
    const [ey, em] = end.split('-').map(Number);
    while (y < ey || (y === ey && m <= em)) {
      out.push(`${y}-${String(m).padStart(2, '0')}`);
      m += 1;
      if (m > 12) { m = 1; y += 1; }
    }
    return out;
  };

  /** a <select> of options [{value, label}] or strings */
  App.select = (attrs, options, selected) => App.el('select', attrs, options.map((o) => {
    const opt = typeof o === 'object' ? o : { value: o, label: o };
    return App.el('option', { value: opt.value, selected: String(opt.value) === String(selected),
                              disabled: opt.disabled }, opt.label);
  }));

  /** a labelled form field */
  App.field = (label, control, hint) => App.el('label', { class: 'field' },
    App.el('span', { class: 'field-label' }, label), control,
    hint ? App.el('span', { class: 'hint' }, hint) : null);

  App.PLOTLY_CONFIG = { displaylogo: false, responsive: true,
                        modeBarButtonsToRemove: ['lasso2d', 'select2d'] };
  App.COLORS = ['#1f6fb2', '#d9661f', '#2e8b57', '#8e44ad'];
  /** '#1f6fb2', 0.2 -> 'rgba(31,111,178,0.2)' */
  App.rgba = (hex, a) => {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  };

  window.App = App;
})();
