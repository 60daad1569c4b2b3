// Real mail servers on loopback for `npm test`: Dovecot answers IMAP and takes delivery over
// LMTP, Postfix answers SMTP and delivers every address of our test domains into Dovecot, so
// a mail sent to support@casework.test lands in that IMAP mailbox, and a mail to an unknown
// user bounces back as a real DSN. Both run from configs generated under the test data folder
// (`dovecot -c`, Postfix with its own config, queue and data directories) and never read or
// change the machine's /etc configuration. Debian packages: dovecot-imapd, dovecot-lmtpd,
// postfix (.ci/run installs them). Postfix needs root, as CI has.
// Tests that use them: tests/channels/mail-*.test.ts, tests/e2e/mail*.test.ts.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  isPortFree,
  startServerProcess,
  stopServerProcess,
  tailOfLog,
  waitUntilReady,
  type ServerProcess,
} from './processes.ts';
import { readOrCreateSecret } from './secrets.ts';

/** The mail domains the servers deliver; anything else is refused ("Relay access denied"). */
export const testMailDomains = ['casework.test', 'customer.test'];

/**
 * Every address of the test domains has a mailbox, so each test can use addresses of its own;
 * a local part starting with `bounce-` is accepted by Postfix and then bounced with a real DSN.
 */
export const bouncingLocalPartPrefix = 'bounce-';

const debianPackages = 'dovecot-imapd dovecot-lmtpd postfix';

/** The running servers: where they answer and the one password of every test account. */
export interface LocalMailServers {
  host: string;
  imapPort: number;
  smtpPort: number;
  password: string;
  stop(): Promise<void>;
}

/** Why the mail servers could not start, in a sentence a person can act on. */
export class MailServersUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailServersUnavailable';
  }
}

/** Starts Dovecot and Postfix on 127.0.0.1 with their state in `<dataDir>/mail`. */
export async function startMailServers(options: {
  dataDir: string;
  imapPort: number;
  smtpPort: number;
  log: Logger;
}): Promise<LocalMailServers> {
  const binaries = findBinaries();
  checkCanRun(options);
  for (const port of [options.imapPort, options.smtpPort]) {
    if (!(await isPortFree(port))) {
      throw new MailServersUnavailable(`port ${port} is in use; choose other mail test ports`);
    }
  }

  const root = mailRoot(options.dataDir, options.log);
  const password = readOrCreateSecret(path.join(root, 'password'));
  const layout = prepareFolders(root);
  writeDovecotConfig({ ...options, layout, password });
  writePostfixConfig({ ...options, layout });

  const dovecot = startServerProcess({
    command: binaries.dovecot,
    args: ['-F', '-c', layout.dovecotConfig],
    logFile: path.join(layout.logs, 'dovecot-stdout.log'),
  });
  const dovecotProblem = await waitUntilReady(
    dovecot,
    () => expectGreeting(options.imapPort, '* OK'),
    20_000,
  );
  if (dovecotProblem) {
    await stopServerProcess(dovecot);
    throw startFailure('Dovecot', dovecotProblem, dovecot.logFile);
  }

  const postfix = startServerProcess({
    command: binaries.postfix,
    args: ['-c', layout.postfixConfigDir, 'start-fg'],
    logFile: path.join(layout.logs, 'postfix-stdout.log'),
  });
  const postfixProblem = await waitUntilReady(
    postfix,
    () => expectGreeting(options.smtpPort, '220'),
    30_000,
  );
  if (postfixProblem) {
    await Promise.all([stopServerProcess(postfix), stopServerProcess(dovecot)]);
    throw startFailure('Postfix', postfixProblem, postfix.logFile);
  }

  options.log.info(
    { imapPort: options.imapPort, smtpPort: options.smtpPort },
    'test mail servers started',
  );
  return {
    host: '127.0.0.1',
    imapPort: options.imapPort,
    smtpPort: options.smtpPort,
    password,
    stop: () => stopBoth({ postfix, dovecot, binaries, layout }),
  };
}

/**
 * Dovecot's and Postfix's own users (mail, dovecot, postfix) must reach the mail folders and
 * sockets; a data folder inside a private home (mode 700) would hide them, so the mail then
 * lives in a fresh folder under the system's temporary directory instead.
 */
function mailRoot(dataDir: string, log: Logger): string {
  const preferred = path.join(dataDir, 'mail');
  fs.mkdirSync(preferred, { recursive: true });
  if (isReachableByOthers(preferred)) return preferred;

  const fallback = fs.mkdtempSync(path.join(os.tmpdir(), 'casework-mail-'));
  fs.chmodSync(fallback, 0o755);
  log.warn({ dataDir, mailDir: fallback }, 'data folder is private; test mail lives elsewhere');
  return fallback;
}

function isReachableByOthers(folder: string): boolean {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if ((fs.statSync(dir).mode & 0o001) === 0) return false;
    if (path.dirname(dir) === dir) return true;
  }
}

