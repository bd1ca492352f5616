// The one module that touches window.Plotly: loading it, its config (PNG export, no
// links out), a theme read from the CSS variables in base.css, presenter-mode scaling,
// log axes labelled so they read right, and resizing with the container. Pages draw
// through newPlot/react/extendTraces/restyle; stills (toImage, snapshot, still) and
// data ↔ pixel mappings (axisMapper, plotArea, onAreaClick, which read Plotly's internal
// axes) come from here too.
//
// plotly.js is served by the app (/vendor/plotly.min.js, nothing from outside) and
// loaded on first use by a script element: allowed under the pages' CSP
// (script-src 'self'), and a page with no chart never pays for its 4 MB.
// Trace types drawn with WebGL shaders compiled at run time (scattergl and kin) would
// need 'unsafe-eval': they are refused.

const PLOTLY_SRC = '/vendor/plotly.min.js';
const REFUSED = new Set(['scattergl', 'scatterpolargl', 'splom']);

// Per plot, private to this module: the page's own layout (re-themed when presenter
// mode toggles) and what watches its container.
const plots = new WeakMap(); // el → {layout, observers: [ResizeObserver, MutationObserver]}
let loading = null; // the one <script> load of plotly.js

/** plotly.js, loaded once. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = PLOTLY_SRC;
    script.addEventListener('load', () => resolve(window.Plotly));
    script.addEventListener('error', () => {
      loading = null; // let a later call try again
      script.remove();
      reject(new Error('could not load the plotting library from the server'));
    });
    document.head.append(script);
  });
  return loading;
}

/** The config every plot shares; filename names its PNG export. */
export function plotConfig(filename = 'backproplab') {
  return {
    displaylogo: false,
    showLink: false,
    showEditInChartStudio: false,
    showSendToCloud: false,
    showTips: false,
    responsive: false, // the container's ResizeObserver resizes it (see watch)
    toImageButtonOptions: { format: 'png', filename, scale: 2 },
    modeBarButtonsToRemove: ['select2d', 'lasso2d'],
  };
}

/** Colours, font and size from the CSS variables of <html> (which presenter mode changes). */
export function theme() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    font: v('--font-ui'),
    size: Number.parseFloat(v('--plot-font-size')) || 13,
    ink: v('--ink'),
    muted: v('--muted'),
    background: v('--surface'),
    grid: v('--plot-grid'),
    line: v('--line'),
    colorway: v('--plot-colorway').split(',').map((c) => c.trim()).filter(Boolean),
  };
}

function isObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** `over` merged into `base`, recursively for plain objects (a fresh object). */
function merge(base, over) {
  const out = { ...base };
  for (const [key, value] of Object.entries(over ?? {})) {
    out[key] = isObject(value) && isObject(base[key]) ? merge(base[key], value) : value;
  }
  return out;
}

const MAX_DECADE_LABELS = 8;

