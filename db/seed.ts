// The demo workgroup `npm start` brings up on an empty database: two teams with queues,
// five agents with skills, a business calendar, a default SLA policy and a few knowledge
// base articles' worth of content to try the product with. Seeding is idempotent: it only
// runs when no team exists yet, so restarts and real deployments are left alone.
import type { Logger } from 'pino';
import { openOrm, type EntityManager } from './orm.ts';
import {
  Agent,
  BusinessCalendar,
  Queue,
  SlaPolicy,
  Team,
  type StoredEscalationStep,
} from './entities/workgroup.ts';

const officeHours = [1, 2, 3, 4, 5].map((day) => ({
  day: day as 1 | 2 | 3 | 4 | 5,
  open: '09:00',
  close: '17:00',
}));

// Follow-up and auto-close count business time: two and five working days of eight hours.
// The ladder warns the lead half an hour early, raises the priority at the breach and hands a
// ticket still unanswered a working day later to the other team's queue.
const standardLadder: StoredEscalationStep[] = [
  {
    level: 1,
    target: 'first_response',
    offsetMinutes: -30,
    actions: [{ kind: 'notify_lead' }],
  },
  {
    level: 2,
    target: 'first_response',
    offsetMinutes: 0,
    actions: [{ kind: 'notify_lead' }, { kind: 'raise_priority' }],
  },
  {
    level: 1,
    target: 'next_response',
    offsetMinutes: 0,
    actions: [{ kind: 'notify_lead' }],
  },
  {
    level: 1,
    target: 'resolution',
    offsetMinutes: 0,
    actions: [{ kind: 'notify_lead' }, { kind: 'raise_priority' }],
  },
];

const demoAgents = [
  { name: 'Alice Moreau', email: 'alice@casework.example', team: 'Support', skills: ['support'] },
  { name: 'Bob Lindqvist', email: 'bob@casework.example', team: 'Support', skills: ['support'] },
  {
    name: 'Carol Nguyen',
    email: 'carol@casework.example',
    team: 'Support',
    skills: ['support', 'billing'],
  },
  { name: 'Dave Okafor', email: 'dave@casework.example', team: 'Billing', skills: ['billing'] },
  { name: 'Erin Schulz', email: 'erin@casework.example', team: 'Billing', skills: ['billing'] },
];

/** Creates the demo workgroup once; does nothing when the database already has teams. */
export async function seedDemoWorkgroup(options: {
  databaseUrl: string;
  log: Logger;
}): Promise<void> {
  const orm = await openOrm({ databaseUrl: options.databaseUrl, poolMax: 2 });
  try {
    const em = orm.em.fork();
    if ((await em.count(Team, {})) > 0) {
      options.log.debug('demo workgroup already present');
      return;
    }
    await em.transactional((tx) => createWorkgroup(tx));
    options.log.info({ teams: 2, agents: demoAgents.length }, 'demo workgroup seeded');
  } finally {
    await orm.close();
  }
}

async function createWorkgroup(em: EntityManager): Promise<void> {
  const calendar = em.create(BusinessCalendar, {
    name: 'Berlin office',
    timeZone: 'Europe/Berlin',
    weekly: officeHours,
    holidays: ['2026-12-24', '2026-12-25', '2026-12-26', '2027-01-01'],
  });
  const policy = em.create(SlaPolicy, {
    name: 'Standard',
    firstResponseMinutes: { urgent: 30, high: 60, normal: 240, low: 480 },
    resolutionMinutes: { urgent: 240, high: 480, normal: 1440, low: 2880 },
    followUpAfterMinutes: 2 * 8 * 60,
    autoCloseAfterMinutes: 5 * 8 * 60,
    nextResponseMinutes: { urgent: 60, high: 120, normal: 480, low: 960 },
    warnBeforeMinutes: 60,
    pauseStatuses: ['pending', 'on_hold'],
    escalationLadder: standardLadder,
  });
  await em.flush();

  const teams = new Map<string, Team>();
  for (const name of ['Support', 'Billing']) {
    teams.set(name, em.create(Team, { name, calendarId: calendar.id }));
  }
  await em.flush();

  const agents = demoAgents.map((a) =>
    em.create(Agent, {
      name: a.name,
      email: a.email,
      teamId: teams.get(a.team)!.id,
      skills: a.skills,
    }),
  );
  await em.flush();

  teams.get('Support')!.leadAgentId = agents[0]!.id;
  teams.get('Billing')!.leadAgentId = agents[3]!.id;
  em.create(Queue, {
    key: 'support',
    name: 'Support',
    teamId: teams.get('Support')!.id,
    skill: 'support',
    slaPolicyId: policy.id,
  });
  em.create(Queue, {
    key: 'billing',
    name: 'Billing',
    teamId: teams.get('Billing')!.id,
    skill: 'billing',
    slaPolicyId: policy.id,
  });
  await em.flush();
}
