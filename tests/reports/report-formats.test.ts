// The pure parts of the reports: CSV a spreadsheet opens safely, the Prometheus exposition text,
// and the list of what moved between two snapshots of a period.
import { describe, expect, it } from '@jest/globals';
import type { MetricValue } from '../../reports/contract.ts';
import { toCsv } from '../../reports/csv.ts';
import { ProcessMetrics } from '../../reports/prometheus.ts';
import { changesBetween } from '../../reports/snapshots.ts';

describe('toCsv', () => {
  it('quotes commas, quotes and line breaks, and defuses formulas in exported text', () => {
    const csv = toCsv([
      { id: 1, subject: 'Refund, "urgent"', note: '=HYPERLINK("http://x")' },
      { id: 2, subject: 'two\nlines', note: null },
    ]);

    expect(csv).toBe(
      'id,subject,note\r\n' +
        '1,"Refund, ""urgent""","\'=HYPERLINK(""http://x"")"\r\n' +
        '2,"two\nlines",\r\n',
    );
  });
});

describe('ProcessMetrics', () => {
  it('renders request latency as a cumulative histogram per route', () => {
    const metrics = new ProcessMetrics();
    metrics.observeRequest(
      { method: 'POST', route: '/api/tickets/:id/replies', status: '201' },
      0.3,
    );
    metrics.observeRequest({ method: 'POST', route: '/api/tickets/:id/replies', status: '201' }, 2);

    const text = metrics.render();

    const labels = 'method="POST",route="/api/tickets/:id/replies",status="201"';
    expect(text).toContain(`casework_http_request_duration_seconds_bucket{${labels},le="0.25"} 0`);
    expect(text).toContain(`casework_http_request_duration_seconds_bucket{${labels},le="0.5"} 1`);
    expect(text).toContain(`casework_http_request_duration_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`casework_http_request_duration_seconds_sum{${labels}} 2.3`);
    expect(text).toContain('casework_search_errors_total 0');
  });
});

describe('changesBetween', () => {
  it('lists each field of each metric that moved, and nothing that stayed', () => {
    const metric = (value: number | null, businessValue: number | null) =>
      ({
        id: 'resolution_time',
        value,
        businessValue,
        calendarValue: 930,
        sampleSize: 4,
      }) as MetricValue;

    const changes = changesBetween([metric(210, 210)], [metric(180, 180)]);

    expect(changes).toEqual([
      { metricId: 'resolution_time', field: 'value', before: 210, after: 180 },
      { metricId: 'resolution_time', field: 'businessValue', before: 210, after: 180 },
    ]);
  });
});
