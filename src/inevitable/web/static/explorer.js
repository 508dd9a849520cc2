/* The Explorer page: paired arms (built-in strategies or your own rules),
   an optional branch month, the scenario's conditions within their priors;
   runs an ensemble as a job and draws fan charts and outcome probabilities. */
(() => {
  'use strict';
  const { el, $, $$, clear, section, setMain, showError, getJSON, postJSON, num } = window.App;
  const OWN = '__own__';

  async function main() {
    const name = App.params().get('scenario') || 'soviet-1923';
    const list = await getJSON('/api/scenarios').catch(() => []);
    let sc;
    try {
      sc = await getJSON(`/api/scenarios/${encodeURIComponent(name)}`);
    } catch (err) {
      setMain(el('h1', {}, 'Explorer'), App.errorBox(err));
      return;
    }
    const strategies = strategyList(sc);
    const editor = sc.language ? ruleEditor(sc) : null;
    const arms = [armPanel(sc, 0, strategies, editor), armPanel(sc, 1, strategies, editor)];
    arms[0].other = arms[1];
    arms[1].other = arms[0];
    const settings = settingsPanel(sc, list);
    const conditions = conditionsPanel(sc);
    const status = el('div', { id: 'run-status' });
    const results = el('div', { id: 'results' });
    const run = el('button', { type: 'button', class: 'primary', id: 'run' }, 'Run');
    run.addEventListener('click', () => runEnsemble(sc, settings, arms, conditions, editor, run, status, results));
    if (!strategies.length) {
      run.disabled = true;
      status.appendChild(el('p', { class: 'notice' }, `Scenario '${sc.name}' has no strategies to compare.`));
    }

    setMain(
      el('h1', {}, 'Explorer'),
      el('p', { class: 'lead' }, sc.question || sc.title),
      settings.node,
      section('Arms', { id: 'arms' },
        el('p', { class: 'hint' }, 'Each arm runs on the same seeds (common random numbers), so '
          + 'their difference is paired run by run and shows what the strategy changed.'),
        el('div', { class: 'grid2' }, arms.map((a) => a.node))),
      conditions.node,
      el('div', { class: 'card' }, el('div', { class: 'row' }, run,
        el('span', { class: 'hint' }, 'Long runs queue on the server; this page shows their progress.')), status),
      results);
  }

  function strategyList(sc) {
    const out = sc.strategies.map((s) => ({ name: s.name, doc: s.doc, source: s.source, rules: s.rules,
                                            plain: !s.extends && !s.switch && Array.isArray(s.rules) }));
    if (!out.length) {  // a scenario whose strategies are a parameter's choices only
      const p = sc.parameters.find((x) => x.name === 'strategy');
      for (const c of (p && p.choices) || []) out.push({ name: c, doc: p.doc, plain: false });
    }
    return out;
  }

  // -- settings -------------------------------------------------------------------
  function settingsPanel(sc, list) {
    const docs = App.theoryDocs(sc.theory_doc);
    const scenarioSel = App.select({ id: 'scenario', onchange: (e) => { window.location.search = `?scenario=${encodeURIComponent(e.target.value)}`; } },
      list.map((s) => ({ value: s.name, label: s.name })), sc.name);
    const theory = App.select({ id: 'theory' }, sc.theories.map((t) => ({ value: t, label: docs[t] ? `${t}: ${docs[t]}` : t })),
                              sc.theories.includes('C') ? 'C' : sc.theories[0]);
    const months = App.months(sc.time.start, sc.time.end).slice(1, -1);
    const branch = App.select({ id: 'branch' }, [{ value: '', label: 'none: the arms differ from the start' }, ...months], '');
    const reps = el('input', { type: 'number', id: 'reps', min: 2, max: 400, value: 20, style: 'width: 6rem' });
    const seed = el('input', { type: 'number', id: 'seed', min: 0, value: 0, style: 'width: 8rem' });
    const node = section('Settings', { id: 'settings' }, el('div', { class: 'row' },
      App.field('Scenario', scenarioSel),
      sc.theories.length ? App.field('Theory', theory) : null,
      months.length ? App.field('Branch month', branch) : null,
      App.field('Runs per arm', reps),
      App.field('Seed', seed)),
      months.length ? el('p', { class: 'hint' }, 'With a branch month, history runs as it happened (strategy '
        + '"historical") until that month and the arms diverge from there.') : null);
    return {
      node,
      read: () => ({ theory: sc.theories.length ? theory.value : null, branch: branch.value || null,
                     reps: Number(reps.value), seed: Number(seed.value) }),
    };
  }

  // -- arms and the rule editor ---------------------------------------------------------
  function armPanel(sc, i, strategies, editor) {
    const letter = 'AB'[i];
    const defaults = ['historical', 'class-struggle'];
    const names = strategies.map((s) => s.name);
    const initial = names.includes(defaults[i]) ? defaults[i] : names[Math.min(i, names.length - 1)];
    const options = strategies.map((s) => ({ value: s.name, label: s.name }));
    if (editor) options.push({ value: OWN, label: 'Write your own…' });
    const sel = App.select({ id: `arm-${i}-strategy`, 'aria-label': `arm ${letter} strategy` }, options, initial);
    const doc = el('div', { class: 'small' });
    const own = el('div', {});
    const enabled = el('input', { type: 'checkbox', id: `arm-${i}-on`, checked: true });
    const arm = { i, letter, sel, own, enabled, other: null };
    const update = () => {
      const s = strategies.find((x) => x.name === sel.value);
      clear(doc);
      if (s) App.append(doc, [s.doc, s.source ? el('div', { class: 'hint' }, `Source: ${s.source}`) : null]);
      if (editor) {
        if (sel.value === OWN) own.appendChild(editor.node);
        else if (own.contains(editor.node)) editor.node.remove();
        for (const o of arm.other ? arm.other.sel.options : []) {
          if (o.value === OWN) o.disabled = sel.value === OWN && enabled.checked;
        }
      }
      sel.disabled = !enabled.checked;
    };
    sel.addEventListener('change', update);
    enabled.addEventListener('change', update);
    setTimeout(update);
    const head = el('h3', {}, el('span', { class: 'arm-color', style: `background:${App.COLORS[i]}` }), `Arm ${letter}`);
    arm.node = el('div', { class: 'arm', id: `arm-${i}` },
      i === 0 ? head : el('div', { class: 'row', style: 'justify-content: space-between' }, head,
                          el('label', { class: 'small' }, enabled, ' compare with a second arm')),
      App.field('Strategy', sel), doc, own);
    arm.read = () => {
      if (!enabled.checked) return null;
      return sel.value === OWN ? { rules: editor.read() } : { strategy: sel.value };
    };
    arm.isOwn = () => enabled.checked && sel.value === OWN;
    return arm;
  }

  function ruleEditor(sc) {
    const { observables, actions } = sc.language;
    const rulesHost = el('div', { class: 'rules' });
    const error = el('div', { id: 'rule-error', class: 'error', role: 'alert', hidden: true });
    const ok = el('div', { id: 'rule-ok', class: 'ok', role: 'status', hidden: true });
    let lastWhen = null;
    const clearStatus = () => { error.hidden = true; ok.hidden = true; };

    const actionRow = (name, level) => {
      const row = el('span', { class: 'action' },
        App.select({ class: 'action-name', 'aria-label': 'action' }, actions, name),
        el('input', { type: 'number', class: 'action-level', min: 0, max: 1, step: 0.1, value: level, 'aria-label': 'level (0 to 1)' }),
        el('button', { type: 'button', class: 'link', title: 'remove this action', 'aria-label': 'remove action',
                       onclick: () => { row.remove(); clearStatus(); } }, '×'));
      return row;
    };
    const addRule = (rule) => {
      const when = el('input', { type: 'text', class: 'rule-when', value: rule.when || 'always', spellcheck: 'false',
                                 'aria-label': 'when (condition)', onfocus: (e) => { lastWhen = e.target; } });
      const acts = el('div', { class: 'actions' }, Object.entries(rule.do || {}).map(([a, v]) => actionRow(a, v)));
      const box = el('div', { class: 'rule' },
        el('div', { class: 'rule-head' }, el('span', { class: 'field-label' }, 'when'), when,
           el('button', { type: 'button', class: 'small', title: 'remove this rule', onclick: () => { box.remove(); clearStatus(); } }, 'Remove')),
        el('div', {}, el('span', { class: 'field-label' }, 'do '), acts,
           el('button', { type: 'button', class: 'small', onclick: () => {
             const used = new Set($$('.action-name', acts).map((s) => s.value));
             acts.appendChild(actionRow(actions.find((a) => !used.has(a)) || actions[0], 1));
           } }, '+ action')));
      box.addEventListener('input', clearStatus);
      rulesHost.appendChild(box);
      lastWhen = when;
    };
    const load = (rules) => { clear(rulesHost); rules.forEach(addRule); clearStatus(); };
    load([{ when: 'always', do: { platform: 1 } },
          { when: 'apparatus_control > 0.6 or leaders_expelled', do: { prepare_split: 1 } }]);

    const read = () => $$('.rule', rulesHost).map((box) => {
      const doMap = {};
      for (const a of $$('.action', box)) {
        doMap[$('.action-name', a).value] = Number($('.action-level', a).value);
      }
      return { when: $('.rule-when', box).value.trim() || 'always', do: doMap };
    });
    const showError = (msg) => { error.textContent = msg; error.hidden = false; ok.hidden = true; };
    const check = async () => {
      clearStatus();
      try {
        const res = await postJSON('/api/strategies/check', { scenario: sc.name, rules: read() });
        ok.textContent = `The strategy is valid (${res.rules} rule${res.rules === 1 ? '' : 's'}).`;
        ok.hidden = false;
      } catch (err) {
        showError(err.message);
      }
    };
    const insert = (name) => {
      if (!lastWhen) return;
      const s = lastWhen.selectionStart ?? lastWhen.value.length;
      const e = lastWhen.selectionEnd ?? s;
      lastWhen.value = lastWhen.value.slice(0, s) + name + lastWhen.value.slice(e);
      lastWhen.focus();
      lastWhen.setSelectionRange(s + name.length, s + name.length);
      clearStatus();
    };
    const templates = sc.strategies.filter((s) => !s.extends && !s.switch && Array.isArray(s.rules));
    const node = el('div', { class: 'rule-editor', id: 'rule-editor' },
      el('p', { class: 'hint' }, 'Each month every rule whose condition holds sets the levels (0 to 1) of the '
        + 'actions it names; later rules override earlier ones. Conditions use comparisons, and/or/not, '
        + '+ − * /, numbers, months in quotes ("1925-12") and the observed names below (click one to insert it).'),
      el('div', { class: 'names' }, observables.map((o) => el('button', { type: 'button', class: 'chip mono', onclick: () => insert(o) }, o))),
      templates.length ? el('div', { class: 'row small' }, 'Start from: ',
        templates.map((t) => el('button', { type: 'button', class: 'small', onclick: () => load(t.rules) }, t.name))) : null,
      rulesHost,
      el('div', { class: 'row' },
        el('button', { type: 'button', onclick: () => addRule({ when: 'always', do: { [actions[0]]: 1 } }) }, '+ rule'),
        el('button', { type: 'button', id: 'rule-check', onclick: check }, 'Check')),
      error, ok);
    return { node, read, showError, clearStatus };
  }

  // -- conditions ---------------------------------------------------------------------
  function conditionsPanel(sc) {
    const sliders = [];
    for (const name of sc.conditions) {
      const p = sc.parameters.find((x) => x.name === name);
      if (!p || !p.prior) continue;
      const lo = p.prior.low ?? p.low;
      const hi = p.prior.high ?? p.high;
      if (lo === null || lo === undefined || hi === null || hi === undefined) continue;
      const isInt = p.kind === 'int';
      const step = isInt ? Math.max(1, Math.round((hi - lo) / 200)) : (hi - lo) / 200;
      const initial = Math.min(hi, Math.max(lo, Number(p.value)));
      const out = el('output', {}, num(initial));
      const input = el('input', { type: 'range', min: lo, max: hi, step, value: initial, id: `param-${name}`, 'aria-label': name });
      const reset = el('button', { type: 'button', class: 'link small', hidden: true, onclick: () => {
        input.value = initial; box.classList.remove('changed'); out.textContent = num(initial); reset.hidden = true;
      } }, 'reset');
      const box = el('div', { class: 'slider', title: p.doc },
        el('div', { class: 'slider-top' }, el('code', {}, name), el('span', {}, out, reset)),
        input,
        el('span', { class: 'hint' }, `${p.doc}${p.unit ? ` (${p.unit})` : ''}; prior ${p.prior.dist} on [${num(lo)}, ${num(hi)}]; model value ${num(p.value)}`));
      input.addEventListener('input', () => {
        box.classList.add('changed');
        reset.hidden = false;
        out.textContent = num(Number(input.value));
      });
      sliders.push({ name, input, box, isInt });
    }
    const node = sliders.length ? section('Conditions', { id: 'conditions' },
      el('p', { class: 'hint' }, 'Uncertain conditions of the scenario, each within the support of its prior. '
        + 'Only the ones you move are sent; the rest keep the model\'s values.'),
      el('div', { class: 'grid3' }, sliders.map((s) => s.box))) : null;
    return {
      node,
      read: () => Object.fromEntries(sliders.filter((s) => s.box.classList.contains('changed'))
        .map((s) => [s.name, s.isInt ? Math.round(Number(s.input.value)) : Number(s.input.value)])),
    };
  }

  // -- running and drawing ---------------------------------------------------------------
  async function runEnsemble(sc, settings, arms, conditions, editor, button, status, results) {
    clear(status);
    if (editor) editor.clearStatus();
    const s = settings.read();
    const body = { scenario: sc.name, arms: arms.map((a) => a.read()).filter(Boolean),
                   params: conditions.read(), reps: s.reps, seed: s.seed };
    if (s.theory) body.theory = s.theory;
    if (s.branch) body.branch = s.branch;
    const own = arms.some((a) => a.isOwn());
    button.disabled = true;
    try {
      const result = await App.runJob('/api/ensembles', body, status, 'Ensemble');
      draw(result, body, results);
    } catch (err) {
      showError(status, err);
      if (own && /^(rules|arms)/.test(err.message)) editor.showError(err.message);
    } finally {
      button.disabled = false;
    }
  }

  const armLabel = (a) => (a.strategy === 'your-strategy' ? 'your strategy' : a.strategy);

  function draw(result, body, host) {
    clear(host);
    const kinds = result.outcome_kinds || {};
    const docs = result.outcome_docs || {};
    const arms = result.arms;
    const others = arms.filter((a) => a.strategy !== result.reference);
    const diff = (a, o) => (result.differences || []).find((d) => d.strategy === a.strategy && d.outcome === o
                                                             && d.theory === a.theory);
    const table = el('table', { id: 'prob-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Outcome'),
        arms.map((a, i) => el('th', { class: 'num' }, el('span', { class: 'arm-color', style: `background:${App.COLORS[i]}` }), armLabel(a))),
        others.map((a) => el('th', { class: 'num' }, `${armLabel(a)} − ${armLabel({ strategy: result.reference })} (paired)`)))),
      el('tbody', {}, result.outcomes.map((o) => el('tr', { dataset: { outcome: o } },
        el('td', {}, el('code', {}, o), el('div', { class: 'hint' }, docs[o] || '')),
        arms.map((a) => el('td', { class: 'num' }, App.fmtEst(a[o], kinds[o] || 'number'))),
        others.map((a) => {
          const d = diff(a, o);
          const sig = d && (d.low > 0 || d.high < 0);
          return el('td', { class: `num${sig ? ' sig' : ''}`, title: sig ? 'the 95% interval excludes 0' : null },
                    d ? App.fmtDiff(d, kinds[o] || 'number') : '');
        })))));
    const probChart = el('div', { id: 'prob-chart', class: 'plot' });
    const fanChart = el('div', { id: 'fan-chart', class: 'plot' });
    const hasFans = Object.keys(arms[0].fans || {}).length > 0;
    App.append(host, [
      section('Outcomes', { id: 'outcomes' },
        el('p', { class: 'small muted' }, `Theory ${result.theory} · ${result.reps} runs per arm · seeds ${result.seeds[0]}–${result.seeds[1]}`
          + `${body.branch ? ` · branch at ${body.branch}` : ''}${Object.keys(result.params || {}).length
            ? ` · ${Object.entries(result.params).map(([k, v]) => `${k} = ${num(v)}`).join(', ')}` : ''}`
          + ' · estimates with 95% intervals'),
        el('div', { class: 'table-wrap' }, table), probChart),
      hasFans ? section('Fan charts', { id: 'fans' },
        el('p', { class: 'small muted' }, 'Bands: 5–95% and 25–75% of runs; line: the median. Arms side by side, same scale per row.'),
        fanChart) : null,
    ]);
    drawProbabilities(probChart, arms, result.outcomes.filter((o) => kinds[o] === 'binary'));
    if (hasFans) drawFans(fanChart, arms, body.branch);
  }

  function drawProbabilities(div, arms, outcomes) {
    if (!outcomes.length) { div.remove(); return; }
    const traces = arms.map((a, i) => ({
      type: 'bar', name: App.esc(armLabel(a)), x: outcomes.map(App.esc), y: outcomes.map((o) => a[o].value),
      marker: { color: App.COLORS[i] },
      error_y: { type: 'data', symmetric: false, array: outcomes.map((o) => a[o].high - a[o].value),
                 arrayminus: outcomes.map((o) => a[o].value - a[o].low), color: '#333' },
      hovertemplate: outcomes.map((o) => `${App.esc(armLabel(a))}: ${App.esc(o)} ${App.fmtEst(a[o])}<extra></extra>`),
    }));
    Plotly.newPlot(div, traces, {
      barmode: 'group', height: 320, margin: { t: 30, r: 20, b: 40, l: 50 },
      yaxis: { range: [0, 1], tickformat: '.0%', title: { text: 'chance' } },
      title: { text: 'Chance of each outcome (95% intervals)', font: { size: 14 } },
      legend: { orientation: 'h', y: -0.15 },
    }, App.PLOTLY_CONFIG);
  }

  function drawFans(div, arms, branch) {
    const series = Object.keys(arms[0].fans);
    const cols = arms.length;
    const traces = [];
    const layout = {
      height: 190 * series.length + 70, margin: { t: 40, r: 20, b: 40, l: 70 }, showlegend: false,
      grid: { rows: series.length, columns: cols, pattern: 'independent', roworder: 'top to bottom',
              xgap: 0.06, ygap: 0.28 },
      annotations: [], shapes: [],
    };
    series.forEach((s, r) => {
      arms.forEach((a, c) => {
        const n = r * cols + c + 1;
        const ax = n === 1 ? '' : String(n);
        const f = a.fans[s];
        const color = App.COLORS[c];
        const band = (lo, hi, alpha, label) => ({
          type: 'scatter', mode: 'lines', x: [...f.labels, ...[...f.labels].reverse()],
          y: [...f[hi], ...[...f[lo]].reverse()], fill: 'toself', line: { width: 0 },
          fillcolor: App.rgba(color, alpha), hoverinfo: 'skip', name: label, xaxis: `x${ax}`, yaxis: `y${ax}`,
        });
        traces.push(band('q05', 'q95', 0.15, '5–95%'), band('q25', 'q75', 0.3, '25–75%'), {
          type: 'scatter', mode: 'lines', x: f.labels, y: f.q50, line: { color, width: 2 },
          name: `${App.esc(armLabel(a))}: median`, xaxis: `x${ax}`, yaxis: `y${ax}`,
          hovertemplate: `${App.esc(s)} (${App.esc(armLabel(a))}) %{x}: %{y:.3~g}<extra></extra>`,
        });
        layout[`xaxis${ax}`] = /^\d{4}-\d{2}$/.test(f.labels[0]) ? { type: 'date', tickformat: '%Y', hoverformat: '%Y-%m', showgrid: false }
          : { type: 'linear', showgrid: false };
        layout[`yaxis${ax}`] = { zeroline: false, title: c === 0 ? { text: App.esc(s), font: { size: 12 } } : undefined,
                                 matches: c === 0 ? undefined : `y${r * cols + 1 === 1 ? '' : r * cols + 1}` };
        if (r === 0) {
          layout.annotations.push({ text: `<b>${App.esc(armLabel(a))}</b>`, xref: `x${ax} domain`, yref: `y${ax} domain`,
                                    x: 0.5, y: 1.18, showarrow: false, font: { color, size: 13 } });
        }
        if (branch) {
          layout.shapes.push({ type: 'line', xref: `x${ax}`, yref: `y${ax} domain`, x0: branch, x1: branch, y0: 0, y1: 1,
                               line: { color: '#555', width: 1, dash: 'dot' } });
        }
      });
    });
    Plotly.newPlot(div, traces, layout, App.PLOTLY_CONFIG);
  }

  main().catch((err) => showError($('#main'), err));
})();
