// The mail process's workflow bundle: the workflow types its worker runs (one poller per mailbox).
export { mailboxPollerWorkflow } from './mailbox-poller.ts';
