// What we say back into a social platform's conversation: the acknowledgement of a new ticket
// and every agent's public reply on a social ticket. Each is first recorded in social_post
// (once per dedupe key), then sent to the platform's post_url when it has one — the platform
// lives outside our machine, so a post is one JSON call with an Idempotency-Key, and its row
// keeps whether the platform took it (`posted`) or not (`failed`, with the reason). A row is
// claimed (`recorded` → `sending`) before it is sent, so any number of server processes may
// relay at once; a process dying mid-send leaves the row `sending` for an operator to see.
// Tests: tests/channels/social-webhook.test.ts.
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm.ts';
import type { TicketChangeFeed } from '../../api/ticket-change-feed.ts';
import { startChangeSweeper } from '../change-sweeper.ts';

export interface PlatformPostDeps {
  orm: Orm;
  log: Logger;
}

type Row = Record<string, unknown>;

const postTimeoutMs = 5_000;
const batchSize = 20;
/** A reply not relayed within a week (the server was down that long) is left alone. */
const relayForDays = 7;

/**
 * Records each agent's public reply on a social ticket as a post into its platform conversation
 * (the newest thread of the ticket); answers how many were new.
 */
export async function recordSocialReplies(deps: PlatformPostDeps): Promise<number> {
  const rows: Row[] = await deps.orm.em.fork().execute(
    `insert into social_post (platform, conversation_id, ticket_id, text, status, dedupe_key,
        message_id)
     select distinct on (m.id) s.platform, s.conversation_id, m.ticket_id, m.text, 'recorded',
        'reply:' || m.id, m.id
     from message m
     join social_thread s on s.ticket_id = m.ticket_id
     where m.kind = 'public_reply' and m.channel = 'social'
       and m.created_at > now() - make_interval(days => ?)
       and not exists (select 1 from social_post p where p.dedupe_key = 'reply:' || m.id)
     order by m.id, s.created_at desc
     on conflict (dedupe_key) do nothing
     returning id`,
    [relayForDays],
  );
  return rows.length;
}

/**
 * Sends recorded posts (all of them, or the one with the given dedupe key) to their platforms;
 * answers how many the platforms took.
 */
export async function sendRecordedPosts(
  deps: PlatformPostDeps,
  options: { dedupeKey?: string } = {},
): Promise<number> {
  const claimed = await claimRecordedPosts(deps, options.dedupeKey);
  let posted = 0;
  for (const post of claimed) {
    const outcome = await sendPost(post);
    await deps.orm.em
      .fork()
      .execute('update social_post set status = ?, detail = ?, updated_at = now() where id = ?', [
        outcome.status,
        outcome.detail,
        post.id,
      ]);
    const level = outcome.status === 'posted' ? 'info' : 'warn';
    deps.log[level](
      { ticketId: post.ticketId, platform: post.platform, status: outcome.status },
      'post sent to social platform',
    );
    if (outcome.status === 'posted') posted += 1;
  }
  return posted;
}

export interface SocialReplyRelay {
  /** Records new replies and sends every recorded post; answers how many were sent. */
  sweep(): Promise<number>;
  stop(): void;
}

/** Relays agents' replies to social platforms on every ticket change and every half minute. */
export function startSocialReplyRelay(
  deps: PlatformPostDeps & { feed: TicketChangeFeed; sweepEveryMs?: number },
): SocialReplyRelay {
  return startChangeSweeper({
    feed: deps.feed,
    log: deps.log,
    everyMs: deps.sweepEveryMs ?? 30_000,
    failure: 'social replies not relayed',
    sweepOnce: () => recordSocialReplies(deps).then(() => sendRecordedPosts(deps)),
  });
}

interface ClaimedPost {
  id: number;
  ticketId: number;
  platform: string;
  conversationId: string;
  text: string;
  dedupeKey: string;
  url: string;
}

async function claimRecordedPosts(
  deps: PlatformPostDeps,
  dedupeKey: string | undefined,
): Promise<ClaimedPost[]> {
  const onlyKey = dedupeKey === undefined ? '' : 'and p2.dedupe_key = ?';
  const rows: Row[] = await deps.orm.em.fork().execute(
    `update social_post p set status = 'sending', updated_at = now()
     from social_platform s
     where p.id in (
       select p2.id from social_post p2
       join social_platform s2 on s2.platform = p2.platform and s2.post_url is not null
       where p2.status = 'recorded' ${onlyKey}
       order by p2.created_at limit ? for update of p2 skip locked)
       and s.platform = p.platform
     returning p.id, p.ticket_id, p.platform, p.conversation_id, p.text, p.dedupe_key, s.post_url`,
    dedupeKey === undefined ? [batchSize] : [dedupeKey, batchSize],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    platform: String(row.platform),
    conversationId: String(row.conversation_id),
    text: String(row.text),
    dedupeKey: String(row.dedupe_key),
    url: String(row.post_url),
  }));
}

async function sendPost(
  post: ClaimedPost,
): Promise<{ status: 'posted' | 'failed'; detail: string }> {
  try {
    const response = await fetch(post.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': post.dedupeKey },
      body: JSON.stringify({
        platform: post.platform,
        conversationId: post.conversationId,
        text: post.text,
        idempotencyKey: post.dedupeKey,
      }),
      signal: AbortSignal.timeout(postTimeoutMs),
    });
    await response.body?.cancel();
    return { status: response.ok ? 'posted' : 'failed', detail: `HTTP ${response.status}` };
  } catch (error) {
    return { status: 'failed', detail: (error as Error).message };
  }
}
