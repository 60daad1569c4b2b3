import { describe, expect, it } from '@jest/globals';
import {
  renderMacro,
  supportedPlaceholders,
  unknownPlaceholders,
} from '../../search/kb-macro-render.ts';

const values = {
  requesterName: 'Ada Customer',
  requesterEmail: 'ada@example.com',
  ticketNumber: 1042,
  ticketSubject: 'Printer jams',
  agentName: 'Omar Agent',
};

describe('renderMacro', () => {
  it('fills the requester name, ticket number and agent name wherever they appear', () => {
    const body = 'Hi {{requester.name}}, about ticket #{{ ticket.number }}: done.\n{{agent.name}}';

    const rendered = renderMacro(body, values);

    expect(rendered).toBe('Hi Ada Customer, about ticket #1042: done.\nOmar Agent');
  });

  it('leaves an unknown placeholder visible so the agent notices it before sending', () => {
    const body = 'Your order {{order.number}} ships {{ship date}}; thanks, {{agent.name}}.';

    const rendered = renderMacro(body, values);

    expect(rendered).toBe('Your order {{order.number}} ships {{ship date}}; thanks, Omar Agent.');
  });

  it('fills every supported placeholder, whatever the case or spacing inside the braces', () => {
    const body = supportedPlaceholders.map((name) => `{{ ${name.toUpperCase()} }}`).join(' | ');

    const rendered = renderMacro(body, values);

    expect(rendered).toBe('Ada Customer | ada@example.com | 1042 | Printer jams | Omar Agent');
  });

  it('greets a requester who gave no name (a mail ticket) as "there", never with the raw placeholder', () => {
    const noName = renderMacro('Hi {{requester.name}},', { ...values, requesterName: null });
    const blankName = renderMacro('Hi {{requester.name}},', { ...values, requesterName: '  ' });

    expect(noName).toBe('Hi there,');
    expect(blankName).toBe('Hi there,');
  });

  it('falls back to neutral words for every other missing value', () => {
    const body = 'We will write to {{requester.email}} about {{ticket.subject}}. {{agent.name}}';
    const missing = { ...values, requesterEmail: null, ticketSubject: null, agentName: null };

    const rendered = renderMacro(body, missing);

    expect(rendered).toBe(
      'We will write to your email address about your request. The support team',
    );
    expect(rendered).not.toContain('{{');
  });

  it('reports each unknown placeholder once, as written, and none for supported ones', () => {
    const body =
      'Hi {{requester.name}} ({{ requester.email }}), {{agent.email}} {{order.number}} {{agent.email}} {{ship date}} {{}}';

    expect(unknownPlaceholders(body)).toEqual([
      '{{agent.email}}',
      '{{order.number}}',
      '{{ship date}}',
      '{{}}',
    ]);
    expect(unknownPlaceholders('Ticket {{TICKET.SUBJECT}} by {{ agent.name }}')).toEqual([]);
  });

  it('does not read placeholder-like text inside a filled value as another placeholder', () => {
    const tricky = { ...values, requesterName: '{{agent.name}}' };

    const rendered = renderMacro('Hi {{requester.name}}', tricky);

    expect(rendered).toBe('Hi {{agent.name}}');
  });
});
