// Pure tests of acknowledgement templates (channels/acknowledgement/acknowledge.ts): the
// placeholders a template may use are filled, and an unknown one stays visible so a typo in a
// template is seen rather than silently sent as an empty gap.
import { describe, expect, it } from '@jest/globals';
import { renderAcknowledgement } from '../../channels/acknowledgement/acknowledge.ts';

const values = { requesterName: 'Lea Brandt', ticketId: 1042, subject: 'Delivery address' };

describe('acknowledgement template', () => {
  it('fills the requester name, the ticket number and the subject', () => {
    const text = renderAcknowledgement(
      'Hi {{requester.name}}, ticket {{ ticket.number }} about "{{ticket.subject}}" is in.',
      values,
    );

    expect(text).toBe('Hi Lea Brandt, ticket 1042 about "Delivery address" is in.');
  });

  it('greets a requester without a name in a friendly way', () => {
    expect(renderAcknowledgement('Hi {{requester.name}}!', { ...values, requesterName: ' ' })).toBe(
      'Hi there!',
    );
  });

  it('leaves an unknown placeholder visible', () => {
    expect(renderAcknowledgement('Dear {{customer.name}}', values)).toBe('Dear {{customer.name}}');
  });
});
