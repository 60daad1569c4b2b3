import { describe, expect, it } from '@jest/globals';
import { parseEmail, type ParsedEmail } from '../../../channels/email/parse-email.ts';
import { readCase, replacing } from './cases-helpers.ts';

const referenced = 'src="cid:image001.png@01DB8F2A.5E2F1A40"';

function visibleAttachments(parsed: ParsedEmail): string[] {
  return parsed.attachments
    .filter((attachment) => !attachment.inline)
    .map((attachment) => attachment.filename)
    .sort();
}

describe('C12 inline cid images without Content-Disposition', () => {
  it('shows the referenced image inline and lists the others as attachments', async () => {
    const parsed = await parseEmail(readCase('C12-inline-cid-without-disposition.eml'));

    expect(visibleAttachments(parsed)).toEqual(['export-log.txt', 'image002.png']);
    expect(
      parsed.attachments.find((attachment) => attachment.filename === 'image001.png')?.inline,
    ).toBe(true);
  });

  it('keeps the attached log file whole', async () => {
    const parsed = await parseEmail(readCase('C12-inline-cid-without-disposition.eml'));

    const log = parsed.attachments.find((attachment) => attachment.filename === 'export-log.txt');
    expect(log?.size).toBe(75);
    expect(log?.content.length).toBe(75);
  });

  it('does not show the [cid:] text placeholder when the HTML is shown', async () => {
    const parsed = await parseEmail(readCase('C12-inline-cid-without-disposition.eml'));

    expect(parsed.bodyType).toBe('text/html');
    expect(parsed.text).not.toContain('[cid:');
    expect(parsed.text).toContain('Log file attached.');
  });

  it('matches a percent-encoded cid URL to the Content-ID', async () => {
    const raw = replacing(
      readCase('C12-inline-cid-without-disposition.eml'),
      referenced,
      'src="cid:image001.png%4001DB8F2A.5E2F1A40"',
    );

    const parsed = await parseEmail(raw);

    expect(visibleAttachments(parsed)).toEqual(['export-log.txt', 'image002.png']);
  });

  it('matches an img src that names the content-id without the cid: scheme', async () => {
    const raw = replacing(
      readCase('C12-inline-cid-without-disposition.eml'),
      referenced,
      'src="image001.png@01DB8F2A.5E2F1A40"',
    );

    const parsed = await parseEmail(raw);

    expect(visibleAttachments(parsed)).toEqual(['export-log.txt', 'image002.png']);
  });

  it('lists the image as an attachment when the HTML no longer refers to it', async () => {
    const raw = replacing(
      readCase('C12-inline-cid-without-disposition.eml'),
      referenced,
      'src="https://example.com/x.png"',
    );

    const parsed = await parseEmail(raw);

    expect(visibleAttachments(parsed)).toEqual(['export-log.txt', 'image001.png', 'image002.png']);
  });
});