function findBinaries(): { dovecot: string; postfix: string } {
  const dovecot = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find((file) => fs.existsSync(file));
  const postfix = ['/usr/sbin/postfix', '/usr/bin/postfix'].find((file) => fs.existsSync(file));
  const lmtp = fs.existsSync('/usr/lib/dovecot/lmtp');
  if (dovecot && postfix && lmtp) return { dovecot, postfix };

  throw new MailServersUnavailable(
    `the mail tests need Dovecot (IMAP, LMTP) and Postfix: install them with ` +
      `"apt-get install ${debianPackages}" (.ci/run does this on CI)`,
  );
}

function checkCanRun(options: { dataDir: string }): void {
  if (process.getuid?.() === 0) return;
  throw new MailServersUnavailable(
    `Postfix runs its own instance only as root (CI runs as root); run the mail tests as root ` +
      `or point them at other servers. Data folder: ${options.dataDir}`,
  );
}

interface Layout {
  dovecotConfig: string;
  dovecotBase: string;
  dovecotLog: string;
  maildirs: string;
  lmtpSocket: string;
  postfixConfigDir: string;
  postfixQueue: string;
  postfixData: string;
  postfixLog: string;
  logs: string;
}

function prepareFolders(root: string): Layout {
  const layout: Layout = {
    dovecotConfig: path.join(root, 'dovecot', 'dovecot.conf'),
    dovecotBase: path.join(root, 'dovecot', 'run'),
    dovecotLog: path.join(root, 'logs', 'dovecot.log'),
    maildirs: path.join(root, 'maildirs'),
    lmtpSocket: path.join(root, 'dovecot', 'run', 'casework-lmtp'),
    postfixConfigDir: path.join(root, 'postfix', 'conf'),
    postfixQueue: path.join(root, 'postfix', 'queue'),
    postfixData: path.join(root, 'postfix', 'data'),
    postfixLog: path.join(root, 'logs', 'postfix.log'),
    logs: path.join(root, 'logs'),
  };
  for (const folder of [
    path.dirname(layout.dovecotConfig),
    layout.maildirs,
    layout.postfixConfigDir,
    layout.postfixQueue,
    layout.postfixData,
    layout.logs,
  ]) {
    fs.mkdirSync(folder, { recursive: true });
  }

  // Dovecot refuses to keep mail as root, so the mail belongs to Debian's `mail` user; Postfix
  // wants its data folder to belong to `postfix`.
  const mail = systemUser('mail');
  fs.chownSync(layout.maildirs, mail.uid, mail.gid);
  const postfix = systemUser('postfix');
  fs.chownSync(layout.postfixData, postfix.uid, postfix.gid);
  return layout;
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new MailServersUnavailable(
      `the system user "${name}" is missing; reinstall ${debianPackages}`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function writeDovecotConfig(options: { layout: Layout; imapPort: number; password: string }): void {
  const { layout } = options;
  const mail = systemUser('mail');

  fs.writeFileSync(
    layout.dovecotConfig,
    `# Generated by temporal/local/mail-servers.ts for npm test; rewritten at every start.
base_dir = ${layout.dovecotBase}
state_dir = ${path.join(path.dirname(layout.dovecotConfig), 'state')}
instance_name = casework-test-${options.imapPort}
listen = 127.0.0.1
protocols = imap lmtp
log_path = ${layout.dovecotLog}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${layout.maildirs}/%Ld/%Ln
mail_fsync = never
mail_max_userip_connections = 200
# One password for every address: a test's mailbox exists as soon as it is used.
passdb {
  driver = static
  args = password=${options.password}
}
userdb {
  driver = static
  args = uid=${mail.uid} gid=${mail.gid} home=${layout.maildirs}/%Ld/%Ln allow_all_users=yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${options.imapPort}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  unix_listener ${path.basename(layout.lmtpSocket)} {
    mode = 0666
  }
}
protocol lmtp {
  auth_username_format = %Lu
}
namespace inbox {
  inbox = yes
  separator = /
}
`,
    { mode: 0o600 },
  );
}

function writePostfixConfig(options: { layout: Layout; smtpPort: number }): void {
  const { layout } = options;

  fs.writeFileSync(
    path.join(layout.postfixConfigDir, 'main.cf'),
    `# Generated by temporal/local/mail-servers.ts for npm test; rewritten at every start.
compatibility_level = 3.6
config_directory = ${layout.postfixConfigDir}
queue_directory = ${layout.postfixQueue}
data_directory = ${layout.postfixData}
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.casework.test
mydomain = casework.test
myorigin = casework.test
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
virtual_mailbox_domains = ${testMailDomains.join(' ')}
virtual_transport = lmtp:unix:${layout.lmtpSocket}
transport_maps = regexp:${path.join(layout.postfixConfigDir, 'transport')}
relay_domains =
local_transport = error:local delivery is disabled
maillog_file = ${layout.postfixLog}
maillog_file_prefixes = ${layout.logs}
smtputf8_enable = yes
biff = no
disable_dns_lookups = yes
smtp_dns_support_level = disabled
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
`,
  );

  // Columns: service, type, private, unprivileged, chroot, wakeup, process limit, command.
  fs.writeFileSync(
    path.join(layout.postfixConfigDir, 'transport'),
    `/^${bouncingLocalPartPrefix}[^@]*@/ bouncer:\n`,
  );

  const service = (name: string, type: string, isPrivate: boolean, rest: string) =>
    `${name.padEnd(10)} ${type.padEnd(10)} ${isPrivate ? '-' : 'n'} - n ${rest}`;
  fs.writeFileSync(
    path.join(layout.postfixConfigDir, 'master.cf'),
    [
      `127.0.0.1:${options.smtpPort} inet n - n - - smtpd`,
      service('pickup', 'unix', false, '60 1 pickup'),
      service('cleanup', 'unix', false, '- 0 cleanup'),
      service('qmgr', 'unix', false, '300 1 qmgr'),
      service('rewrite', 'unix', true, '- - trivial-rewrite'),
      service('bounce', 'unix', true, '- 0 bounce'),
      service('defer', 'unix', true, '- 0 bounce'),
      service('trace', 'unix', true, '- 0 bounce'),
      service('verify', 'unix', true, '- 1 verify'),
      service('flush', 'unix', false, '1000? 0 flush'),
      service('proxymap', 'unix', true, '- - proxymap'),
      service('smtp', 'unix', true, '- - smtp'),
      service('showq', 'unix', false, '- - showq'),
      service('error', 'unix', true, '- - error'),
      service('retry', 'unix', true, '- - error'),
      service('discard', 'unix', true, '- - discard'),
      service('lmtp', 'unix', true, '- - lmtp'),
      service('anvil', 'unix', true, '- 1 anvil'),
      service('scache', 'unix', true, '- 1 scache'),
      service('postlog', 'unix-dgram', false, '- 1 postlogd'),
      // Accepted at RCPT, then refused at delivery (exit 67, "no such user"): a real DSN.
      `${'bouncer'.padEnd(10)} unix - n n - - pipe flags=q user=nobody argv=/bin/sh -c { exit 67 }`,
      '',
    ].join('\n'),
  );
}

/** Resolves once the server on `port` greets with `expected`. */
function expectGreeting(port: number, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(2_000, () => fail(new Error(`no greeting on port ${port}`)));
    socket.once('error', fail);
    socket.once('data', (chunk: Buffer) => {
      socket.destroy();
      const greeting = chunk.toString('latin1');
      if (greeting.startsWith(expected)) resolve();
      else reject(new Error(`port ${port} greeted with "${greeting.trim().slice(0, 60)}"`));
    });
  });
}

