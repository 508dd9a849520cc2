/* The Play page: you are the Opposition. Juncture by juncture you choose a
   move; the server runs the odds with history's course and with your move
   (paired by seed). The game is its settings plus the moves, so a permalink
   replays it exactly. */
(() => {
  'use strict';
  const { el, $, $$, clear, section, setMain, showError, getJSON } = window.App;

  const enc = encodeURIComponent;
  const randomSeed = () => Math.floor(Math.random() * 1e6);
  const query = (s) => new URLSearchParams({ ...(s.theory ? { theory: s.theory } : {}), seed: s.seed, reps: s.reps });

  function gameURL(s, moves) {
    let url = `/play?scenario=${enc(s.scenario)}`;
    if (s.theory) url += `&theory=${enc(s.theory)}`;
    url += `&seed=${enc(s.seed)}&reps=${enc(s.reps)}`;
    if (moves && moves.length) url += `&moves=${moves.map(enc).join(',')}`;
    return url;
  }

  async function main() {
    const q = App.params();
    const scenario = q.get('scenario') || 'soviet-1923';
    let sc;
    let defaults;
    try {
      [sc, defaults] = await Promise.all([getJSON(`/api/scenarios/${enc(scenario)}`),
                                          getJSON(`/api/play/${enc(scenario)}`)]);
    } catch (err) {
      setMain(el('h1', {}, 'You are the Opposition'), App.errorBox(err), gameList());
      return;
    }
    const settings = {
      scenario,
      theory: q.get('theory') || defaults.theory,
      seed: q.has('seed') ? Number(q.get('seed')) : randomSeed(),
      reps: q.has('reps') ? Number(q.get('reps')) : defaults.reps,
    };
    const moves = (q.get('moves') || '').split(',').map((m) => m.trim()).filter(Boolean);
    if (moves.length) {
      await play(sc, settings, moves);
    } else {
      startScreen(sc, defaults, settings);
    }
  }

  function gameList() {
    const host = el('p', { class: 'small' });
    getJSON('/api/scenarios').then((list) => App.append(host, ['Scenarios with a game: ',
      list.filter((s) => s.game).map((s) => el('a', { href: `/play?scenario=${enc(s.name)}` }, s.name))])).catch(() => {});
    return host;
  }

  // -- the start screen -------------------------------------------------------------
  function startScreen(sc, defaults, settings) {
    const docs = App.theoryDocs(sc.theory_doc);
    const theory = App.select({ id: 'theory' }, sc.theories.map((t) => ({ value: t, label: docs[t] ? `${t}: ${docs[t]}` : t })),
                              settings.theory);
    const seed = el('input', { type: 'number', id: 'seed', min: 0, value: settings.seed, style: 'width: 9rem' });
    const reps = el('input', { type: 'number', id: 'reps', min: 4, value: settings.reps, style: 'width: 6rem' });
    const status = el('div', { id: 'start-status' });
    const start = el('button', { type: 'button', class: 'primary', id: 'start' }, 'Start');
    start.addEventListener('click', async () => {
      const s = { scenario: sc.name, theory: sc.theories.length ? theory.value : null,
                  seed: Number(seed.value), reps: Number(reps.value) };
      clear(status);
      try {  // the server checks the settings before the game starts
        await getJSON(`/api/play/${enc(s.scenario)}?${query(s)}`);
      } catch (err) {
        showError(status, err);
        return;
      }
      window.history.replaceState(null, '', gameURL(s, []));
      await play(sc, s, []);
    });
    setMain(
      el('h1', {}, 'You are the Opposition'),
      el('p', { class: 'lead' }, `${defaults.title}. At each of ${defaults.junctures.length} junctures, from `
        + `${defaults.junctures[0].month} to ${defaults.junctures[defaults.junctures.length - 1].month}, you choose what the `
        + 'Opposition does. The model then runs the months ahead under your move and under history\'s course, on the '
        + 'same seeds, and shows how the chance of the outcome moved.'),
      el('p', {}, el('strong', {}, `The outcome: ${defaults.outcome}`), ` (${defaults.outcome_doc}). Lower is better for you.`),
      section('Settings', { id: 'settings' },
        el('div', { class: 'row' },
          sc.theories.length ? App.field('Theory of the Centre', theory) : null,
          App.field('Seed', el('span', { class: 'row' }, seed,
            el('button', { type: 'button', title: 'a new random seed', onclick: () => { seed.value = randomSeed(); } }, 'New seed'))),
          App.field('Runs per move', reps, `${defaults.reps} by default; fewer is faster and less certain`),
          start),
        status));
  }

  // -- playing ----------------------------------------------------------------------
  async function play(sc, s, replayMoves) {
    let g;
    try {
      g = await getJSON(`/api/play/${enc(s.scenario)}?${query(s)}`);
    } catch (err) {
      setMain(el('h1', {}, 'You are the Opposition'), App.errorBox(err),
              el('p', {}, el('a', { href: `/play?scenario=${enc(s.scenario)}` }, 'Start a new game')));
      return;
    }
    const state = { s, g, moves: [], turns: [] };
    const steps = el('div', { class: 'juncture-steps', 'aria-hidden': 'true' }, g.junctures.map(() => el('span', {})));
    const chart = el('div', { id: 'odds-chart', class: 'plot', hidden: true });
    const stage = el('div', { id: 'stage' });
    const pathHost = el('div', { id: 'path' });
    state.ui = { steps, chart, stage, pathHost };
    setMain(
      el('h1', {}, 'You are the Opposition'),
      el('p', { class: 'muted small', id: 'game-settings' },
         `${g.title} · theory ${g.theory ?? '—'} · seed ${g.seed} · ${g.reps} runs per move · the outcome: `,
         el('strong', {}, g.outcome), ` (${g.outcome_doc})`),
      steps, stage, section('The odds, juncture by juncture', { id: 'odds' }, chart, pathHost));
    drawPath(state);

    if (replayMoves.length) {
      const notice = el('div', { class: 'notice', id: 'replay' },
                        `Replaying the game from its link: ${replayMoves.length} move${replayMoves.length === 1 ? '' : 's'}…`);
      stage.appendChild(notice);
      for (const move of replayMoves.slice(0, g.junctures.length)) {
        const ok = await playTurn(state, move, stage);
        if (!ok) return;
      }
      notice.remove();
    }
    if (state.moves.length >= g.junctures.length) await finish(state);
    else showJuncture(state);
  }

  function markSteps(state, current) {
    $$('span', state.ui.steps).forEach((x, i) => {
      x.className = i < state.moves.length ? 'done' : i === current ? 'current' : '';
    });
  }

  function showJuncture(state) {
    const { g } = state;
    const i = state.moves.length;
    const j = g.junctures[i];
    markSteps(state, i);
    const status = el('div', { class: 'turn-status' });
    const buttons = j.moves.map((name) => {
      const m = g.moves[name] || { label: name, doc: '' };
      return el('button', { type: 'button', class: 'move', dataset: { move: name }, title: m.source || null },
                el('strong', {}, m.label), el('span', {}, m.doc));
    });
    const card = section(null, { id: 'juncture', class: 'card juncture', dataset: { index: i } },
      el('div', { class: 'month' }, `Juncture ${i + 1} of ${g.junctures.length} · ${j.month}`),
      el('h2', {}, j.title),
      el('p', { class: 'situation' }, j.situation),
      el('p', { class: 'hint' }, `Source: ${j.source}`),
      el('h3', {}, 'What does the Opposition do?'),
      el('div', { class: 'moves' }, buttons),
      status);
    App.append(clear(state.ui.stage), card);
    for (const b of buttons) {
      b.addEventListener('click', async () => {
        buttons.forEach((x) => { x.disabled = true; });
        b.classList.add('chosen');
        const ok = await playTurn(state, b.dataset.move, status);
        if (!ok) {
          buttons.forEach((x) => { x.disabled = false; });
          b.classList.remove('chosen');
          return;
        }
        status.appendChild(turnResult(state, state.turns[state.turns.length - 1]));
        const last = state.moves.length >= g.junctures.length;
        const next = el('button', { type: 'button', class: 'primary', id: last ? 'finish' : 'next' },
                        last ? 'See how your whole path fares' : 'Next juncture');
        next.addEventListener('click', () => (last ? finish(state) : showJuncture(state)));
        status.appendChild(el('div', { class: 'row' }, next));
        next.focus();
      });
    }
    card.scrollIntoView({ block: 'nearest' });
  }

  /** Run the turn for one more move; returns false (after showing why) on an error. */
  async function playTurn(state, move, host) {
    const { s, g } = state;
    const moves = [...state.moves, move];
    const i = moves.length - 1;
    let result;
    try {
      result = await App.runJob('/api/play/turn', { ...s, moves }, host, `Juncture ${i + 1} of ${g.junctures.length}`);
    } catch (err) {
      host.appendChild(App.errorBox(err));
      return false;
    }
    state.moves = moves;
    state.turns.push(result);
    window.history.replaceState(null, '', gameURL(s, moves));
    markSteps(state, state.moves.length);
    drawPath(state);
    return true;
  }

  function stat(label, attrs, value, interval) {
    return el('div', { class: 'stat', ...attrs }, el('div', { class: 'label' }, label),
              el('div', { class: 'value' }, value), interval ? el('div', { class: 'interval' }, interval) : null);
  }

  const pct = (e) => App.pct(e.value);
  const interval = (e) => `95% interval [${App.pct(e.low)}, ${App.pct(e.high)}] · ${e.n} runs`;
  const diff = (e) => { const [v, i] = App.diffParts(e); return [v, `95% interval ${i}`]; };

  function turnResult(state, t) {
    const { g } = state;
    const m = g.moves[t.move] || { label: t.move };
    return el('div', { class: 'turn-result', id: 'turn-result' },
      el('h3', {}, `Your move: ${m.label}`),
      el('div', { class: 'odds' },
        stat(`Chance of ${g.outcome}, history's course from here`, { dataset: { what: 'before' } }, pct(t.before), interval(t.before)),
        stat(`Chance of ${g.outcome}, your move held from here`, { dataset: { what: 'after' } }, pct(t.after), interval(t.after)),
        stat('What your move changed (paired by seed)', { dataset: { what: 'change' } }, ...diff(t.change))),
      t.move === 'historical' ? el('p', { class: 'hint' }, 'You did what the Opposition did: both arms follow history from here.') : null);
  }

  function drawPath(state) {
    const { g, turns, ui } = state;
    clear(ui.pathHost);
    if (!turns.length) {
      ui.chart.hidden = true;
      ui.pathHost.appendChild(el('p', { class: 'muted' }, 'No move yet.'));
      return;
    }
    ui.chart.hidden = false;
    const x = turns.map((t) => `${g.junctures[t.juncture].month}`);
    const trace = (key, name, color, dash) => ({
      type: 'scatter', mode: 'lines+markers', name: App.esc(name), x, y: turns.map((t) => t[key].value),
      line: { color, dash }, marker: { size: 8 },
      error_y: { type: 'data', symmetric: false, color, thickness: 1,
                 array: turns.map((t) => t[key].high - t[key].value), arrayminus: turns.map((t) => t[key].value - t[key].low) },
      hovertemplate: turns.map((t) => `${App.esc(g.junctures[t.juncture].title)}: ${App.fmtEst(t[key])}<extra>${App.esc(name)}</extra>`),
    });
    Plotly.react(ui.chart, [trace('before', 'history\'s course from here', '#8a8f98', 'dot'),
                            trace('after', 'your move held from here', App.COLORS[0], 'solid')], {
      height: 300, margin: { t: 20, r: 20, b: 40, l: 60 },
      xaxis: { type: 'category', title: { text: 'juncture' } },
      yaxis: { range: [-0.02, 1.02], tickformat: '.0%', title: { text: `chance of ${App.esc(g.outcome)}` } },
      legend: { orientation: 'h', y: 1.12 },
    }, App.PLOTLY_CONFIG);
    ui.pathHost.appendChild(el('div', { class: 'table-wrap' }, el('table', { id: 'turns' },
      el('thead', {}, el('tr', {}, ['Juncture', 'Your move', 'History\'s course', 'Your move held', 'Change']
        .map((h, i) => el('th', { class: i >= 2 ? 'num' : null }, h)))),
      el('tbody', {}, turns.map((t) => el('tr', {},
        el('td', {}, `${g.junctures[t.juncture].month} · ${g.junctures[t.juncture].title}`),
        el('td', {}, (g.moves[t.move] || { label: t.move }).label),
        el('td', { class: 'num' }, App.fmtEst(t.before)),
        el('td', { class: 'num' }, App.fmtEst(t.after)),
        el('td', { class: 'num' }, App.fmtDiff(t.change))))))));
  }

  // -- the end -------------------------------------------------------------------------
  async function finish(state) {
    const { s, g } = state;
    markSteps(state, -1);
    const host = section('How your whole path fares', { id: 'finishing' });
    App.append(clear(state.ui.stage), host);
    let res;
    try {
      res = await App.runJob('/api/play/summary', { ...s, moves: state.moves }, host, 'Your path, history\'s and others');
    } catch (err) {
      host.appendChild(App.errorBox(err));
      host.appendChild(el('button', { type: 'button', onclick: () => finish(state) }, 'Try again'));
      return;
    }
    App.append(clear(state.ui.stage), summary(g, res));
    $('#game-summary').scrollIntoView({ block: 'start' });
  }

  function summary(g, res) {
    const label = (m) => (g.moves[m] || { label: m }).label;
    const p = res.permalink;
    const href = gameURL({ scenario: p.scenario, theory: p.theory, seed: p.seed, reps: p.reps }, p.moves.split(','));
    const absolute = new URL(href, window.location.origin).href;
    const historical = g.junctures.map(() => 'historical');
    const copy = el('button', { type: 'button', class: 'small', onclick: async () => {
      try { await navigator.clipboard.writeText(absolute); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select and copy the link'; }
    } }, 'Copy');
    return section('The end of your game', { id: 'game-summary' },
      el('p', {}, `The chance of ${g.outcome} (${g.outcome_doc}) over the whole run, on the same ${res.yours.n} seeds for every path.`),
      el('div', { class: 'odds', id: 'summary-numbers' },
        stat('Your path', { id: 'sum-yours' }, pct(res.yours), interval(res.yours)),
        stat('History\'s path', { id: 'sum-historical' }, pct(res.historical), interval(res.historical)),
        stat('Yours against history\'s (paired)', { id: 'sum-versus' }, ...diff(res.versus_historical)),
        stat('The best path found', { id: 'sum-best' }, pct(res.best), `${interval(res.best)} · from ${res.best_from}`)),
      el('p', { class: 'hint' }, 'In the finished game each move holds from its juncture to the next one, so these '
        + 'numbers differ from the turn by turn odds, where each move was held to the end. The best path is the lowest '
        + 'chance among yours, history\'s, Marot\'s course throughout and other players\' paths on these settings.'),
      el('div', { class: 'table-wrap' }, el('table', { class: 'path-table', id: 'path-table' },
        el('thead', {}, el('tr', {}, ['Juncture', 'Your move', 'History', 'Best path found'].map((h) => el('th', {}, h)))),
        el('tbody', {}, g.junctures.map((j, i) => el('tr', {},
          el('td', {}, `${j.month} · ${j.title}`),
          el('td', {}, label(res.path[i])),
          el('td', { class: res.path[i] === historical[i] ? 'same' : '' }, label(historical[i])),
          el('td', { class: res.best_path[i] === res.path[i] ? 'same' : '' }, label(res.best_path[i]))))))),
      el('p', {}, el('strong', {}, 'Permalink: '), 'this link replays the same game with the same numbers. ',
         el('a', { id: 'permalink', href }, absolute), ' ', copy),
      el('div', { class: 'row' },
         el('a', { class: 'button primary', id: 'play-again',
                   href: `/play?scenario=${enc(g.scenario)}${g.theory ? `&theory=${enc(g.theory)}` : ''}&reps=${enc(g.reps)}` },
            'Play again (a new seed)')));
  }

  main().catch((err) => showError($('#main'), err));
})();
