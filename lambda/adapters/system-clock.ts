import type { Clock } from '../services/ports.ts';

/** The wall clock; the only place outside tests that reads it, so everything else stays injectable. */
export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock stuck at `date`, for deterministic tests. Returns a fresh Date each call so callers can't move it. */
export function fixedClock(date: Date): Clock {
  const time = date.getTime();
  return { now: () => new Date(time) };
}
