// The race as a video for slides: a WebM recorded by the browser's own MediaRecorder from a
// canvas. Every frame is drawn here, not by Plotly: one still of the contour (without the
// runs, through plot.js's snapshot) under the trajectories up to the frame's step, a
// marker at each run's current point, a legend, the title and a step counter.
// Frames are a pure function of (scene, k), so a test can draw any frame and read it back.

import { snapshot, theme } from '../lib/plot.js';

/** WebM codecs in order of preference; the first MediaRecorder supports is used. */
export const MIME_TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'];

const HOLD_SECONDS = 1; // the last frame stays on screen this long
const FLUSH_MS = 500; // paused at the end, for the encoder to catch up (see recordRace)

/** The text of the step counter. */
export function stepLabel(step, total) {
  return `step ${step} / ${total}`;
}

/** The first WebM type this browser's MediaRecorder can record, else null. */
export function webmType() {
  if (typeof MediaRecorder === 'undefined') return null;
  return MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type)) ?? null;
}

/** Sizes of the overlay's text and marks, in video pixels, scaled with the video's height. */
function metrics(height) {
  const u = height / 720;
  return {
    pad: 24 * u, titleSize: 26 * u, legendSize: 20 * u, counterSize: 24 * u, rowGap: 12 * u,
    swatch: 30 * u, swatchGap: 8 * u, entryGap: 28 * u, line: 3 * u, dot: 2.5 * u, marker: 8 * u, outline: 2.5 * u,
  };
}

const font = (size, family, weight = 400) => `${weight} ${size}px ${family}`;

/** Legend entries laid out in rows across the band above the plot: [{run, x, row}] and the row count. */
function layoutLegend(ctx, runs, width, m, family) {
  ctx.font = font(m.legendSize, family);
  let x = m.pad;
  let row = 0;
  const entries = runs.map((run) => {
    const text = run.status === 'diverged' ? `${run.label} (diverged)` : run.label;
    const w = m.swatch + m.swatchGap + ctx.measureText(text).width;
    if (x > m.pad && x + w > width - m.pad) { x = m.pad; row += 1; }
    const entry = { run, x, row };
    x += w + m.entryGap;
    return entry;
  });
  return { entries, rows: runs.length ? row + 1 : 0 };
}

/**
 * Everything the frames need: runs [{label, color, hidden, points: [[x, y, loss], …]}] as
 * the page draws them (hidden runs are left out), from the contour plot `plotEl`.
 * Returns {canvas, width, height, fps, frames, total, stepAt(k), map, area, …}; frame k
 * for k in 0 … frames − 1 shows step stepAt(k); the race takes `seconds` and the last
 * frame is held for one second more.
 */