/** The positive values `traces` put on the axis `key` ('xaxis', 'yaxis2', …) of a layout. */
function axisValues(traces, key) {
  const letter = key[0];
  const id = `${letter}${key.slice(5)}`; // 'yaxis2' → 'y2', 'xaxis' → 'x'
  const out = [];
  for (const trace of traces) {
    if ((trace[`${letter}axis`] ?? letter) !== id || trace.visible === false) continue;
    for (const v of (trace[letter] ?? []).flat()) if (v > 0 && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * Every log axis labelled with full values or with decades only, never Plotly's bare
 * digits between decades ("5, 2, 10⁻², 5", where the 5 means 0.05). Over three decades
 * or more: a tick per decade (or per few), as powers of ten; over fewer, ticks at 1, 2
 * and 5 × 10ᵏ, each written in full ("0.02"). An axis whose ticks the page sets itself
 * (tickformat, tickvals, dtick) is left alone.
 */
export function logTicks(layout, traces) {
  const out = { ...layout };
  for (const [key, axis] of Object.entries(layout)) {
    if (!/^[xy]axis\d*$/.test(key) || axis?.type !== 'log') continue;
    if (axis.tickformat !== undefined || axis.tickvals !== undefined || axis.dtick !== undefined) continue;
    const values = axisValues(traces, key);
    const [lo, hi] = Array.isArray(axis.range) ? axis.range.map((r) => 10 ** r)
      : values.length ? [Math.min(...values), Math.max(...values)] : [1, 10];
    const decades = Math.log10(hi / lo);
    out[key] = decades >= 3
      ? { exponentformat: 'power', ...axis, dtick: Math.max(1, Math.ceil(decades / MAX_DECADE_LABELS)) }
      : { ...axis, tickformat: '~g', ...(decades >= 1 ? { dtick: 'D2' } : {}) };
  }
  return out;
}

/** The page's layout over the theme's: fonts, colours, axes (every xaxis*, yaxis* it names). */
export function themed(layout = {}, t = theme()) {
  const axis = {
    color: t.muted, gridcolor: t.grid, linecolor: t.line, zerolinecolor: t.line, automargin: true,
    title: { font: { color: t.ink } },
  };
  const base = {
    font: { family: t.font, size: t.size, color: t.ink },
    paper_bgcolor: t.background,
    plot_bgcolor: t.background,
    ...(t.colorway.length ? { colorway: t.colorway } : {}),
    margin: { l: 3 * t.size, r: 1.5 * t.size, t: 2.5 * t.size, b: 3 * t.size },
    legend: { bgcolor: 'rgba(0,0,0,0)' },
    hoverlabel: { font: { family: t.font, size: t.size } },
    xaxis: axis,
    yaxis: axis,
  };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d+$/.test(key)) base[key] = axis;
  }
  return merge(base, layout);
}

function check(traces) {
  for (const trace of traces) {
    if (REFUSED.has(trace.type)) {
      throw new Error(`trace type ${trace.type} needs WebGL code generation, which the pages' CSP forbids`);
    }
  }
}

/** Re-theme when <html>'s class changes (presenter mode); resize with the container. */
function watch(el, Plotly) {
  let frame = 0;
  let size = `${el.clientWidth}×${el.clientHeight}`;
  const resize = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const now = `${el.clientWidth}×${el.clientHeight}`;
      if (now === size || !el.isConnected || el.clientWidth === 0) return;
      size = now;
      Plotly.Plots.resize(el);
    });
  });
  resize.observe(el);
  const restyle = new MutationObserver(() => {
    const entry = plots.get(el);
    if (!el.isConnected) purge(el);
    else if (entry) Plotly.react(el, el.data, themed(entry.layout));
  });
  restyle.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return [resize, restyle];
}

/** Draw a new plot into `el` (replacing any). options: {filename} for its PNG export. */
export async function newPlot(el, traces, layout = {}, { filename } = {}) {
  check(traces);
  const Plotly = await loadPlotly();
  purge(el);
  layout = logTicks(layout, traces);
  plots.set(el, { layout: structuredClone(layout), observers: [] });
  await Plotly.newPlot(el, traces, themed(layout), plotConfig(filename ?? el.dataset.testid ?? undefined));
  plots.get(el).observers = watch(el, Plotly);
  return el;
}

/** Redraw `el` with new traces and layout (Plotly.react: only what changed); draws it first if need be. */
export async function react(el, traces, layout = {}) {
  if (!plots.has(el)) return newPlot(el, traces, layout);
  check(traces);
  const Plotly = await loadPlotly();
  layout = logTicks(layout, traces);
  plots.get(el).layout = structuredClone(layout);
  await Plotly.react(el, traces, themed(layout));
  return el;
}

/** Append points: update {x: [[…]], y: [[…]]} to the traces `indices`, keeping at most maxPoints. */
export async function extendTraces(el, update, indices, maxPoints) {
  const Plotly = await loadPlotly();
  await Plotly.extendTraces(el, update, indices, maxPoints);
  return el;
}

/** Change trace attributes (e.g. {visible: [false]}) of the traces `indices`. */
export async function restyle(el, update, indices) {
  const Plotly = await loadPlotly();
  await Plotly.restyle(el, update, indices);
  return el;
}

/** Change layout attributes (e.g. {shapes: […]}) without redrawing the traces. */
export async function relayout(el, update) {
  const Plotly = await loadPlotly();
  await Plotly.relayout(el, update);
  return el;
}

/**
 * Listen to one of Plotly's events on a drawn plot (e.g. 'plotly_click', whose data has
 * points[0].x/.y); returns a function that stops listening. Call after newPlot resolved.
 */
export function onPlotEvent(el, name, handler) {
  if (typeof el.on !== 'function') throw new Error('onPlotEvent: draw the plot first (newPlot)');
  el.on(name, handler);
  return () => el.removeListener?.(name, handler);
}

/** Remove the plot from `el` and stop watching it. */
export function purge(el) {
  const entry = plots.get(el);
  if (!entry) return;
  entry.observers.forEach((observer) => observer.disconnect());
  plots.delete(el);
  window.Plotly?.purge(el);
}

/** The plot drawn as an image: a data: URL (format 'png', 'jpeg', 'webp' or 'svg') of width × height. */
export async function toImage(el, { format = 'png', width, height } = {}) {
  const Plotly = await loadPlotly();
  return Plotly.toImage(el, { format, width: width ?? el.clientWidth, height: height ?? el.clientHeight });
}

