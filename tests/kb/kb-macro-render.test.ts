import { describe, expect, it } from '@jest/globals';
import { renderMacro } from '../../search/kb-macro-render.ts';

const values = { requesterName: 'Ada Customer', ticketNumber: 1042, agentName: 'Omar Agent' };

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

  it('leaves the requester placeholder visible when the requester gave no name', () => {
    const rendered = renderMacro('Hi {{requester.name}},', { ...values, requesterName: null });

    expect(rendered).toBe('Hi {{requester.name}},');
  });

  it('does not read placeholder-like text inside a filled value as another placeholder', () => {
    const tricky = { ...values, requesterName: '{{agent.name}}' };

    const rendered = renderMacro('Hi {{requester.name}}', tricky);

    expect(rendered).toBe('Hi {{agent.name}}');
  });
});