export async function prepareRace(plotEl, runs, { seconds = 6, fps = 30, title = '', width = 1280, height = 720 } = {}) {
  const visible = runs.filter((run) => !run.hidden && run.points.length);
  const total = Math.max(0, ...visible.map((run) => run.points.length - 1));
  const t = theme();
  const m = metrics(height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const legend = layoutLegend(ctx, visible, width, m, t.font);
  const rowHeight = m.legendSize + m.rowGap;
  const legendTop = m.pad + m.titleSize + m.rowGap;
  const band = legendTop + legend.rows * rowHeight + m.rowGap;
  // The contour without the runs: no trajectory, nor a trace named after one ("LABEL …").
  const ofRun = (name) => runs.some((run) => name === run.label || name?.startsWith(`${run.label} `));
  const still = await snapshot(plotEl, {
    width, height,
    keep: (trace) => trace.type === 'contour' || !ofRun(trace.name),
    layout: {
      showlegend: false, margin: { t: band }, font: { size: Math.max(t.size, Math.round(16 * height / 720)) },
      shapes: [], annotations: [], // the step markers and arrows belong to the page's current step, not the video
    },
  });
  const background = new Image();
  background.src = still.image;
  await background.decode();
  const raceFrames = Math.max(2, Math.round(seconds * fps));
  return {
    canvas, ctx, width, height, fps, title, total, runs: visible, legend, legendTop, rowHeight,
    background, map: still.map, area: still.area, metrics: m, theme: t,
    raceFrames,
    frames: raceFrames + Math.round(HOLD_SECONDS * fps),
    stepAt: (k) => Math.round((Math.min(k, raceFrames - 1) * total) / (raceFrames - 1)),
  };
}

/** Draw frame k of the scene onto scene.canvas (the same k always draws the same pixels). */
export function drawFrame(scene, k) {
  const { ctx, map, area, metrics: m, theme: t, width } = scene;
  const step = scene.stepAt(k);
  ctx.drawImage(scene.background, 0, 0, scene.width, scene.height);

  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.width, area.height);
  ctx.clip();
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const run of scene.runs) {
    const last = Math.min(step, run.points.length - 1);
    const pixels = run.points.slice(0, last + 1).map(([x, y]) => map(x, y));
    ctx.strokeStyle = run.color;
    ctx.fillStyle = run.color;
    ctx.lineWidth = m.line;
    ctx.beginPath();
    pixels.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.stroke();
    for (const [px, py] of pixels) {
      ctx.beginPath();
      ctx.arc(px, py, m.dot, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  // Markers last, so that no trajectory covers another run's current point.
  for (const run of scene.runs) {
    const [px, py] = map(...run.points[Math.min(step, run.points.length - 1)]);
    ctx.beginPath();
    ctx.arc(px, py, m.marker, 0, 2 * Math.PI);
    ctx.fillStyle = run.color;
    ctx.fill();
    ctx.lineWidth = m.outline;
    ctx.strokeStyle = '#ffffff';
    ctx.stroke();
  }
  ctx.restore();

  ctx.fillStyle = t.ink;
  ctx.textBaseline = 'alphabetic';
  const baseline = m.pad + m.titleSize * 0.8;
  if (scene.title) {
    ctx.textAlign = 'left';
    ctx.font = font(m.titleSize, t.font, 600);
    ctx.fillText(scene.title, m.pad, baseline, width - 2 * m.pad - 12 * m.counterSize);
  }
  ctx.textAlign = 'right';
  ctx.font = font(m.counterSize, t.font, 600);
  ctx.fillText(stepLabel(step, scene.total), width - m.pad, baseline);

  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.font = font(m.legendSize, t.font);
  for (const { run, x, row } of scene.legend.entries) {
    const y = scene.legendTop + row * scene.rowHeight + m.legendSize / 2;
    ctx.strokeStyle = run.color;
    ctx.fillStyle = run.color;
    ctx.lineWidth = m.line;
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + m.swatch, y);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(x + m.swatch / 2, y, m.marker * 0.75, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = t.ink;
    const ended = run.status === 'diverged' && step >= run.points.length - 1;
    ctx.fillText(ended ? `${run.label} (diverged)` : run.label, x + m.swatch + m.swatchGap, y);
  }
}

/** Resolve after `ms` (pacing the recording in real time: MediaRecorder stamps frames by the clock). */
const later = (ms) => new Promise((resolve) => { setTimeout(resolve, Math.max(0, ms)); });

/**
 * Record the race on `plotEl` (the contour plot) as a WebM video: runs as the page draws them,
 * `seconds` for the race plus one second on the last frame, at `fps`. Takes that long in real
 * time. Resolves to a Blob of type video/webm; rejects where MediaRecorder records no WebM.
 */
export async function recordRace(plotEl, runs, { mimeType = webmType(), ...options } = {}) {
  if (!mimeType) throw new Error('this browser cannot record a WebM video (MediaRecorder)');
  const scene = await prepareRace(plotEl, runs, options);
  drawFrame(scene, 0);
  const stream = scene.canvas.captureStream(0); // a frame only when requestFrame() says so
  const [track] = stream.getVideoTracks();
  const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 6_000_000 });
  const chunks = [];
  recorder.addEventListener('dataavailable', (event) => { if (event.data.size) chunks.push(event.data); });
  const stopped = new Promise((resolve, reject) => {
    recorder.addEventListener('stop', resolve);
    recorder.addEventListener('error', (event) => reject(event.error ?? new Error('MediaRecorder failed')));
  });
  recorder.start();
  const start = performance.now();
  const due = (k) => start + (1000 * k) / scene.fps;
  try {
    for (let k = 0; k < scene.frames; k += 1) {
      await later(due(k) - performance.now());
      // A late tick (a busy or hidden tab) skips frames rather than slowing the race down.
      const now = Math.min(scene.frames - 1, Math.max(k, Math.floor(((performance.now() - start) * scene.fps) / 1000)));
      drawFrame(scene, now);
      track.requestFrame();
      k = now;
    }
    await later(due(scene.frames) - performance.now());
    track.requestFrame(); // the last frame lasts until here
    // Paused, the clock of the video stands still while the encoder catches up with the
    // frames it has queued: stopping at once loses them where the machine is busy.
    recorder.pause();
    await later(FLUSH_MS);
  } finally {
    if (recorder.state !== 'inactive') recorder.stop(); // the last data, then 'stop'
  }
  try {
    await stopped;
  } finally {
    track.stop(); // only now: stopping the track first would drop the frames not yet encoded
  }
  return new Blob(chunks, { type: 'video/webm' });
}