/** Data → pixel coordinates, (x, y) ↦ [px, py] from the plot's top-left corner, for its current axes. */
export function axisMapper(el) {
  const { xaxis, yaxis } = el._fullLayout;
  const pixel = (ax, v) => ax._offset + ax.l2p(ax.d2l ? ax.d2l(v) : v);
  return (x, y) => [pixel(xaxis, x), pixel(yaxis, y)];
}

/** The rectangle, in pixels from the plot's top-left corner, inside the axes. */
export function plotArea(el) {
  const { xaxis, yaxis } = el._fullLayout;
  return { left: xaxis._offset, top: yaxis._offset, width: xaxis._length, height: yaxis._length };
}

/**
 * A still of `el` at width × height, drawn from an off-screen copy of the traces that pass
 * `keep(trace)` with `layout` merged over its own (e.g. a wider top margin, no legend): the
 * image (a data: URL), the copy's mapping from data to the image's pixels (axisMapper) and
 * its plot area. What is drawn later over the image lands where the copy's axes put it,
 * whatever size the page shows `el` at.
 */
export async function snapshot(el, { width, height, keep = () => true, layout = {}, format = 'png' }) {
  const Plotly = await loadPlotly();
  const copy = offscreen(width, height);
  try {
    const traces = structuredClone(el.data.filter(keep));
    const config = { ...plotConfig(), staticPlot: true };
    await Plotly.newPlot(copy, traces, merge(structuredClone(el.layout), { ...layout, width, height, autosize: false }), config);
    return {
      image: await toImage(copy, { format, width, height }),
      map: axisMapper(copy),
      area: plotArea(copy),
    };
  } finally {
    Plotly.purge(copy);
    copy.remove();
  }
}

function offscreen(width, height) {
  const div = document.createElement('div');
  Object.assign(div.style, { position: 'fixed', left: '-100000px', top: '0', width: `${width}px`, height: `${height}px` });
  div.setAttribute('aria-hidden', 'true');
  document.body.append(div);
  return div;
}

/**
 * `traces` drawn once, off-screen, as an image (a data: URL) of width × height, with
 * `layout` over the theme's; `scale` multiplies the pixels (2 for a sharp still on a
 * high-density or projected screen). A page can lay it under a live plot as a layout
 * image, so that what does not change is not redrawn with what does.
 */
export async function still(traces, layout, { width, height, scale = 1, format = 'png' }) {
  check(traces);
  const Plotly = await loadPlotly();
  const copy = offscreen(width, height);
  try {
    const config = { ...plotConfig(), staticPlot: true };
    await Plotly.newPlot(copy, traces, themed({ ...layout, width, height, autosize: false }), config);
    return await Plotly.toImage(copy, { format, width, height, scale });
  } finally {
    Plotly.purge(copy);
    copy.remove();
  }
}

const CLICK_SLOP_PX = 4; // a press that moves further is a drag (Plotly's zoom box)
const DOUBLE_CLICK_MS = 300; // a second press this soon is a double-click (Plotly's zoom reset)

/**
 * Call handler(x, y) in data units when the user clicks inside the axes of a drawn plot,
 * anywhere (Plotly's own plotly_click only reports clicks on a trace's points). Drags
 * and double-clicks stay Plotly's (zoom, reset). Returns a function that stops listening.
 */
export function onAreaClick(el, handler) {
  let press = null;
  let pending = 0;
  const down = (event) => {
    const inside = event.button === 0 && event.target instanceof Element && event.target.closest('.nsewdrag');
    if (pending && inside) { // the second press of a double-click
      clearTimeout(pending);
      pending = 0;
      press = null;
      return;
    }
    press = inside ? { x: event.clientX, y: event.clientY } : null;
  };
  const up = (event) => {
    if (!press || !el._fullLayout) return;
    const { x, y } = press;
    press = null;
    if (Math.hypot(event.clientX - x, event.clientY - y) > CLICK_SLOP_PX) return;
    const { xaxis, yaxis } = el._fullLayout;
    const box = el.getBoundingClientRect();
    const dataX = xaxis.p2d(x - box.left - xaxis._offset);
    const dataY = yaxis.p2d(y - box.top - yaxis._offset);
    pending = setTimeout(() => { pending = 0; handler(dataX, dataY); }, DOUBLE_CLICK_MS);
  };
  el.addEventListener('pointerdown', down, true);
  window.addEventListener('pointerup', up, true);
  return () => {
    clearTimeout(pending);
    el.removeEventListener('pointerdown', down, true);
    window.removeEventListener('pointerup', up, true);
  };
}
