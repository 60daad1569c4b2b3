import { describe, expect, it } from '@jest/globals';
import { parseEmail } from '../../../channels/email/parse-email.ts';
import { readCase } from './cases-helpers.ts';

function message(headers: string[], body: string): Buffer {
  return Buffer.from([...headers, 'MIME-Version: 1.0', '', body].join('\r\n'), 'latin1');
}

function b64(bytes: Buffer | number[]): string {
  return Buffer.from(bytes).toString('base64');
}

describe('C09 encoded words split across words and lines', () => {
  it('decodes the ISO-2022-JP subject, sender and body, NEC extensions included', async () => {
    const parsed = await parseEmail(readCase('C09-iso2022jp-split-subject.eml'));

    expect(parsed.subject).toBe('【ご質問】請求書の再発行と支払期限の延長について');
    expect(parsed.from).toEqual({
      name: '㈱サンプル商事 山田 花子',
      address: 'hanako.yamada@example.jp',
    });
    expect(parsed.text.trim()).toBe(
      'お世話になっております。\n先月分の請求書を紛失してしまいました。\n再発行をお願いできますでしょうか。\nまた、支払期限を一週間延長していただくことは可能でしょうか。\n\n㈱サンプル商事 経理部\n山田 花子',
    );
  });

  it('joins UTF-8 bytes split between words and across QP soft breaks', async () => {
    const parsed = await parseEmail(readCase('C09-utf8-split-encoded-words.eml'));

    expect(parsed.subject).toBe(
      'Reklamace – objednávka č. 4711 stále nedorazila, prosím o vrácení peněz',
    );
    expect(parsed.from).toEqual({ name: 'Jiří Příkladný', address: 'jiri.priklad@example.com' });
    expect(parsed.text.trim()).toBe(
      'Dobrý den,\n\nobjednávka č. 4711 ze dne 3. 3. 2025 stále nedorazila. Prosím o vrácení peněz na účet uvedený v objednávce.\n\nS pozdravem\nJiří Příkladný',
    );
  });

  it('produces no replacement characters and no problems for either file', async () => {
    const parsed = await Promise.all(
      ['C09-iso2022jp-split-subject.eml', 'C09-utf8-split-encoded-words.eml'].map((file) =>
        parseEmail(readCase(file)),
      ),
    );

    const visible = parsed.map((mail) => `${mail.subject}${mail.from?.name}${mail.text}`).join('');
    expect(visible).not.toMatch(/\uFFFD|=\?/);
    expect(parsed.flatMap((mail) => mail.problems)).toEqual([]);
  });

  it('decodes an ISO-2022-JP word labelled CP50221 as the same text', async () => {
    const jis = readCase('C09-iso2022jp-split-subject.eml').toString('latin1');
    const relabelled = Buffer.from(jis.replace(/=\?ISO-2022-JP\?/g, '=?CP50221?'), 'latin1');

    const parsed = await parseEmail(relabelled);

    expect(parsed.subject).toBe('【ご質問】請求書の再発行と支払期限の延長について');
    expect(parsed.from?.name).toBe('㈱サンプル商事 山田 花子');
  });

  it('joins a character split between two B words without whitespace between them', async () => {
    const bytes = Buffer.from('Příloha', 'utf8');
    const subject = `=?utf-8?B?${b64(bytes.subarray(0, 2))}?==?utf-8?B?${b64(bytes.subarray(2))}?=`;

    const parsed = await parseEmail(message(['From: a@example.com', `Subject: ${subject}`], 'x'));

    expect(parsed.subject).toBe('Příloha');
  });
});

describe('charset labels that lie', () => {
  it('reads a header word labelled iso-8859-1 that is really UTF-8', async () => {
    const raw = message(
      [
        'From: =?iso-8859-1?Q?Ren=C3=A9e?= <renee@example.com>',
        'Subject: =?us-ascii?Q?caf=C3=A9?=',
      ],
      'x',
    );

    const parsed = await parseEmail(raw);

    expect(parsed.from?.name).toBe('Renée');
    expect(parsed.subject).toBe('café');
    expect(parsed.problems.some((problem) => problem.includes('is UTF-8'))).toBe(true);
  });

  it('reads a body labelled iso-8859-1 that is really UTF-8', async () => {
    const raw = message(
      [
        'From: a@example.com',
        'Subject: x',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
      ],
      'Gr=C3=BC=C3=9Fe aus K=C3=B6ln',
    );

    const parsed = await parseEmail(raw);

    expect(parsed.text.trim()).toBe('Grüße aus Köln');
    expect(parsed.problems).toContain('body: text labelled iso-8859-1 is UTF-8; decoded as UTF-8');
  });

  it('still reads real iso-8859-1 text as iso-8859-1', async () => {
    const raw = message(
      [
        'From: a@example.com',
        'Subject: =?iso-8859-1?Q?Gr=FC=DFe?=',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
      ],
      'Gr=FC=DFe aus K=F6ln',
    );

    const parsed = await parseEmail(raw);

    expect(parsed.subject).toBe('Grüße');
    expect(parsed.text.trim()).toBe('Grüße aus Köln');
  });
});
