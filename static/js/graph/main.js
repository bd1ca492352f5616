// The backprop stepper page: wires the state (URL), the trace stream, and the components.

import { streamEvents } from '../lib/events.js';
import { RequestError, isAbort, postJSON } from '../lib/http.js';
import { Keys } from '../lib/keys.js';
import { serverLimits } from '../lib/limits.js';
import { Notices } from '../lib/notices.js';
import { Presenter } from '../lib/presenter.js';
import { onUrlShow } from '../lib/urlstate.js';
import { ChainRulePanel } from './chainrule.js';
import { Controls } from './controls.js';
import { Editor } from './editor.js';
import { GradcheckBadge } from './gradcheck.js';
import { GraphView } from './graphview.js';
import { Player } from './player.js';
import { PageState } from './state.js';
import { Quiz } from './quiz.js';
import { Trace } from './trace.js';
import { TrainingPanel } from './training.js';

const $ = (selector) => document.querySelector(selector);
const presets = JSON.parse($('#presets-data').textContent);
const optimizers = JSON.parse($('#optimizers-data').textContent);
const limits = await serverLimits();
const state = new PageState(presets, optimizers, limits);
let linkNamesStep = new URLSearchParams(window.location.search).has('step'); // before the page writes its own
// The trace on screen; the program's own pass (iteration 0); the latest request's AbortController,
// and that controller again while it is a training request; a token while run() is under way;
// the number of the latest operation (only the latest one sets <body data-run>).
const session = { trace: null, base: null, run: null, training: null, loading: null, op: 0 };

const ui = {
  preset: $('[data-testid=preset]'),
  title: $('[data-testid=title]'),
  seedNote: $('[data-testid=seed-note]'),
};
const view = {
  graph: new GraphView($('[data-testid=graph]')),
  panel: new ChainRulePanel($('[data-testid=chain-rule]')),
  badge: new GradcheckBadge($('[data-testid=gradcheck]')),
  editor: new Editor($('.editor'), $('[data-testid=program-error]'), { onRun: () => run() }),
  controls: new Controls($('.controls'), { onGo: go, onTogglePlay: togglePlay, onSpeed: setSpeed }),
};
const quiz = new Quiz($('[data-testid=quiz]'), { trace: () => session.trace, step: () => state.step });
const player = new Player(() => {
  show(state.step + 1);
  return state.step < total();
}, () => renderControls());

function total() {
  return session.trace?.length ?? 0;
}

/** Show step `step` (clamped to 0…N) of the current trace everywhere, and remember it in the URL. */
function show(step) {
  const trace = session.trace;
  state.step = Math.max(0, Math.min(step, total()));
  view.graph.update(trace, state.step);
  view.panel.update(trace, state.step, { title: state.title, description: state.description });
  renderControls();
  quiz.stepped(state.step); // before the save publishes this step: it may reveal the room's question
  state.save();
}

function renderControls() {
  view.controls.update({
    step: state.step,
    total: total(),
    phase: session.trace.phaseAt(state.step),
    playing: player.playing,
    speed: state.speed,
    ready: true,
  });
}

function go(action) {
  if (!session.trace) return;
  player.pause();
  const targets = { first: 0, prev: state.step - 1, next: state.step + 1, last: total() };
  show(typeof action === 'number' ? action : targets[action]);
}

function togglePlay() {
  if (!session.trace) return;
  if (player.playing) {
    player.pause();
    return;
  }
  if (state.step >= total()) show(0);
  player.play(state.speed);
}

function setSpeed(speed) {
  state.speed = speed;
  if (player.playing) player.play(speed);
  state.save();
}

function showGraph(trace) {
  const { graph } = trace;
  ui.preset.value = state.preset ?? '';
  ui.title.textContent = state.preset !== null ? state.title : `Custom program · output ${graph.output}`;
  ui.seedNote.hidden = !graph.seeded_with_ones;
  ui.seedNote.textContent = graph.seeded_with_ones
    ? `The output ${graph.output} is not a scalar: backprop starts from a gradient of ones at ${graph.output}, `
      + `the gradient of sum(${graph.output}).`
    : '';
  view.graph.setGraph(trace);
}

