// Numbers as the lecture writes them: a few significant digits, a true minus sign.

/** A number in at most `digits` significant digits; exponent notation outside [1e-3, 1e5). */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return '–';
  if (typeof x !== 'number') return String(x);
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const ax = Math.abs(x);
  let text;
  if (ax >= 1e-3 && ax < 1e5) {
    text = String(Number(x.toPrecision(digits)));
  } else {
    text = x.toExponential(Math.max(0, digits - 2)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  return text.replace('-', '−');
}

/** fmt(x), in parentheses when negative: a factor in a written-out product, "3 × (−2)". */
export function term(x) {
  return x < 0 ? `(${fmt(x)})` : fmt(x);
}
