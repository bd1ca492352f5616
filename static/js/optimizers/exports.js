// The race as files: JSON (request and result), CSV (one row per run and step), and the
// download of any of them or of a recorded video (animation.js).

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
