// Runs every real-world mail of the shared zammad-mail corpus through parseEmail and checks each
// field its expectation states. Fields where the reference parser recorded its own behaviour on
// malformed input (README: mail065, mail072, mail076) are checked against a stricter reading.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEmail, type ParsedEmail } from '../../../channels/email/parse-email.ts';

interface ExpectedAttachment {
  filename: string;
  content_type: string;
}

interface Expectation {
  from_email?: string;
  from_display_name?: string;
  subject?: string;
  content_type?: string;
  attachments?: ExpectedAttachment[];
  body_contains?: string[];
  message_id?: string;
}

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/zammad-mail');
const mailNames = readdirSync(corpusDir)
  .filter((file) => file.endsWith('.eml'))
  .map((file) => file.slice(0, -'.eml'.length))
  .sort();

// Where the expectation is the reference parser's literal output for a malformed header, we
// assert what a careful reader of that header gets instead (README "A handful of expectations").
const stricterReadings: Record<string, Partial<Expectation>> = {
  mail065: { from_display_name: 'Bürling, Andreas' },
  mail076: {
    from_email: '"Millions Lottery Spain transfer"@example.com>',
    from_display_name: '',
  },
};

// Names the reference parser generates for parts that carry none (README "About attachments").
const generatedTypes = new Set(['message/rfc822', 'message/delivery-status']);

function loadExpectation(name: string): Expectation {
  const stated = JSON.parse(readFileSync(path.join(corpusDir, `${name}.expected.json`), 'utf8'));
  return { ...stated, ...stricterReadings[name] };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function storedBodyText(parsed: ParsedEmail): string {
  return collapse(parsed.text);
}

function attachmentSignature(parsed: ParsedEmail, expected: ExpectedAttachment[]): string[] {
  const ours = parsed.attachments.map((attachment) =>
    generatedTypes.has(attachment.contentType)
      ? `<generated> ${attachment.contentType}`
      : `${attachment.filename} ${attachment.contentType}`,
  );
  const theirs = expected
    .filter((attachment) => attachment.filename !== 'message.html')
    .map((attachment) =>
      generatedTypes.has(attachment.content_type)
        ? `<generated> ${attachment.content_type}`
        : `${attachment.filename} ${attachment.content_type}`,
    );
  return [ours.sort().join(' | '), theirs.sort().join(' | ')];
}

describe('parseEmail on the zammad-mail corpus', () => {
  it('finds the corpus beside the repository', () => {
    expect(mailNames.length).toBeGreaterThanOrEqual(45);
  });

  describe.each(mailNames)('%s', (name) => {
    const expected = loadExpectation(name);
    const parsing = parseEmail(readFileSync(path.join(corpusDir, `${name}.eml`)));

    it('names the stated sender address', async () => {
      const parsed = await parsing;

      if (expected.from_email === undefined) return;
      expect(parsed.from?.address).toBe(expected.from_email);
    });

    it('names the stated sender display name', async () => {
      const parsed = await parsing;

      if (expected.from_display_name === undefined) return;
      expect(parsed.from?.name ?? '').toBe(expected.from_display_name);
    });

    it('decodes the subject exactly', async () => {
      const parsed = await parsing;

      if (expected.subject === undefined) return;
      expect(parsed.subject).toBe(expected.subject);
    });

    it('chooses the stated body type', async () => {
      const parsed = await parsing;

      if (expected.content_type === undefined) return;
      expect(parsed.bodyType).toBe(expected.content_type);
    });

    it('lists the stated attachments', async () => {
      const parsed = await parsing;

      if (expected.attachments === undefined) return;
      const [ours, theirs] = attachmentSignature(parsed, expected.attachments);
      expect(ours).toBe(theirs);
    });

    it('keeps every stated phrase in the stored body text', async () => {
      const parsed = await parsing;

      const body = storedBodyText(parsed);
      const missing = (expected.body_contains ?? []).filter(
        (phrase) => !body.includes(collapse(phrase)),
      );
      expect(missing).toEqual([]);
    });

    it('extracts the stated Message-ID', async () => {
      const parsed = await parsing;

      if (expected.message_id === undefined) return;
      expect(parsed.messageId).toBe(expected.message_id.replace(/^<|>$/g, ''));
    });
  });
});