function startFailure(server: string, problem: string, logFile: string): MailServersUnavailable {
  const tail = tailOfLog(logFile, 8);
  return new MailServersUnavailable(
    `${server} did not start: ${problem} (log: ${logFile})${tail ? `\n${tail}` : ''}`,
  );
}

/**
 * Postfix's master starts a session of its own, out of reach of a signal to our process group,
 * so it is stopped with `postfix stop`, then by its pid file if it lingers.
 */
async function stopBoth(options: {
  postfix: ServerProcess;
  dovecot: ServerProcess;
  binaries: { postfix: string };
  layout: Layout;
}): Promise<void> {
  const { postfix, dovecot, binaries, layout } = options;
  const masterPid = readPid(path.join(layout.postfixQueue, 'pid', 'master.pid'));

  await new Promise<void>((resolve) => {
    execFile(binaries.postfix, ['-c', layout.postfixConfigDir, 'stop'], { timeout: 15_000 }, () =>
      resolve(),
    );
  });
  if (masterPid !== null && isAlive(masterPid)) process.kill(masterPid, 'SIGKILL');

  await Promise.all([
    stopServerProcess(postfix, { timeoutMs: 10_000 }),
    stopServerProcess(dovecot, { timeoutMs: 10_000 }),
  ]);
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What `npm test` hands Jest about the mail servers, and how it stops them. */
export interface TestMailServers {
  /** CASEWORK_TEST_IMAP_PORT and friends, or CASEWORK_TEST_MAIL_UNAVAILABLE with the reason. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the test mail servers on CASEWORK_TEST_IMAP_PORT / CASEWORK_TEST_SMTP_PORT (17143 and
 * 17025 unless set). Never throws: when they cannot run, the other suites still run and the mail
 * tests fail with the sentence saying what to install.
 */
export async function startTestMailServers(options: {
  dataDir: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}): Promise<TestMailServers> {
  const env = options.env ?? process.env;
  const imapPort = Number(env.CASEWORK_TEST_IMAP_PORT ?? 17143);
  const smtpPort = Number(env.CASEWORK_TEST_SMTP_PORT ?? 17025);

  try {
    const servers = await startMailServers({ ...options, imapPort, smtpPort });
    return {
      env: {
        CASEWORK_TEST_MAIL_HOST: servers.host,
        CASEWORK_TEST_IMAP_PORT: String(servers.imapPort),
        CASEWORK_TEST_SMTP_PORT: String(servers.smtpPort),
        CASEWORK_TEST_MAIL_PASSWORD: servers.password,
      },
      stop: () => servers.stop(),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    options.log.warn({ reason }, 'test mail servers not started; the mail tests will fail');
    return { env: { CASEWORK_TEST_MAIL_UNAVAILABLE: reason }, stop: async () => undefined };
  }
}
