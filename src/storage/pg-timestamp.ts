/**
 * A `timestamptz` as PostgreSQL writes it in UTC (`2026-12-07 17:43:50.123456+00`), read into the
 * same Date as `pg`'s own parser (postgres-date) makes, by fixed positions instead of three
 * regular expressions: a page of notifications reads dozens. Anything else (another offset, a
 * year outside 1000-9999, BC, infinity) goes to `fallback`, pg's parser.
 */
export function timestamptzParser(fallback: (text: string) => unknown): (text: string) => unknown {
  return (s) => {
    const n = s.length
    // 22 characters without a fraction, 24 to 29 with one to six digits of it.
    if (
      n < 22 ||
      n > 29 ||
      n === 23 ||
      s.charCodeAt(4) !== 45 || // '-'
      s.charCodeAt(10) !== 32 || // ' '
      s.charCodeAt(0) === 48 || // a year under 1000
      s.charCodeAt(n - 3) !== 43 || // '+'
      s.charCodeAt(n - 2) !== 48 ||
      s.charCodeAt(n - 1) !== 48 ||
      (n > 22 && s.charCodeAt(19) !== 46) // '.'
    ) {
      return fallback(s)
    }
    // The milliseconds as postgres-date computes them (1000 × the fraction, truncated by
    // Date.UTC), so both parsers give the same instant to the millisecond.
    const ms = n === 22 ? 0 : 1000 * Number(s.slice(19, n - 3))
    return new Date(
      Date.UTC(
        d(s, 0) * 1000 + d(s, 1) * 100 + d(s, 2) * 10 + d(s, 3),
        d(s, 5) * 10 + d(s, 6) - 1,
        d(s, 8) * 10 + d(s, 9),
        d(s, 11) * 10 + d(s, 12),
        d(s, 14) * 10 + d(s, 15),
        d(s, 17) * 10 + d(s, 18),
        ms,
      ),
    )
  }
}

const d = (s: string, i: number): number => s.charCodeAt(i) - 48
