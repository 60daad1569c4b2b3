// A wall clock that templates can read reactively. It ticks only while something on
// screen reads it, so SLA countdowns and "5 min ago" labels stay current without a
// timer per row.
import { createSubscriber } from 'svelte/reactivity';

const TICK_MS = 15_000;

const subscribe = createSubscriber((update) => {
  const timer = setInterval(update, TICK_MS);
  return () => clearInterval(timer);
});

/** The current time in milliseconds, refreshed every few seconds while read. */
export const clock = {
  get now(): number {
    subscribe();
    return Date.now();
  },
};
