import { describe, expect, it } from '@jest/globals';
import { batchDependencies, runInDependencyOrder } from '../../channels/email/batch-order.ts';

function mail(headers: Record<string, string>): Buffer {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return Buffer.from([...lines, '', 'body', ''].join('\r\n'));
}

describe('batchDependencies', () => {
  it('makes a reply wait for the mail it answers, by In-Reply-To or a folded References', () => {
    const batch = [
      mail({ 'Message-ID': '<a@x>' }),
      mail({ 'Message-ID': '<b@x>' }),
      mail({ 'Message-ID': '<c@x>', 'In-Reply-To': '<A@x>' }),
      mail({ 'Message-ID': '<d@x>', References: '<zz@x>\r\n <b@x>' }),
    ];

    expect(batchDependencies(batch)).toEqual([[], [], [0], [1]]);
  });

  it('files a second mail with the same Message-ID after the first (C15)', () => {
    const batch = [mail({ 'Message-ID': '<same@x>' }), mail({ 'Message-ID': '<same@x>' })];

    expect(batchDependencies(batch)).toEqual([[], [0]]);
  });
});

describe('runInDependencyOrder', () => {
  it('runs independent mails side by side but never a reply before what it answers', async () => {
    const finished: number[] = [];
    let running = 0;
    let mostAtOnce = 0;

    await runInDependencyOrder({
      dependencies: [[], [], [0], [], [2]],
      concurrency: 2,
      work: async (index) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, index === 0 ? 30 : 5));
        running -= 1;
        finished.push(index);
      },
    });

    expect(mostAtOnce).toBe(2);
    expect(finished.indexOf(2)).toBeGreaterThan(finished.indexOf(0));
    expect(finished.indexOf(4)).toBeGreaterThan(finished.indexOf(2));
    expect([...finished].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
