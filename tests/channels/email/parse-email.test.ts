import { describe, expect, it } from '@jest/globals';
import { EmailParseError, parseEmail } from '../../../channels/email/parse-email.ts';

describe('parseEmail', () => {
  it('refuses empty input with a reason the caller can report', async () => {
    const parsing = parseEmail(Buffer.from('  \r\n'));

    await expect(parsing).rejects.toBeInstanceOf(EmailParseError);
    await expect(parsing).rejects.toMatchObject({ reason: 'the message is empty' });
  });

  it('reads In-Reply-To and References as bare ids in order', async () => {
    const raw = [
      'From: a@example.com',
      'In-Reply-To: <b@x>',
      'References: <a@x>',
      ' <b@x>',
      '',
      'hi',
    ].join('\r\n');

    const parsed = await parseEmail(Buffer.from(raw));

    expect(parsed.inReplyTo).toEqual(['b@x']);
    expect(parsed.references).toEqual(['a@x', 'b@x']);
  });

  it('never builds a sender address out of an encoded word', async () => {
    const raw = [
      'From: =?utf-8?Q?ceo=40bank.example=3E?=@victim.example',
      'Subject: x',
      '',
      'hi',
    ].join('\r\n');

    const parsed = await parseEmail(Buffer.from(raw));

    expect(parsed.from?.address ?? '').not.toContain('bank.example');
    expect(parsed.problems.length).toBeGreaterThan(0);
  });

  it('reads a date that the next header ran into', async () => {
    const raw = [
      'From: a@example.com',
      'Date: Fri, 07 Apr 2023 17:30:44 +0200Received: from x',
      '',
      'hi',
    ].join('\r\n');

    const parsed = await parseEmail(Buffer.from(raw));

    expect(parsed.date).toBe('2023-04-07T15:30:44.000Z');
  });

  it('reports an unparseable date as null with a problem', async () => {
    const raw = ['From: a@example.com', 'Date: Fri, 07 Apr 2023 29:30:44 +0200', '', 'hi'].join(
      '\r\n',
    );

    const parsed = await parseEmail(Buffer.from(raw));

    expect(parsed.date).toBeNull();
    expect(parsed.problems).toContain('date: unparseable');
  });
});
