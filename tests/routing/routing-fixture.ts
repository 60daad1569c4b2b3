// A workgroup of the test's own on the shared test database: a team, queues whose skills
// no other test uses, agents with those skills and waiting ticket rows. Test files run in
// parallel against one database, so nothing here touches the seeded demo workgroup.
import { randomUUID } from 'node:crypto';
import type { Orm } from '../../db/orm.ts';

type Row = Record<string, unknown>;

export interface RoutingFixture {
  skill: string;
  otherSkill: string;
  teamId: number;
  queueId: number;
  otherQueueId: number;
  requesterId: number;
  /** Adds an agent with the fixture's skill unless told otherwise; returns the agent id. */
  addAgent(options: {
    name: string;
    skills?: string[];
    status?: string;
    rosterOrder?: number;
  }): Promise<number>;
  /** Adds an unassigned open ticket row that arrived at `createdAt`; returns the ticket id. */
  addWaitingTicket(options: { createdAt: string; queueId?: number }): Promise<number>;
}

/** Creates the fixture's team, two queues (one per skill) and a requester. */
export async function createRoutingFixture(orm: Orm): Promise<RoutingFixture> {
  const em = orm.em.fork();
  const tag = randomUUID().slice(0, 8);
  const skill = `routing-${tag}`;
  const otherSkill = `routing-other-${tag}`;

  const [team] = await em.execute<Row[]>('insert into team (name) values (?) returning id', [
    `Routing ${tag}`,
  ]);
  const [policy] = await em.execute<Row[]>('select id from sla_policy order by id limit 1');
  const addQueue = async (key: string, queueSkill: string) => {
    const [queue] = await em.execute<Row[]>(
      `insert into queue (key, name, team_id, skill, sla_policy_id)
       values (?, ?, ?, ?, ?) returning id`,
      [key, key, team!.id, queueSkill, policy!.id],
    );
    return Number(queue!.id);
  };
  const queueId = await addQueue(skill, skill);
  const otherQueueId = await addQueue(otherSkill, otherSkill);
  const [requester] = await em.execute<Row[]>(
    'insert into requester (name) values (?) returning id',
    [`Requester ${tag}`],
  );

  return {
    skill,
    otherSkill,
    teamId: Number(team!.id),
    queueId,
    otherQueueId,
    requesterId: Number(requester!.id),

    async addAgent(options) {
      const [agent] = await em.execute<Row[]>(
        `insert into agent (name, email, team_id, skills, status, roster_order, capacity)
         values (?, ?, ?, ?::jsonb, ?, ?, 3) returning id`,
        [
          options.name,
          `${options.name.toLowerCase()}-${tag}@agents.example`,
          team!.id,
          JSON.stringify(options.skills ?? [skill]),
          options.status ?? 'online',
          options.rosterOrder ?? 0,
        ],
      );
      return Number(agent!.id);
    },

    async addWaitingTicket(options) {
      const at = new Date(options.createdAt);
      const [ticket] = await em.execute<Row[]>(
        `insert into ticket (id, subject, status, priority, channel, queue_id, team_id,
            requester_id, created_at, updated_at, last_activity_at, version)
         values (nextval('ticket_number_seq'), 'Waiting', 'open', 'normal', 'api', ?, ?, ?,
            ?, ?, ?, 1)
         returning id`,
        [options.queueId ?? queueId, team!.id, requester!.id, at, at, at],
      );
      return Number(ticket!.id);
    },
  };
}

/** The ticket's assignee in the read model, null when unassigned. */
export async function assigneeOf(orm: Orm, ticketId: number): Promise<number | null> {
  const [row] = await orm.em
    .fork()
    .execute<Row[]>('select assignee_id from ticket where id = ?', [ticketId]);
  return row!.assignee_id === null ? null : Number(row!.assignee_id);
}
