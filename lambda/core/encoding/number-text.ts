/**
 * Numbers written as text by an operator or a construct (environment variables, origin custom
 * headers, command-line values): one reading for every place, so `''`, `'soon'` or `'-1'` mean the
 * same everywhere. Each answers undefined for text that is not such a number; the caller words the
 * error (or picks its fallback) with the name it knows the value by.
 */

/** A number above zero (`'2.5'`, `'10000'`), or undefined. */
export function positiveNumberOf(text: string | undefined): number | undefined {
  const number = numberOf(text);
  return number !== undefined && number > 0 ? number : undefined;
}

/** A whole number, zero or above (`'0'`, `'60'`), or undefined. */
export function nonNegativeIntegerOf(text: string | undefined): number | undefined {
  const number = numberOf(text);
  return number !== undefined && Number.isInteger(number) && number >= 0 ? number : undefined;
}

/** `Number(text)` for text that holds a finite number; blank text is not 0. */
function numberOf(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
