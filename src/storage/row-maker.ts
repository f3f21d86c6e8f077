/** Makes a result row, an object with the columns' names as keys, from its values in order. */
export type RowMaker = (values: unknown[]) => Record<string, unknown>

const makers = new Map<string, RowMaker>()

/**
 * The row maker of a result with these columns: one object literal, compiled once per list of
 * names, so that every row of every result with these columns gets the same shape in one step.
 * `pg` builds each row by copying an empty row of the result's columns and then storing each
 * value under its name, which was a tenth of a page's CPU (see bench/README.md). Where a name
 * repeats, the later value wins at the first name's place, as it does in `pg`'s rows.
 */
export function rowMaker(names: readonly string[]): RowMaker {
  const key = names.join('\u0000')
  let make = makers.get(key)
  if (!make) {
    if (makers.size >= 5_000) makers.clear()
    make = names.includes('__proto__')
      ? (values) => {
          const row: Record<string, unknown> = {}
          for (let i = 0; i < names.length; i++) {
            Object.defineProperty(row, names[i] as string, {
              value: values[i],
              enumerable: true,
              writable: true,
              configurable: true,
            })
          }
          return row
        }
      : (new Function(
          'v',
          `return {${names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ')}}`,
        ) as RowMaker)
    makers.set(key, make)
  }
  return make
}
