/* The Verdicts page: the reports in the results store, and a form to run a
   new verdict as a job (one at a time on the server). */
(() => {
  'use strict';
  const { el, $, clear, section, setMain, showError, getJSON } = window.App;

  async function main() {
    const listHost = el('div', { id: 'verdict-list-host' }, el('p', { class: 'loading' }, 'Loading…'));
    const scenarios = await getJSON('/api/scenarios').catch(() => []);
    setMain(
      el('h1', {}, 'Verdicts'),
      el('p', { class: 'lead' }, 'A verdict answers a scenario\'s question with the whole study: the theories '
        + 'weighed against the record, paired strategies, the curve of chances over time, sensitivity and the '
        + 'claims ledger. Each one is a report you can open, with the command that reproduces it.'),
      section('Reports', { id: 'reports' }, listHost),
      form(scenarios, () => refresh(listHost)));
    await refresh(listHost);
  }

  async function refresh(host) {
    let list;
    try {
      list = await getJSON('/api/verdicts');
    } catch (err) {
      showError(host, err);
      return;
    }
    clear(host);
    if (!list.length) {
      host.appendChild(el('p', { class: 'muted', id: 'no-verdicts' }, 'No verdicts in the results store yet: run one below.'));
      return;
    }
    host.appendChild(el('div', { class: 'table-wrap' }, el('table', { id: 'verdict-list' },
      el('thead', {}, el('tr', {}, ['Created', 'Scenario', 'Budget', 'Answer', 'Report'].map((t) => el('th', {}, t)))),
      el('tbody', {}, list.map((v) => el('tr', { dataset: { id: v.id } },
        el('td', { class: 'small' }, v.created || v.id),
        el('td', {}, v.scenario ? el('a', { href: `/scenario?name=${encodeURIComponent(v.scenario)}` }, v.scenario) : ''),
        el('td', {}, v.budget || ''),
        el('td', { class: 'headline' }, v.headline || ''),
        el('td', { class: 'small' },
           el('a', { href: v.report, class: 'report-link' }, 'report'), ' · ',
           el('a', { href: `/verdicts/${encodeURIComponent(v.id)}/verdict.json` }, 'json'))))))));
  }

  function form(scenarios, done) {
    const withQuestion = scenarios.filter((s) => s.question);
    const scenario = App.select({ id: 'verdict-scenario' },
      (withQuestion.length ? withQuestion : scenarios).map((s) => ({ value: s.name, label: `${s.name}: ${s.question || s.title}` })),
      'soviet-1923');
    const budget = App.select({ id: 'verdict-budget' }, [
      { value: 'quick', label: 'quick: a first look, wide intervals' },
      { value: 'default', label: 'default: 400 runs per arm, about ±3 points (much longer)' }], 'quick');
    const seed = el('input', { type: 'number', id: 'verdict-seed', min: 0, value: 0, style: 'width: 8rem' });
    const status = el('div', { id: 'verdict-status' });
    const button = el('button', { type: 'button', class: 'primary', id: 'verdict-run' }, 'Run the verdict');
    button.addEventListener('click', async () => {
      clear(status);
      button.disabled = true;
      try {
        const res = await App.runJob('/api/verdicts', { scenario: scenario.value, budget: budget.value,
                                                        seed: Number(seed.value) }, status, 'Verdict');
        App.append(clear(status), el('div', { class: 'ok', id: 'verdict-done' },
          el('span', { class: 'headline' }, res.headline), ' ',
          el('a', { href: res.report, id: 'new-report' }, 'Open the report')));
        await done();
      } catch (err) {
        showError(status, err);
      } finally {
        button.disabled = false;
      }
    });
    return section('Run a new verdict', { id: 'new-verdict' },
      el('div', { class: 'row' }, App.field('Scenario', scenario), App.field('Budget', budget), App.field('Seed', seed), button),
      el('p', { class: 'hint' }, 'The server runs one verdict at a time; this page shows its progress, and the '
        + 'report appears in the list when it is done. The same settings give the same numbers.'),
      status);
  }

  main().catch((err) => showError($('#main'), err));
})();