/**
 * Run the editor's program (or, on page load, what the URL names) through the trace
 * stream. A bad program leaves the last good graph, its step and its badge on screen.
 * A newer run cancels this one (its requests are aborted).
 */
async function run(options = {}) {
  const token = {};
  session.loading = token;
  try {
    await runProgram(options);
  } finally {
    if (session.loading === token) session.loading = null;
  }
}

async function runProgram({ fromURL = false } = {}) {
  const source = fromURL ? state.source : state.sourceFor(view.editor.value);
  const targetStep = fromURL ? state.step : 0;
  if (!fromURL) state.iteration = 0; // a new program starts from its own values
  session.run?.abort();
  const { signal } = (session.run = new AbortController());
  // <body data-run="running|done|error">: done once the gradient check is back (a hook for tests).
  const op = ++session.op;
  const mark = (phase) => { if (session.op === op) document.body.dataset.run = phase; };
  mark('running');
  player.pause();
  let trace = null;
  try {
    await streamEvents('/api/graph/trace/stream', (event, data) => {
      if (event === 'graph') {
        trace = new Trace(data);
      } else if (trace) {
        trace.add(event, data);
      }
      if (event === 'done' && trace) {
        // The whole trace is here (the layout needs every label): draw it and go to the step.
        session.trace = trace;
        session.base = trace;
        state.setSource(source);
        view.editor.clearError();
        view.badge.pending();
        showGraph(trace);
        show(targetStep);
      }
    }, { body: source, signal });
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    const detail = error instanceof RequestError
      ? error.detail
      : { message: `could not run the program: ${error.message}` };
    view.editor.showError(detail, session.trace ? 'The graph shown is the last program that ran.' : '');
    mark('error');
    return;
  }
  if (signal.aborted) return;
  if (!trace?.complete) {
    view.editor.showError({ message: 'the trace stream ended before its `done` event; run again' });
    mark('error');
    return;
  }
  try {
    const result = await postJSON('/api/graph/gradcheck', source, { signal });
    if (signal.aborted) return;
    view.badge.update(result);
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    view.badge.fail(error.detail);
  }
  if (state.iteration > 0) {
    // A link to a trained pass without a step shows it fully revealed, like a train click.
    await train(state.iteration, { step: fromURL && linkNamesStep ? targetStep : null });
    return;
  }
  await training.show(iterationZero(trace));
  if (!signal.aborted) mark('done');
}

/** Training's result for the program as written: no update yet, one loss. */
function iterationZero(trace) {
  return { iteration: 0, losses: [trace.result.loss], lr: [], updates: {}, status: 'max_steps' };
}

/** The trace document of POST /api/graph/trace (or /train's `trace`) as a Trace. */
function traceOf(doc) {
  const trace = new Trace(doc.graph);
  doc.forward.forEach((event) => trace.add('forward', event));
  doc.backward.forEach((event) => trace.add('backward', event));
  trace.add('done', { grads: doc.grads, loss: doc.loss });
  return trace;
}

/**
 * Train the program's params to iteration `iterations` (recomputed from its initial
 * values by the server) and show that pass: fully revealed, or at `step` (a URL's).
 */
async function train(iterations, { step = null } = {}) {
  session.run?.abort();
  const controller = new AbortController();
  const { signal } = controller;
  session.run = controller;
  session.training = controller;
  const op = ++session.op;
  const mark = (phase) => { if (session.op === op) document.body.dataset.run = phase; };
  mark('running');
  player.pause();
  try {
    const result = await postJSON('/api/graph/train', {
      ...state.source, optimizer: state.optimizer, params: state.hyper, iterations,
    }, { signal });
    if (signal.aborted) return;
    const trace = traceOf(result.trace);
    session.trace = trace;
    state.iteration = result.iteration;
    view.editor.clearError();
    showGraph(trace);
    show(step ?? trace.length);
    await training.show(result);
    mark('done');
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    const detail = error instanceof RequestError ? error.detail : { message: String(error) };
    view.editor.showError(detail, 'Training stopped; the graph shown is the last pass.');
    mark('error');
  } finally {
    if (session.training === controller) session.training = null;
  }
}

