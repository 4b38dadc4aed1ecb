import type { Clock } from '../lambda/services/ports.ts';

/** A clock stuck at `date`, for deterministic tests. Returns a fresh Date each call so callers can't move it. */
export function fixedClock(date: Date): Clock {
  const time = date.getTime();
  return { now: () => new Date(time) };
}
