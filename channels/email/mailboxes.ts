// The mailbox repository: one row per team address, with the IMAP account the poller reads,
// the SMTP account replies leave by, and the UID position the poller has reached. Passwords
// come from configuration (CASEWORK_MAILBOX_* variables, see mailboxFromEnv) into this table
// and go only to the mail servers: nothing here logs them or returns them to the API.
// Tests: tests/channels/mail-imap-intake.test.ts.
import type { EntityManager } from '../../db/orm.ts';

/** A configured mailbox, as the poller and the sender need it. */
export interface Mailbox {
  id: number;
  address: string;
  teamId: number | null;
  imap: MailAccount;
  smtp: MailAccount;
  folder: string;
  processedFolder: string;
  acknowledgementsPerSenderPerHour: number;
  uidValidity: bigint | null;
  lastUid: number;
}

export interface MailAccount {
  host: string;
  port: number;
  user: string | null;
  password: string | null;
  tls: boolean;
}

/** What configuration provides to create or update a mailbox. */
export interface MailboxSettings {
  address: string;
  teamName?: string | null;
  imap: MailAccount & { user: string; password: string };
  smtp: MailAccount;
  folder?: string;
  processedFolder?: string;
  acknowledgementsPerSenderPerHour?: number;
  /** Sends mail that belongs to no mailbox (web-form acknowledgements, reports). */
  isDefault?: boolean;
}

type Row = Record<string, unknown>;

/** Creates the mailbox or updates its accounts; keeps its UID position. Returns its id. */
export async function upsertMailbox(em: EntityManager, settings: MailboxSettings): Promise<number> {
  const rows: Row[] = await em.execute(
    `insert into mailbox (address, team_id, imap_host, imap_port, imap_user, imap_password,
        imap_tls, smtp_host, smtp_port, smtp_user, smtp_password, smtp_tls, folder,
        processed_folder, acknowledgements_per_sender_per_hour, is_default)
     values (?, (select id from team where name = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (address) do update set
        team_id = excluded.team_id, imap_host = excluded.imap_host,
        imap_port = excluded.imap_port, imap_user = excluded.imap_user,
        imap_password = excluded.imap_password, imap_tls = excluded.imap_tls,
        smtp_host = excluded.smtp_host, smtp_port = excluded.smtp_port,
        smtp_user = excluded.smtp_user, smtp_password = excluded.smtp_password,
        smtp_tls = excluded.smtp_tls, folder = excluded.folder,
        processed_folder = excluded.processed_folder,
        acknowledgements_per_sender_per_hour = excluded.acknowledgements_per_sender_per_hour,
        is_default = excluded.is_default, enabled = true
     returning id`,
    [
      settings.address.trim().toLowerCase(),
      settings.teamName ?? null,
      settings.imap.host,
      settings.imap.port,
      settings.imap.user,
      settings.imap.password,
      settings.imap.tls,
      settings.smtp.host,
      settings.smtp.port,
      settings.smtp.user,
      settings.smtp.password,
      settings.smtp.tls,
      settings.folder ?? 'INBOX',
      settings.processedFolder ?? 'Processed',
      settings.acknowledgementsPerSenderPerHour ?? 3,
      settings.isDefault ?? false,
    ],
  );
  return Number(rows[0]!.id);
}

/** The mailbox by id, or null when it was removed or disabled. */
export async function findMailbox(em: EntityManager, id: number): Promise<Mailbox | null> {
  const rows: Row[] = await em.execute('select * from mailbox where id = ? and enabled', [id]);
  return rows[0] ? toMailbox(rows[0]) : null;
}

/** Every enabled mailbox: the mail process runs one poller for each. */
export async function listEnabledMailboxes(em: EntityManager): Promise<Mailbox[]> {
  const rows: Row[] = await em.execute('select * from mailbox where enabled order by id');
  return rows.map(toMailbox);
}

/** Remembers how far the poller got, under the folder's current UIDVALIDITY. */
export async function recordMailboxPosition(
  em: EntityManager,
  position: { mailboxId: number; uidValidity: bigint; lastUid: number },
): Promise<void> {
  await em.execute(
    `update mailbox set uid_validity = ?, last_uid = ?, polled_at = now() where id = ?`,
    [position.uidValidity.toString(), position.lastUid, position.mailboxId],
  );
}

function toMailbox(row: Row): Mailbox {
  return {
    id: Number(row.id),
    address: String(row.address),
    teamId: row.team_id === null ? null : Number(row.team_id),
    imap: {
      host: String(row.imap_host),
      port: Number(row.imap_port),
      user: String(row.imap_user),
      password: String(row.imap_password),
      tls: Boolean(row.imap_tls),
    },
    smtp: {
      host: String(row.smtp_host),
      port: Number(row.smtp_port),
      user: row.smtp_user === null ? null : String(row.smtp_user),
      password: row.smtp_password === null ? null : String(row.smtp_password),
      tls: Boolean(row.smtp_tls),
    },
    folder: String(row.folder),
    processedFolder: String(row.processed_folder),
    acknowledgementsPerSenderPerHour: Number(row.acknowledgements_per_sender_per_hour),
    uidValidity: row.uid_validity === null ? null : BigInt(String(row.uid_validity)),
    lastUid: Number(row.last_uid),
  };
}

/**
 * The demo mailbox from the environment, or null when CASEWORK_MAILBOX_ADDRESS is unset:
 * CASEWORK_MAILBOX_ADDRESS, _TEAM, _IMAP_HOST, _IMAP_PORT (993), _IMAP_USER (the address),
 * _IMAP_PASSWORD, _IMAP_TLS (true), _SMTP_HOST (the IMAP host), _SMTP_PORT (587), _SMTP_USER,
 * _SMTP_PASSWORD (the IMAP ones), _SMTP_TLS (true). Throws naming a variable that is invalid.
 */
export function mailboxFromEnv(env: NodeJS.ProcessEnv = process.env): MailboxSettings | null {
  const read = (name: string) => env[`CASEWORK_MAILBOX_${name}`]?.trim() || undefined;
  const address = read('ADDRESS');
  if (address === undefined) return null;

  const imapHost = required(read('IMAP_HOST'), 'CASEWORK_MAILBOX_IMAP_HOST');
  const imapUser = read('IMAP_USER') ?? address;
  const imapPassword = required(read('IMAP_PASSWORD'), 'CASEWORK_MAILBOX_IMAP_PASSWORD');
  return {
    address,
    teamName: read('TEAM') ?? null,
    isDefault: true,
    imap: {
      host: imapHost,
      port: portOf(read('IMAP_PORT') ?? '993', 'CASEWORK_MAILBOX_IMAP_PORT'),
      user: imapUser,
      password: imapPassword,
      tls: flagOf(read('IMAP_TLS') ?? 'true', 'CASEWORK_MAILBOX_IMAP_TLS'),
    },
    smtp: {
      host: read('SMTP_HOST') ?? imapHost,
      port: portOf(read('SMTP_PORT') ?? '587', 'CASEWORK_MAILBOX_SMTP_PORT'),
      user: read('SMTP_USER') ?? imapUser,
      password: read('SMTP_PASSWORD') ?? imapPassword,
      tls: flagOf(read('SMTP_TLS') ?? 'true', 'CASEWORK_MAILBOX_SMTP_TLS'),
    },
  };
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) {
    throw new Error(`${name} is not set, but CASEWORK_MAILBOX_ADDRESS is: set both or neither.`);
  }
  return value;
}

function portOf(raw: string, name: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port between 1 and 65535, got "${raw}".`);
  }
  return port;
}

function flagOf(raw: string, name: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be true or false, got "${raw}".`);
}
