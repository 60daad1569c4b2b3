// How the dashboard writes its numbers: durations in hours and minutes (business time has no
// fixed day length, so business durations never count days), percents with one decimal, and
// the change against the baseline with its direction in words, not colour alone.
import type { MetricUnit, MetricValue } from '../../../../reports/contract.ts';

/** A number of minutes for people: "45 min", "3 h 20 min"; calendar time may add days. */
export function formatMinutes(
  minutes: number | null | undefined,
  options: { days?: boolean } = {},
): string {
  if (minutes === null || minutes === undefined) return '—';
  const total = Math.round(minutes);
  if (total < 60) return `${total} min`;
  const days = options.days ? Math.floor(total / 1_440) : 0;
  const hours = Math.floor((total - days * 1_440) / 60);
  const rest = total % 60;
  const parts = [
    days > 0 ? `${days} d` : '',
    hours > 0 ? `${hours} h` : '',
    rest > 0 ? `${rest} min` : '',
  ];
  return parts.filter(Boolean).join(' ');
}

/** A metric's value in its unit. */
export function formatValue(unit: MetricUnit, value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  switch (unit) {
    case 'minutes':
      return formatMinutes(value);
    case 'percent':
      return `${round1(value)} %`;
    case 'score':
      return value > 0 ? `+${round1(value)}` : `${round1(value)}`;
    case 'count':
      return value.toLocaleString('en');
  }
}

/** Lower is better for durations, backlog and reopen or reassignment rates; higher for the rest. */
export function lowerIsBetter(metric: Pick<MetricValue, 'id' | 'unit'>): boolean {
  return (
    metric.unit === 'minutes' ||
    metric.id.startsWith('backlog') ||
    metric.id === 'reassignment_rate' ||
    metric.id === 'reopen_rate'
  );
}

export interface Delta {
  text: string;
  /** 'better', 'worse' or 'same', for the words and the tone. */
  verdict: 'better' | 'worse' | 'same';
}

/** The change from the baseline to the period, e.g. "−25 min (better)"; null without both values. */
export function deltaOf(
  metric: Pick<MetricValue, 'id' | 'unit'>,
  value: number | null | undefined,
  baseline: number | null | undefined,
): Delta | null {
  if (value === null || value === undefined || baseline === null || baseline === undefined) {
    return null;
  }
  const change = value - baseline;
  if (Math.abs(change) < 1e-9) return { text: 'no change', verdict: 'same' };
  const sign = change > 0 ? '+' : '−';
  const magnitude =
    metric.unit === 'minutes'
      ? formatMinutes(Math.abs(change))
      : metric.unit === 'percent'
        ? `${round1(Math.abs(change))} pts`
        : `${round1(Math.abs(change))}`;
  const isBetter = lowerIsBetter(metric) ? change < 0 : change > 0;
  return { text: `${sign}${magnitude}`, verdict: isBetter ? 'better' : 'worse' };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
