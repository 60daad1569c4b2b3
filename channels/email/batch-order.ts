// Which mails of one IMAP batch must wait for which: a reply must be filed after the mail it
// answers when both arrive in the same batch (threading looks the answered Message-ID up in
// the database), and two mails with one Message-ID after each other (the second is either the
// same mail again or a reused id, C15, and intake tells them apart only in order). Every other
// mail is independent, so the poller files a batch several at a time. Pure: reads headers only.
// Tests: tests/channels/mail-batch-order.test.ts.
import { messageIds } from './parse-email.ts';

/** For each mail, the indexes of earlier mails in the batch it must be filed after. */
export function batchDependencies(raws: Buffer[]): number[][] {
  const firstIndexOf = new Map<string, number[]>();

  return raws.map((raw, index) => {
    const headers = threadingHeaders(raw);
    const waitsFor = new Set<number>();
    for (const id of [...headers.own, ...headers.answered]) {
      for (const earlier of firstIndexOf.get(id) ?? []) waitsFor.add(earlier);
    }
    for (const id of headers.own) firstIndexOf.set(id, [...(firstIndexOf.get(id) ?? []), index]);
    return [...waitsFor].sort((a, b) => a - b);
  });
}

/** The mail's own Message-ID and the ids it answers (In-Reply-To, References), lower-cased. */
export function threadingHeaders(raw: Buffer): { own: string[]; answered: string[] } {
  const head = headerBlock(raw);
  const values = (name: string) =>
    [...head.matchAll(new RegExp(`^${name}:(.*)$`, 'gim'))].map((match) => match[1] ?? '');
  const ids = (name: string) =>
    values(name)
      .flatMap(messageIds)
      .map((id) => id.toLowerCase());

  return {
    own: ids('message-id').slice(0, 1),
    answered: [...ids('in-reply-to'), ...ids('references')],
  };
}

/** The header block, unfolded; bounded so a mail without a blank line costs little. */
function headerBlock(raw: Buffer): string {
  const text = raw.subarray(0, 256 * 1024).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

/**
 * Runs `work` for every index, at most `concurrency` at a time, each after the indexes it
 * depends on have finished (successfully: a failure fails the whole run, as in sequence).
 */
export async function runInDependencyOrder<T>(options: {
  dependencies: number[][];
  concurrency: number;
  work: (index: number) => Promise<T>;
}): Promise<T[]> {
  const { dependencies, work } = options;
  const done: Promise<T>[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];

  const slot = async () => {
    while (running >= options.concurrency) await new Promise<void>((r) => waiting.push(r));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };

  for (const [index, needs] of dependencies.entries()) {
    done.push(
      (async () => {
        await Promise.all(needs.map((earlier) => done[earlier]));
        await slot();
        try {
          return await work(index);
        } finally {
          release();
        }
      })(),
    );
  }
  return Promise.all(done);
}
