/* The Scenario page: question, actors, timeline, the claims ledger as an
   argument map, and the parameters with their priors and sources. */
(() => {
  'use strict';
  const { el, svg, $, $$, clear, section, setMain, showError, getJSON, num } = window.App;

  const VERDICT_COLORS = {
    supported: '#2e9d4f', contradicted: '#d64545', undecided: '#f0b429',
    'cannot test here': '#8fc3e8', 'not tested': '#c9ced6', 'not judged': '#ffffff',
  };
  const EXTRA_COLORS = ['#6c8ebf', '#9b59b6', '#16a085', '#e67e22'];
  const RELATIONS = ['supports', 'disputes', 'refines'];
  const RELATION_TEXT = {
    supports: ['supports', 'supported by'], disputes: ['disputes', 'disputed by'],
    refines: ['refines', 'refined by'],
  };

  async function main() {
    const name = App.params().get('name') || 'soviet-1923';
    const list = await getJSON('/api/scenarios').catch(() => []);
    let sc;
    try {
      sc = await getJSON(`/api/scenarios/${encodeURIComponent(name)}`);
    } catch (err) {
      setMain(el('h1', {}, 'Scenario'), picker(list, name), App.errorBox(err));
      return;
    }
    document.title = `${sc.name} · Scenario · inevitable`;
    setMain(
      el('div', { class: 'row', style: 'justify-content: space-between' },
         el('div', {}, el('h1', {}, sc.title)), picker(list, sc.name)),
      header(sc),
      el('nav', { class: 'toc', 'aria-label': 'sections' }, [['actors', 'Actors'], ['events', 'Timeline'],
        ['claims', 'Argument map'], ['parameters', 'Parameters'], ['outcomes', 'Outcomes and strategies']]
        .map(([id, t]) => el('a', { href: `#${id}` }, t))),
      actors(sc),
      timeline(sc),
      argumentMap(sc),
      parameters(sc),
      outcomesAndStrategies(sc),
    );
  }

  function picker(list, current) {
    const sel = App.select({ id: 'scenario-select', 'aria-label': 'scenario',
                             onchange: (e) => { window.location.search = `?name=${encodeURIComponent(e.target.value)}`; } },
                           list.map((s) => ({ value: s.name, label: s.name })), current);
    return App.field('Scenario', sel);
  }

  function header(sc) {
    return section(null, { id: 'overview' },
      sc.question ? el('p', { class: 'question' }, sc.question) : null,
      el('p', { class: 'lead' }, sc.description),
      el('p', { class: 'muted small' },
         `${sc.time.start} to ${sc.time.end}, ${sc.time.steps} ${sc.time.unit}s · `,
         `${sc.claims.length} claims · ${sc.events.length} dated events · `,
         `${sc.parameters.length} parameters · scenario hash `, el('code', {}, sc.hash)),
      sc.theories.length ? el('p', { class: 'small' }, el('strong', {}, 'Theories: '), sc.theory_doc) : null);
  }

  function actors(sc) {
    if (!sc.actors.length) return null;
    return section('Actors', { id: 'actors' }, el('div', { class: 'actors' }, sc.actors.map((a) =>
      el('div', { class: 'actor' },
         el('div', {}, el('strong', {}, a.name), ' ', el('span', { class: 'badge' }, a.kind)),
         a.size !== null && a.size !== undefined ? el('div', { class: 'size' }, `${num(a.size)}`) : null,
         el('div', { class: 'small' }, a.doc),
         a.source ? el('div', { class: 'hint' }, `Source: ${a.source}`) : null))));
  }

  // -- timeline -------------------------------------------------------------------
  function timeline(sc) {
    if (!sc.events.length) return null;
    const kinds = [...new Set(sc.events.map((e) => e.kind))].sort();
    const years = new Map();
    for (const e of sc.events) {
      const y = e.date.slice(0, 4);
      if (!years.has(y)) years.set(y, []);
      years.get(y).push(e);
    }
    const body = el('div', { id: 'timeline' });
    const kindSel = App.select({ 'aria-label': 'event kind', onchange: () => draw() },
                               [{ value: '', label: 'all kinds' }, ...kinds], '');
    const draw = () => {
      const kind = kindSel.value;
      const open = new Set($$('details.year[open]', body).map((d) => d.dataset.year));
      clear(body);
      for (const [y, events] of years) {
        const shown = events.filter((e) => !kind || e.kind === kind);
        if (!shown.length) continue;
        body.appendChild(el('details', { class: 'year', dataset: { year: y },
                                         open: open.has(y) },
          el('summary', {}, `${y} `, el('span', { class: 'muted' }, `(${shown.length} events)`)),
          shown.map(event)));
      }
    };
    draw();
    const toggle = (open) => $$('details.year', body).forEach((d) => { d.open = open; });
    return section('Timeline', { id: 'events' },
      el('div', { class: 'filters' }, App.field('Kind', kindSel),
         el('button', { type: 'button', class: 'small', onclick: () => toggle(true) }, 'Open all years'),
         el('button', { type: 'button', class: 'small', onclick: () => toggle(false) }, 'Close all')),
      body);
  }

  function event(e) {
    const sets = Object.entries(e.sets || {});
    return el('div', { class: 'event' },
      el('div', { class: 'date' }, e.date),
      el('div', {},
         el('strong', {}, e.name.replace(/-/g, ' ')), ' ',
         el('span', { class: `badge kind-${e.kind}` }, e.kind),
         e.note ? el('div', { class: 'small' }, e.note) : null,
         sets.length ? el('div', {}, sets.map(([k, v]) => el('span', { class: 'chip mono' }, `${k} = ${v}`))) : null,
         el('div', { class: 'source' }, e.source)));
  }

  // -- the argument map -----------------------------------------------------------
  function verdictColors(claims) {
    const colors = { ...VERDICT_COLORS };
    let extra = 0;
    for (const c of claims) {
      if (!(c.verdict in colors)) colors[c.verdict] = EXTRA_COLORS[extra++ % EXTRA_COLORS.length];
    }
    return colors;
  }

  /** Deterministic force layout: authors as hubs, their claims around them,
      springs of a rest length on every link, a wide rather than tall result. */
  function layout(nodes, links) {
    const n = nodes.length;
    const authors = nodes.filter((d) => d.type === 'author');
    const byAuthor = new Map(authors.map((a) => [a.id, []]));
    nodes.filter((d) => d.type === 'claim').forEach((c) => byAuthor.get(c.hub).push(c));
    authors.sort((a, b) => byAuthor.get(b.id).length - byAuthor.get(a.id).length);
    authors.forEach((a, i) => {
      const t = (2 * Math.PI * i) / authors.length;
      a.x = 420 * Math.cos(t); a.y = 220 * Math.sin(t);
      byAuthor.get(a.id).forEach((c, j, own) => {
        const u = (2 * Math.PI * j) / own.length;
        const r = 40 + 3 * own.length;
        c.x = a.x + r * Math.cos(u); c.y = a.y + r * Math.sin(u);
      });
    });
    const k2 = 40 * 40;
    const iters = 400;
    const dx = new Float64Array(n);
    const dy = new Float64Array(n);
    for (let it = 0; it < iters; it++) {
      dx.fill(0); dy.fill(0);
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          let ex = nodes[i].x - nodes[j].x;
          let ey = nodes[i].y - nodes[j].y;
          let d2 = ex * ex + ey * ey;
          if (d2 > 250 * 250) continue;
          if (d2 < 0.01) { ex = 0.1 * (i - j); ey = 0.1; d2 = ex * ex + ey * ey; }
          const f = (k2 * (nodes[i].type === 'author' || nodes[j].type === 'author' ? 2.5 : 1)) / d2;
          dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
        }
      }
      for (const l of links) {
        const ex = l.s.x - l.t.x;
        const ey = l.s.y - l.t.y;
        const d = Math.sqrt(ex * ex + ey * ey) || 0.01;
        const f = (l.w * (d - l.len)) / d;
        dx[l.s.i] -= ex * f; dy[l.s.i] -= ey * f; dx[l.t.i] += ex * f; dy[l.t.i] += ey * f;
      }
      const temp = 40 * (1 - it / iters) + 0.5;
      for (let i = 0; i < n; i++) {
        dx[i] -= nodes[i].x * 0.015; dy[i] -= nodes[i].y * 0.04;
        const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) || 1;
        const step = Math.min(d, temp);
        nodes[i].x += (dx[i] / d) * step; nodes[i].y += (dy[i] / d) * step;
      }
    }
  }

  function argumentMap(sc) {
    if (!sc.claims.length) {
      return section('Argument map', { id: 'claims' }, el('p', { class: 'muted' }, 'This scenario has no claims ledger.'));
    }
    const colors = verdictColors(sc.claims);
    const authorNames = [...new Set(sc.claims.map((c) => c.author))];
    const nodes = [];
    const byId = new Map();
    authorNames.forEach((a) => { const d = { id: `author:${a}`, type: 'author', name: a, i: nodes.length }; nodes.push(d); byId.set(d.id, d); });
    sc.claims.forEach((c) => { const d = { id: c.id, type: 'claim', hub: `author:${c.author}`, claim: c, i: nodes.length }; nodes.push(d); byId.set(c.id, d); });
    const links = [];
    for (const c of sc.claims) links.push({ s: byId.get(`author:${c.author}`), t: byId.get(c.id), kind: 'authorship', w: 0.5, len: 50 });
    for (const c of sc.claims) {
      for (const r of c.relations || []) {
        for (const kind of RELATIONS) {
          if (r[kind] && byId.has(r[kind])) links.push({ s: byId.get(c.id), t: byId.get(r[kind]), kind, w: 0.05, len: 120, note: r.note });
        }
      }
    }
    layout(nodes, links);

    const pad = 60;
    const xs = nodes.map((d) => d.x);
    const ys = nodes.map((d) => d.y);
    const x0 = Math.min(...xs) - pad;
    const y0 = Math.min(...ys) - pad / 2;
    const w = Math.max(...xs) - x0 + pad * 2;
    const h = Math.max(...ys) - y0 + pad / 2;

    const defs = svg('defs', {}, RELATIONS.map((kind) => svg('marker', {
      id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: 'auto-start-reverse', markerUnits: 'userSpaceOnUse' },
    svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: { supports: '#2e7d32', disputes: '#c62828', refines: '#8a8f98' }[kind] }))));
    const edgeLayer = svg('g', { class: 'edges' });
    const nodeLayer = svg('g', { class: 'nodes' });
    const map = svg('svg', { id: 'argument-map', viewBox: `${x0} ${y0} ${w} ${h}`, role: 'img',
                             'aria-label': `argument map: ${authorNames.length} authors, ${sc.claims.length} claims` },
                    defs, edgeLayer, nodeLayer);

    for (const l of links) {
      const r = l.t.type === 'claim' ? 9 : 14;
      const ex = l.t.x - l.s.x;
      const ey = l.t.y - l.s.y;
      const d = Math.sqrt(ex * ex + ey * ey) || 1;
      const tx = l.t.x - (ex / d) * r;
      const ty = l.t.y - (ey / d) * r;
      let path;
      if (l.kind === 'authorship') {
        path = `M${l.s.x},${l.s.y} L${l.t.x},${l.t.y}`;
      } else {
        const mx = (l.s.x + tx) / 2 - (ey / d) * d * 0.15;
        const my = (l.s.y + ty) / 2 + (ex / d) * d * 0.15;
        path = `M${l.s.x},${l.s.y} Q${mx},${my} ${tx},${ty}`;
      }
      l.node = svg('path', { class: `edge ${l.kind}`, d: path,
                             'marker-end': l.kind === 'authorship' ? null : `url(#arrow-${l.kind})` },
                   l.kind === 'authorship' ? null : svg('title', {}, `${l.s.id} ${l.kind} ${l.t.id}${l.note ? `: ${l.note}` : ''}`));
      edgeLayer.appendChild(l.node);
    }

    const detail = el('div', { class: 'claim-detail', id: 'claim-detail', 'aria-live': 'polite' },
                      el('p', { class: 'muted' }, 'Hover over a claim to trace its links; click it (or an author) to read it here.'));
    const select = (d) => {
      $$('.claim-node.selected', map).forEach((g) => g.classList.remove('selected'));
      if (d.type === 'claim') {
        d.g.classList.add('selected');
        showClaim(detail, d.claim, sc, colors, (id) => select(byId.get(id)));
      } else {
        showAuthor(detail, d.name, sc, colors, (id) => select(byId.get(id)));
      }
    };
    const focus = (d, on) => {
      map.classList.toggle('focus', on);
      $$('.lit', map).forEach((x) => x.classList.remove('lit'));
      if (!on) return;
      d.g.classList.add('lit');
      for (const l of links) {
        if (l.s === d || l.t === d) { l.node.classList.add('lit'); l.s.g.classList.add('lit'); l.t.g.classList.add('lit'); }
      }
    };

    for (const d of nodes) {
      let g;
      if (d.type === 'author') {
        const wd = 14 + 7.2 * d.name.length;
        g = svg('g', { class: 'node author-node', transform: `translate(${d.x},${d.y})`, tabindex: 0, role: 'button',
                       dataset: { author: d.name }, 'aria-label': `author ${d.name}` },
                svg('rect', { x: -wd / 2, y: -11, width: wd, height: 22, rx: 11 }),
                svg('text', { 'text-anchor': 'middle', y: 4 }, d.name));
      } else {
        const c = d.claim;
        const prefix = `${c.author.toLowerCase()}-`;
        const short = c.id.startsWith(prefix) ? c.id.slice(prefix.length) : c.id;
        g = svg('g', { class: 'node claim-node', transform: `translate(${d.x},${d.y})`, tabindex: 0, role: 'button',
                       dataset: { id: c.id, verdict: c.verdict }, 'aria-label': `claim ${c.id} (${c.verdict})` },
                svg('circle', { r: 7, fill: colors[c.verdict] }),
                svg('text', { x: 9, y: 3 }, short.length > 28 ? `${short.slice(0, 27)}…` : short),
                svg('title', {}, `${c.id} (${c.author}; ${c.verdict})\n${c.says}`));
      }
      d.g = g;
      g.addEventListener('mouseenter', () => focus(d, true));
      g.addEventListener('mouseleave', () => focus(d, false));
      g.addEventListener('focus', () => focus(d, true));
      g.addEventListener('blur', () => focus(d, false));
      g.addEventListener('click', () => select(d));
      g.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(d); } });
      nodeLayer.appendChild(g);
    }

    const labels = el('label', {}, el('input', { type: 'checkbox', checked: true,
      onchange: (e) => map.classList.toggle('no-labels', !e.target.checked) }), 'claim labels');
    return section('Argument map', { id: 'claims' },
      el('p', { class: 'small muted' }, sc.verdict_of
        ? `Claims coloured by the model's verdict of ${sc.verdict_of} (the latest in the results store).`
        : 'No verdict in the results store yet, so no claim is judged: run one on the Verdicts page.'),
      legend(sc.claims, colors, links), labels,
      el('div', { class: 'map-layout' }, el('div', { class: 'map-frame' }, map), detail),
      claimList(sc, colors, (id) => select(byId.get(id))));
  }

  function line(kind) {
    const color = { authorship: '#c5ccd6', supports: '#2e7d32', disputes: '#c62828', refines: '#8a8f98' }[kind];
    const style = { authorship: 'solid', supports: 'solid', disputes: 'dashed', refines: 'dotted' }[kind];
    return el('span', { class: 'line', style: `border-top: 2px ${style} ${color}` });
  }

  function legend(claims, colors, links) {
    const counts = {};
    for (const c of claims) counts[c.verdict] = (counts[c.verdict] || 0) + 1;
    const kinds = ['authorship', ...RELATIONS].filter((k) => links.some((l) => l.kind === k));
    return el('div', { class: 'legend', id: 'map-legend' },
      Object.entries(counts).map(([v, n]) => el('span', { dataset: { verdict: v } },
        el('span', { class: 'swatch', style: `background:${colors[v]}` }), `${v} (${n})`)),
      kinds.map((k) => el('span', {}, line(k), k === 'authorship' ? 'author makes claim' : `${k} (arrow)`)));
  }

  function relationItems(c, sc, go) {
    const items = [];
    for (const r of c.relations || []) {
      for (const kind of RELATIONS) if (r[kind]) items.push([RELATION_TEXT[kind][0], r[kind], r.note]);
    }
    for (const o of sc.claims) {
      for (const r of o.relations || []) {
        for (const kind of RELATIONS) if (r[kind] === c.id) items.push([RELATION_TEXT[kind][1], o.id, r.note]);
      }
    }
    return items.map(([what, id, note]) => el('li', {}, `${what} `,
      el('button', { type: 'button', class: 'link', onclick: () => go(id) }, id), note ? ` (${note})` : ''));
  }

  function showClaim(host, c, sc, colors, go) {
    const rel = relationItems(c, sc, go);
    App.append(clear(host), [
      el('div', {}, el('span', { class: 'swatch', style: `background:${colors[c.verdict]}` }),
         el('strong', {}, c.verdict)),
      el('h3', {}, c.id),
      el('div', { class: 'small' }, `${c.author}${c.page ? `, p. ${c.page}` : ''} · ${c.kind}`),
      el('blockquote', {}, c.says),
      c.evidence ? el('p', {}, el('strong', {}, 'Evidence: '), c.evidence) : null,
      el('p', { class: 'small' }, el('strong', {}, 'Source: '), c.source || '—'),
      c.encodes && c.encodes.length ? el('p', { class: 'small' }, el('strong', {}, 'In the model: '),
                                         c.encodes.map((x) => el('span', { class: 'chip mono' }, x))) : null,
      rel.length ? el('ul', { class: 'small' }, rel) : null,
    ]);
  }

  function showAuthor(host, author, sc, colors, go) {
    const own = sc.claims.filter((c) => c.author === author);
    App.append(clear(host), [el('h3', {}, author), el('p', { class: 'small muted' }, `${own.length} claims`),
      el('ul', { class: 'small' }, own.map((c) => el('li', {},
        el('span', { class: 'swatch', style: `background:${colors[c.verdict]}` }),
        el('button', { type: 'button', class: 'link', onclick: () => go(c.id) }, c.id))))]);
  }

  function claimList(sc, colors, go) {
    return el('details', { class: 'small' }, el('summary', {}, 'All claims as a list'),
      el('div', { class: 'table-wrap' }, el('table', {},
        el('thead', {}, el('tr', {}, ['Claim', 'Author', 'Kind', 'Verdict', 'Says'].map((t) => el('th', {}, t)))),
        el('tbody', {}, sc.claims.map((c) => el('tr', { class: 'clickable', onclick: () => go(c.id) },
          el('td', { class: 'mono' }, c.id), el('td', {}, c.author), el('td', {}, c.kind),
          el('td', {}, el('span', { class: 'swatch', style: `background:${colors[c.verdict]}` }), c.verdict),
          el('td', {}, c.says)))))));
  }

  // -- parameters -----------------------------------------------------------------
  function prior(p) {
    if (!p) return '';
    const range = (lo, hi) => `[${num(lo)}, ${num(hi)}]`;
    switch (p.dist) {
      case 'uniform': return `uniform ${range(p.low, p.high)}`;
      case 'beta': return `beta(${num(p.a)}, ${num(p.b)})${p.low !== 0 || p.high !== 1 ? ` on ${range(p.low, p.high)}` : ''}`;
      case 'normal': return `normal(${num(p.mean)}, ${num(p.sd)}) in ${range(p.low, p.high)}`;
      default: return Object.entries(p).map(([k, v]) => `${k}=${num(v)}`).join(', ');
    }
  }

  function parameters(sc) {
    if (!sc.parameters.length) return null;
    const mechanisms = [...new Set(sc.parameters.map((p) => p.mechanism).filter(Boolean))].sort();
    const conditions = new Set(sc.conditions);
    const text = el('input', { type: 'search', id: 'parameter-filter', placeholder: 'filter: name, source, doc…',
                               'aria-label': 'filter parameters', oninput: () => apply() });
    const mech = App.select({ 'aria-label': 'mechanism', onchange: () => apply() },
                            [{ value: '', label: 'all mechanisms' }, ...mechanisms], '');
    const onlyAssumptions = el('input', { type: 'checkbox', onchange: () => apply() });
    const onlyPriors = el('input', { type: 'checkbox', onchange: () => apply() });
    const onlyConditions = el('input', { type: 'checkbox', onchange: () => apply() });
    const count = el('span', { class: 'muted small', id: 'parameter-count' });
    const rows = sc.parameters.map((p) => {
      const value = p.kind === 'choice' ? String(p.value) : num(p.value);
      const tr = el('tr', {},
        el('td', {}, el('code', {}, p.name), conditions.has(p.name) ? [' ', el('span', { class: 'badge' }, 'condition')] : null,
           el('div', { class: 'doc' }, p.doc)),
        el('td', { class: 'num' }, value),
        el('td', {}, p.unit || ''),
        el('td', { class: 'small' }, prior(p.prior)),
        el('td', { class: 'source' }, p.source || ''),
        el('td', {}, p.assumption ? el('span', { class: 'badge assumption' }, 'assumption') : ''),
        el('td', { class: 'small' }, p.mechanism || ''));
      tr.dataset.search = [p.name, p.doc, p.source, p.unit, p.mechanism].join(' ').toLowerCase();
      return { p, tr };
    });
    const apply = () => {
      const q = text.value.trim().toLowerCase();
      let shown = 0;
      for (const { p, tr } of rows) {
        const ok = (!q || tr.dataset.search.includes(q)) && (!mech.value || p.mechanism === mech.value)
          && (!onlyAssumptions.checked || p.assumption) && (!onlyPriors.checked || p.prior)
          && (!onlyConditions.checked || conditions.has(p.name));
        tr.hidden = !ok;
        shown += ok;
      }
      count.textContent = `${shown} of ${rows.length} parameters`;
    };
    apply();
    return section('Parameters', { id: 'parameters' },
      el('div', { class: 'filters' }, text, mech,
         el('label', {}, onlyAssumptions, 'assumptions only'), el('label', {}, onlyPriors, 'with a prior'),
         conditions.size ? el('label', {}, onlyConditions, 'conditions (explorer sliders)') : null, count),
      el('div', { class: 'table-wrap param-table-wrap' }, el('table', { id: 'parameters-table' },
        el('thead', {}, el('tr', {}, ['Name', 'Value', 'Unit', 'Prior', 'Source', 'Flag', 'Mechanism']
          .map((t, i) => el('th', { class: i === 1 ? 'num' : null }, t)))),
        el('tbody', {}, rows.map((r) => r.tr)))));
  }

  function outcomesAndStrategies(sc) {
    const outcomes = Object.entries(sc.outcomes || {});
    if (!outcomes.length && !sc.strategies.length) return null;
    return section('Outcomes and strategies', { id: 'outcomes' },
      outcomes.length ? el('ul', {}, outcomes.map(([n, o]) => el('li', {}, el('code', {}, n), ` (${o.kind}): ${o.doc}`))) : null,
      sc.strategies.length ? el('div', { class: 'grid3' }, sc.strategies.map((s) => el('div', { class: 'actor' },
        el('strong', {}, s.name), el('div', { class: 'small' }, s.doc),
        s.source ? el('div', { class: 'hint' }, `Source: ${s.source}`) : null))) : null);
  }

  main().catch((err) => showError($('#main'), err));
})();
