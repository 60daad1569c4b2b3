import { describe, expect, it } from '@jest/globals';
import { parseEmail } from '../../../channels/email/parse-email.ts';
import { normaliseSubject } from '../../../channels/email/subject.ts';
import { decideThread, type ThreadLookups } from '../../../channels/email/threading.ts';
import { readCase, withSubject } from './cases-helpers.ts';

// Ticket #1042 in Support, opened by alice, with her original mail and our agent reply.
const ticket1042: ThreadLookups = {
  async ticketByMessageIds(ids) {
    const known = ['CA+orig-1042@mail.example.com', 't1042.a2@help.example.com'];
    return ids.some((id) => known.includes(id)) ? { ticketId: 1042, mailbox: 'support' } : null;
  },
  async ticketByNumber(n) {
    return n === 1042
      ? { ticketId: 1042, mailbox: 'support', participants: ['alice@example.com'] }
      : null;
  },
};

const replyPrefixes = [
  'Re:',
  'RE:',
  'AW:',
  'Aw:',
  'SV:',
  'Sv:',
  'VS:',
  'Antw:',
  'Odp:',
  'R:',
  'RIF:',
  'RES:',
  'Re[2]:',
  'Re(2):',
  'Re^2:',
];
const forwardPrefixes = [
  'Fwd:',
  'FW:',
  'Fw:',
  'WG:',
  'TR:',
  'RV:',
  'I:',
  'VL:',
  'VB:',
  'Doorst:',
  'ENC:',
  'PD:',
];
const prefixes = [...replyPrefixes, ...forwardPrefixes, 'Re: AW: Fwd:', 'SV: VS: WG: RE[3]:', ''];

const inputs = [
  {
    file: 'C07-reply-sv-no-tag.eml',
    mailbox: 'support',
    expected: { action: 'append', ticketId: 1042, via: 'in-reply-to' },
  },
  {
    file: 'C07-fwd-with-references.eml',
    mailbox: 'support',
    expected: { action: 'append', ticketId: 1042, via: 'in-reply-to' },
  },
  { file: 'C07-forward-wg-unrelated.eml', mailbox: 'billing', expected: { action: 'new-ticket' } },
];

describe('C07 threading does not depend on the subject prefix', () => {
  it.each(inputs)('routes $file by its headers', async ({ file, mailbox, expected }) => {
    const parsed = await parseEmail(readCase(file));

    const decision = await decideThread({ mailbox, parsed }, ticket1042);

    expect(decision).toMatchObject(expected);
  });

  it.each(inputs)(
    'gives $file the same route and normalised subject under every prefix',
    async ({ file, mailbox, expected }) => {
      const raw = readCase(file);

      const results = await Promise.all(
        prefixes.map(async (prefix) => {
          const subject = `${prefix} Printer on 3rd floor jams`.trim();
          const parsed = await parseEmail(withSubject(raw, subject));
          const decision = await decideThread({ mailbox, parsed }, ticket1042);
          return {
            prefix,
            stored: parsed.subject === subject,
            normalised: normaliseSubject(parsed.subject),
            decision,
          };
        }),
      );

      for (const result of results) {
        expect(result).toMatchObject({
          prefix: result.prefix,
          stored: true,
          normalised: 'Printer on 3rd floor jams',
          decision: expected,
        });
      }
    },
  );

  it('keeps the stored subject exactly as received', async () => {
    const parsed = await parseEmail(readCase('C07-reply-sv-no-tag.eml'));

    expect(parsed.subject).toBe('SV: Printer on 3rd floor jams');
  });
});
