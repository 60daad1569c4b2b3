// Email with real servers: a mailbox per team address (its IMAP and SMTP accounts, the folder
// the poller reads and the one it files processed mail into, and the UID position it has
// reached), the durable outbox of mail we send, each row sent once per dedupe key, and the
// email channel's acknowledgement template beside the other channels' ones.
import { Migration } from '@mikro-orm/migrations';

export class MailboxesAndOutboundMail extends Migration {
  override up(): void {
    this.addSql(`
      create table mailbox (
        id serial primary key,
        address text not null unique check (address = lower(address)),
        team_id integer references team(id),
        imap_host text not null,
        imap_port integer not null,
        imap_user text not null,
        imap_password text not null,
        imap_tls boolean not null default true,
        smtp_host text not null,
        smtp_port integer not null,
        smtp_user text,
        smtp_password text,
        smtp_tls boolean not null default true,
        folder text not null default 'INBOX',
        processed_folder text not null default 'Processed',
        acknowledgements_per_sender_per_hour integer not null default 3,
        enabled boolean not null default true,
        is_default boolean not null default false,
        uid_validity bigint,
        last_uid bigint not null default 0,
        polled_at timestamptz,
        created_at timestamptz not null default now()
      );

      create table outbound_mail (
        id bigserial primary key,
        ticket_id bigint,
        kind text not null,
        from_address text not null,
        to_addresses jsonb not null,
        subject text not null,
        text text not null,
        html text,
        message_row_id bigint references message(id),
        message_id_header text not null unique,
        in_reply_to_header text,
        references_header jsonb not null default '[]',
        attachments jsonb not null default '[]',
        auto_submitted boolean not null default false,
        dedupe_key text not null unique,
        status text not null default 'pending'
          check (status in ('pending', 'sent', 'failed', 'bounced')),
        attempts integer not null default 0,
        next_attempt_at timestamptz not null default now(),
        last_error text,
        sent_at timestamptz,
        created_at timestamptz not null default now()
      );
      create index outbound_mail_due_idx on outbound_mail (next_attempt_at) where status = 'pending';
      create index outbound_mail_ticket_idx on outbound_mail (ticket_id);
      create index outbound_mail_recipient_idx on outbound_mail (kind, (to_addresses ->> 0), created_at);

      insert into acknowledgement_template (channel, subject, body) values
        ('email', 'We received your request: {{ticket.subject}}',
         'Hi {{requester.name}},\n\nthanks for writing to us. Your request is ticket {{ticket.number}}; ' ||
         'we will answer by email. Please keep the [#{{ticket.number}}] tag in the subject when you write ' ||
         'about it again.\n\nThis message was sent automatically.')
      on conflict (channel) do nothing;
    `);
  }

  override down(): void {
    this.addSql(`
      delete from acknowledgement_template where channel = 'email';
      drop table outbound_mail;
      drop table mailbox;
    `);
  }
}
