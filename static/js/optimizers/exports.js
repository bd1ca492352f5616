// The race as files: JSON (request and result), CSV (one row per run and step), and the
// download of any of them or of a recorded video (animation.js); bindExports wires the
// page's three buttons.

import { recordRace } from './animation.js';

/** Offer `content` (text or a Blob, e.g. a recorded video) as a file download of this type. */
export function download(filename, type, content) {
  const url = URL.createObjectURL(new Blob([content], { type })); // a Blob part is referenced, not copied
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function cell(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** run,label,step,x,y,loss,lr,effective_lr_x,effective_lr_y: lr columns empty after a run's last update. */
export function toCSV(labels, data) {
  const rows = [['run', 'label', 'step', 'x', 'y', 'loss', 'lr', 'effective_lr_x', 'effective_lr_y']];
  data.forEach((d, k) => {
    d.points.forEach((p, t) => {
      const e = d.effective[t] ?? [null, null];
      rows.push([k, labels[k], t, p[0], p[1], p[2], d.lr[t] ?? null, e[0], e[1]]);
    });
  });
  return `${rows.map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

/**
 * The export buttons in `root` ([data-testid=export-json|export-csv|export-video]). race: the
 * page's Race (request(), labels(), data); drawn(): the runs as drawn; plot: the contour's
 * element, which the video replays; title(): the video's title; onError(message).
 */
export function bindExports(root, { race, drawn, plot, title, onError }) {
  const button = (testid) => root.querySelector(`[data-testid=${testid}]`);
  button('export-json').addEventListener('click', () => {
    const names = race.labels();
    download('race.json', 'application/json', JSON.stringify({
      request: race.request(),
      runs: race.data.map((d, k) => ({
        label: names[k], status: d.status, stopped_at: d.stoppedAt, points: d.points, lr: d.lr, effective_lr: d.effective,
      })),
    }, null, 1));
  });
  button('export-csv').addEventListener('click', () => {
    download('race.csv', 'text/csv', toCSV(race.labels(), race.data));
  });
  const video = button('export-video');
  video.addEventListener('click', async () => {
    video.disabled = true;
    video.textContent = 'recording…';
    try {
      download('race.webm', 'video/webm', await recordRace(plot, drawn(), { title: title() }));
    } catch (error) {
      onError(`video: ${error.message}`);
    } finally {
      video.disabled = false;
      video.textContent = 'Video';
    }
  });
}
