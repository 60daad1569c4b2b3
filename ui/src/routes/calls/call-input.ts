// The phone room of the workspace, shared by the ticket page's "Log call" form and the
// /calls/new page: reading the duration an agent types (4:12 or minutes), showing a call's
// duration the way agents say it, and placing the API's per-field refusals beside the
// field they are about, so a bad number is explained next to the number.
import { ApiError } from '../../lib/api.ts';

/** Seconds from "4:12" (minutes:seconds) or "5" / "2.5" (minutes), or null when unreadable. */
export function parseCallDuration(typed: string): number | null {
  const text = typed.trim();

  const clock = /^(\d{1,4}):([0-5]\d)$/.exec(text);
  if (clock) return Number(clock[1]) * 60 + Number(clock[2]);

  const minutes = /^\d{1,4}([.,]\d{1,2})?$/.test(text) ? Number(text.replace(',', '.')) : NaN;
  return Number.isFinite(minutes) ? Math.round(minutes * 60) : null;
}

/** "4:12" for 252 seconds; hours stay as minutes (75:00), as call logs usually read. */
export function formatCallDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return `${minutes}:${String(rest).padStart(2, '0')}`;
}

/** "Call in · 4:12 · +49 30 1234567": how a call reads in the timeline. */
export function callHeadline(call: {
  direction: 'in' | 'out';
  durationSeconds: number;
  number: string;
}): string {
  return `Call ${call.direction} · ${formatCallDuration(call.durationSeconds)} · ${call.number}`;
}

/**
 * The API's refusals keyed by form field ("number", "requester.email"), with whatever the
 * server said that is about no field in particular under "form".
 */
export function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return { form: String(error) };

  const byField: Record<string, string> = {};
  for (const entry of error.problem?.errors ?? []) {
    const field = entry.field.replace(/^body\./, '');
    byField[field] = byField[field] ? `${byField[field]}; ${entry.problem}` : entry.problem;
  }
  if (Object.keys(byField).length === 0) byField.form = error.message;
  return byField;
}
