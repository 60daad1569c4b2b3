import { describe, expect, it } from '@jest/globals';
import { parseEmail } from '../../../channels/email/parse-email.ts';
import { decideThread, type ThreadLookups } from '../../../channels/email/threading.ts';

// Ticket #77 in Support between alice and our agent; our acknowledgement was <ack-77@help.example.com>.
const lookups: ThreadLookups = {
  async ticketByMessageIds(ids) {
    const ours = new Map([
      ['ack-77@help.example.com', { ticketId: 77, mailbox: 'support' }],
      ['orig-77@example.com', { ticketId: 77, mailbox: 'support' }],
      ['billing-5@example.com', { ticketId: 5, mailbox: 'billing' }],
    ]);
    return ids.map((id) => ours.get(id)).find((match) => match !== undefined) ?? null;
  },
  async ticketByNumber(n) {
    return n === 77
      ? {
          ticketId: 77,
          mailbox: 'support',
          participants: ['Alice@Example.com', 'agent@help.example.com'],
        }
      : null;
  },
};

function mail(headers: string[]): Promise<Awaited<ReturnType<typeof parseEmail>>> {
  return parseEmail(
    Buffer.from([...headers, 'Message-ID: <new@example.com>', '', 'Hello'].join('\r\n')),
  );
}

describe('decideThread', () => {
  it('opens a new ticket when a stranger quotes another ticket tag', async () => {
    const parsed = await mail(['From: mallory@evil.example', 'Subject: Re: [#77] Printer jams']);

    const decision = await decideThread({ mailbox: 'support', parsed }, lookups);

    expect(decision).toMatchObject({ action: 'new-ticket' });
  });

  it('appends a participant mail that carries the ticket tag', async () => {
    const parsed = await mail(['From: alice@example.com', 'Subject: Antw: [#77] Printer jams']);

    const decision = await decideThread({ mailbox: 'support', parsed }, lookups);

    expect(decision).toEqual({ action: 'append', ticketId: 77, via: 'subject-tag' });
  });

  it('appends a reply whose In-Reply-To is our acknowledgement', async () => {
    const parsed = await mail([
      'From: alice@example.com',
      'Subject: Printer jams',
      'In-Reply-To: <ack-77@help.example.com>',
    ]);

    const decision = await decideThread({ mailbox: 'support', parsed }, lookups);

    expect(decision).toEqual({ action: 'append', ticketId: 77, via: 'in-reply-to' });
  });

  it('follows the newest known References entry', async () => {
    const parsed = await mail([
      'From: bob@example.com',
      'Subject: Hi',
      'References: <unknown@x.example> <orig-77@example.com> <unknown2@x.example>',
    ]);

    const decision = await decideThread({ mailbox: 'support', parsed }, lookups);

    expect(decision).toEqual({ action: 'append', ticketId: 77, via: 'references' });
  });

  it('does not append to a ticket of another mailbox, by header or by tag', async () => {
    const byHeader = await mail([
      'From: alice@example.com',
      'Subject: Hi',
      'In-Reply-To: <billing-5@example.com>',
    ]);
    const byTag = await mail(['From: alice@example.com', 'Subject: [#77] Hi']);

    const decisions = await Promise.all([
      decideThread({ mailbox: 'support', parsed: byHeader }, lookups),
      decideThread({ mailbox: 'billing', parsed: byTag }, lookups),
    ]);

    expect(decisions.map((decision) => decision.action)).toEqual(['new-ticket', 'new-ticket']);
  });

  it('never threads by a bare subject', async () => {
    const parsed = await mail(['From: alice@example.com', 'Subject: RE: Printer jams']);

    const decision = await decideThread({ mailbox: 'support', parsed }, lookups);

    expect(decision).toMatchObject({ action: 'new-ticket' });
  });
});