/**
 * Back to iteration 0: the program's own pass, fully revealed, and a loss history of one
 * point. A training request still under way is dropped. Before the program's first pass
 * has arrived there is nothing to show yet: run() shows iteration 0 when it is done.
 */
async function startOver() {
  const pending = session.training;
  if (pending) {
    session.training = null;
    pending.abort();
  }
  state.iteration = 0;
  state.save();
  if (!session.base || (session.loading && !pending)) return;
  const op = ++session.op;
  document.body.dataset.run = 'running';
  player.pause();
  session.trace = session.base;
  showGraph(session.base);
  show(session.base.length);
  await training.show(iterationZero(session.base));
  if (session.op === op) document.body.dataset.run = 'done';
}

/**
 * The optimizer or a hyperparameter changed. Iterations on screen were made with the old
 * settings, and a link must reopen what is on screen, so training starts over, visibly.
 */
function settingsChanged(what) {
  if (state.iteration > 0 || session.training) {
    startOver();
    training.notice(`${what}: training starts over from the program's values.`);
  }
  state.save();
}

const training = new TrainingPanel($('[data-component=training]'), optimizers, state, {
  onTrain: (iterations) => {
    training.notice(null);
    if (iterations === 0) startOver();
    else train(iterations);
  },
  onChange: settingsChanged,
});
// A link that names training (an optimizer, a hyperparameter, an iteration) opens its panel.
if (state.iteration > 0 || new URLSearchParams(window.location.search).has('optimizer')
  || Object.keys(state.hyper).length > 0) {
  $('[data-component=training]').open = true;
}

ui.preset.addEventListener('change', () => {
  const id = ui.preset.value;
  ui.preset.blur(); // arrow keys step the graph again
  if (!id) {
    view.editor.textarea.focus();
    return;
  }
  view.editor.value = state.presetById(id).program;
  run();
});

$('[data-testid=run]').addEventListener('click', () => run());

Presenter.forPage(state, () => view.graph.fit());

new Keys()
  .bind(['ArrowRight', ' ', 'PageDown'], 'next', () => go('next'))
  .bind(['ArrowLeft', 'PageUp'], 'back', () => go('prev'))
  .bind(['Home'], 'start', () => go('first'))
  .bind(['End'], 'last step', () => go('last'))
  .bind(['p'], 'play', togglePlay)
  .bind(['q'], 'ask the room', () => quiz.ask())
  .bind(['t'], 'train one iteration', () => { $('[data-component=training]').open = true; train(state.iteration + 1); })
  .note(['Ctrl+Enter'], 'run')
  .note(['Escape'], 'leaves the editor')
  .render($('[data-component=keys]'));

const notices = new Notices($('[data-testid=notices]'));
notices.update([...limits.notices, ...state.takeNotices()]);

/** Open what the state names: its program (and training), at its step. */
function load() {
  view.editor.value = state.programText;
  ui.preset.value = state.preset ?? '';
  training.showSettings();
  run({ fromURL: true });
}

// A room's lecturer moved (lib/follow.js): the same program and training is only a step
// away, anything else runs as a link to it would. The event stream stays open either way.
onUrlShow((search) => {
  const computed = state.computed;
  state.adopt(search);
  notices.update(state.takeNotices());
  player.pause();
  if (state.computed === computed && session.trace && !session.loading && !session.training) {
    show(state.step);
  } else {
    linkNamesStep = true; // the lecturer's URL always names its step
    load();
  }
  return true;
});

view.controls.reset();
load();
