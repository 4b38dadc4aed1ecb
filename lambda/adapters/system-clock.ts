import type { Clock } from '../services/ports.ts';

/** The wall clock; the only place outside tests that reads it, so everything else stays injectable. */
export const systemClock: Clock = {
  now: () => new Date(),
};
