// A mail process in a child process, for the restart test (mail-restart.test.ts): it starts
// the poller of one mailbox and keeps working until the test kills it with SIGKILL, as a
// crashed machine would. Settings arrive as JSON in MAIL_CHILD_SETTINGS.
import pino from 'pino';
import { runMailProcess } from '../../channels/email/mail-process.ts';

const settings = JSON.parse(process.env.MAIL_CHILD_SETTINGS ?? '{}') as {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  ticketTaskQueue: string;
  dataDir: string;
  mailTaskQueue: string;
  mailboxId: number;
  batchSize: number;
  heartbeatTimeoutMs: number;
};

const mail = await runMailProcess({
  ...settings,
  log: pino({ level: 'warn' }),
  pollIntervalMs: 250,
  pollEnabledMailboxes: false,
  // It sends nothing: the shared test database may hold other files' outbound mail.
  onlyFrom: () => [],
  env: {},
});
await mail.startPoller(settings.mailboxId);
console.log('mail child polling');
