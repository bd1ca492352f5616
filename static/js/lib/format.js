// Numbers as the lecture writes them, and as a student can check them: the one number
// formatter of the front end. A true minus sign; integers up to 10⁶ in full (2¹⁰ reads
// 1024, never 1020); other numbers in at least `digits` significant digits, never fewer
// than their integer part needs; exponent notation outside [1e-3, 1e6].

const EXACT_INTEGER_UP_TO = 1e6;

/** `x` for the screen. Rounding noise (1023.9999999999998) is cleaned at 12 digits first. */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return '–';
  if (typeof x !== 'number') return String(x);
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const clean = Number(x.toPrecision(12));
  const ax = Math.abs(clean);
  let text;
  if (Number.isInteger(clean) && ax <= EXACT_INTEGER_UP_TO) {
    text = String(clean);
  } else if (ax >= 1e-3 && ax < EXACT_INTEGER_UP_TO) {
    const integerDigits = ax >= 1 ? Math.floor(Math.log10(ax)) + 1 : 0;
    text = String(Number(clean.toPrecision(Math.max(digits, integerDigits))));
  } else {
    text = clean.toExponential(Math.max(0, digits - 1)).replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  return text.replace('-', '−');
}

/** fmt(x), in parentheses when negative: a factor in a written-out product, "3 × (−2)". */
export function term(x) {
  return x < 0 ? `(${fmt(x)})` : fmt(x);
}
