/** Steps from seconds to the largest unit that still reads naturally ("3 hours ago"). */
const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
  ['week', 4.345],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
]

const formats = new Map<string, Intl.RelativeTimeFormat>()

function formatFor(locale: string): Intl.RelativeTimeFormat {
  let f = formats.get(locale)
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'long' })
    formats.set(locale, f)
  }
  return f
}

/** "now", "5 minutes ago", "yesterday", "in 2 hours", in the given locale. */
export function relativeTime(at: Date, now: Date, locale: string): string {
  let amount = (at.getTime() - now.getTime()) / 1000
  // Under a minute is "now": clocks of browser and server never agree to the second.
  if (Math.abs(amount) < 45) return formatFor(locale).format(0, 'second')
  for (const [unit, size] of STEPS) {
    if (Math.abs(amount) < size) return formatFor(locale).format(Math.round(amount), unit)
    amount /= size
  }
  return formatFor(locale).format(Math.round(amount), 'year')
}

/** A full date and time for a tooltip and `<time datetime>`. */
export function absoluteTime(at: Date, locale: string): string {
  return at.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
}

/** Snooze choices: an hour from now, or tomorrow at 9:00 local time. */
export function snoozeUntil(choice: 'hour' | 'tomorrow', now: Date): Date {
  if (choice === 'hour') return new Date(now.getTime() + 3600_000)
  const d = new Date(now)
  d.setDate(d.getDate() + 1)
  d.setHours(9, 0, 0, 0)
  return d
}
