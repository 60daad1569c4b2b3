// Decides whether an inbound email was written by a machine, so intake never answers it
// automatically and two ticket systems cannot acknowledge each other forever (C13). Pure: the
// caller passes how to recognise our own auto-generated Message-IDs.
import type { ParsedEmail } from './parse-email.ts';

/** Why a message counts as automated. */
export const AutomationKind = {
  AutoReply: 'auto-reply',
  Bounce: 'bounce',
  List: 'list',
  NoreplySender: 'noreply-sender',
  ReplyToOurAuto: 'reply-to-our-auto',
} as const;
export type AutomationKind = (typeof AutomationKind)[keyof typeof AutomationKind];

/** The verdict: automated or not, which kind, and the header or field that decided it. */
export interface AutomationVerdict {
  automated: boolean;
  kind: AutomationKind | null;
  reason: string | null;
}

/** Recognises Message-IDs of our own auto-generated mail (acknowledgements, notifications). */
export interface AutomationOptions {
  ourAutoMessageIds?: (ids: string[]) => boolean;
}

type Rule = (parsed: ParsedEmail, options: AutomationOptions) => AutomationVerdict | null;

const BOUNCE_SENDER = /^(?:mailer-daemon|postmaster)@/i;
const NOREPLY_SENDER = /^(?:no-?reply|do-?not-?reply|donotreply)(?:[+.-][^@]*)?@/i;
const BOUNCE_SUBJECT =
  /^(?:undeliver(?:ed|able)|delivery (?:status notification|failure|has failed|failed)|mail delivery (?:failed|failure|subsystem|system)|returned mail|failure notice|non-?delivery|unzustellbar|nicht zustellbar|mail could not be delivered)/i;

/** Classifies an email as automated, checking the strongest evidence first. */
export function classifyAutomation(
  parsed: ParsedEmail,
  options: AutomationOptions = {},
): AutomationVerdict {
  for (const rule of rules) {
    const verdict = rule(parsed, options);
    if (verdict) return verdict;
  }

  return { automated: false, kind: null, reason: null };
}

/** True only when we may send an automatic reply: never to machines, nor when asked not to. */
export function mayAutoReply(parsed: ParsedEmail, options: AutomationOptions = {}): boolean {
  const suppress = parsed.headers.xAutoResponseSuppress ?? '';
  if (/\b(?:all|autoreply|oof)\b/i.test(suppress)) return false;

  return !classifyAutomation(parsed, options).automated;
}

function automated(kind: AutomationKind, reason: string): AutomationVerdict {
  return { automated: true, kind, reason };
}

const rules: Rule[] = [
  ({ headers }) =>
    /^multipart\/report\b/i.test(headers.contentType ?? '')
      ? automated(AutomationKind.Bounce, 'Content-Type is multipart/report')
      : null,

  ({ from }) =>
    from && BOUNCE_SENDER.test(from.address)
      ? automated(AutomationKind.Bounce, 'sender is a mail system (MAILER-DAEMON or postmaster)')
      : null,

  ({ headers }) => {
    const value = (headers.autoSubmitted ?? '').trim().toLowerCase().split(/[;\s]/)[0];
    return value && value !== 'no'
      ? automated(AutomationKind.AutoReply, `Auto-Submitted: ${value}`)
      : null;
  },

  ({ headers }) =>
    headers.xAutoreply !== null || headers.xAutorespond !== null
      ? automated(AutomationKind.AutoReply, 'X-Autoreply or X-Autorespond header')
      : null,

  (parsed, { ourAutoMessageIds }) => {
    const ids = [...parsed.inReplyTo, ...parsed.references];
    return ids.length > 0 && ourAutoMessageIds?.(ids)
      ? automated(AutomationKind.ReplyToOurAuto, 'answers one of our auto-generated messages')
      : null;
  },

  ({ headers }) =>
    headers.listId !== null ? automated(AutomationKind.List, 'List-Id header') : null,

  ({ headers }) => {
    const value = (headers.precedence ?? '').trim().toLowerCase();
    return ['bulk', 'junk', 'list'].includes(value)
      ? automated(AutomationKind.List, `Precedence: ${value}`)
      : null;
  },

  ({ headers }) =>
    (headers.returnPath ?? '').replace(/\s+/g, '') === '<>'
      ? automated(AutomationKind.Bounce, 'empty Return-Path')
      : null,

  ({ from }) =>
    from && NOREPLY_SENDER.test(from.address)
      ? automated(AutomationKind.NoreplySender, 'sender is a no-reply address')
      : null,

  ({ subject }) =>
    BOUNCE_SUBJECT.test(subject.trim())
      ? automated(AutomationKind.Bounce, 'subject reads as a delivery failure')
      : null,
];
