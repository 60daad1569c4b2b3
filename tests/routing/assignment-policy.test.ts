import { describe, expect, it } from '@jest/globals';
import {
  AgentStatus,
  AssignmentStrategy,
  chooseAssignee,
  keepsPreviousOwner,
  type AssignmentCandidate,
  type AssignmentDecision,
} from '../../workflows/policies/assignment.ts';

// The C06 case (cases/README.md) replayed over the pure policy: each event changes an
// in-memory roster the way the database would, and each new or reopened ticket asks the
// policy, exactly as the workflow does with the candidates its activity loaded.

const roster = ['alice', 'bob', 'carol', 'dave'] as const;
type Name = (typeof roster)[number];
const idOf = (name: Name) => roster.indexOf(name) + 1;
const nameOf = (id: number | null) => (id === null ? null : roster[id - 1]!);
const at = (hhmm: string) => Date.parse(`2025-03-13T${hhmm}:00Z`);

type Event =
  | { at: string; kind: 'new'; ticket: string }
  | { at: string; kind: 'reopen'; ticket: string }
  | { at: string; kind: 'status'; agent: Name; status: AgentStatus }
  | { at: string; kind: 'resolve'; agent: Name };

interface Assignment {
  ticket: string;
  at: string;
  agent: Name | null;
  reason: string;
}

class Simulation {
  readonly candidates: AssignmentCandidate[];
  readonly owners = new Map<string, Name | null>();
  readonly assignments: Assignment[] = [];
  reassignments = 0;
  readonly strategy: AssignmentStrategy;

  constructor(options: { strategy: AssignmentStrategy; candidates: AssignmentCandidate[] }) {
    this.strategy = options.strategy;
    this.candidates = options.candidates;
  }

  apply(event: Event): void {
    if (event.kind === 'status') this.candidate(event.agent).status = event.status;
    if (event.kind === 'resolve') this.candidate(event.agent).openTickets -= 1;
    if (event.kind === 'new') this.assign(event, null);
    if (event.kind === 'reopen') this.assign(event, this.owners.get(event.ticket) ?? null);
  }

  countsByAgent(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const a of this.assignments) {
      if (a.agent !== null) counts[a.agent] = (counts[a.agent] ?? 0) + 1;
    }
    return counts;
  }

  private assign(event: { at: string; ticket: string }, previous: Name | null): void {
    const decision: AssignmentDecision = chooseAssignee({
      strategy: this.strategy,
      skill: 'support',
      candidates: this.candidates.map((c) => ({ ...c, available: c.status === 'online' })),
      previousAssigneeId: previous === null ? null : idOf(previous),
    });
    const agent = nameOf(decision.agentId);

    if (agent !== null) {
      const chosen = this.candidate(agent);
      chosen.openTickets += 1;
      chosen.lastAssignedAt = at(event.at);
    }
    if (previous !== null && agent !== previous) this.reassignments += 1;
    this.owners.set(event.ticket, agent);
    this.assignments.push({ ticket: event.ticket, at: event.at, agent, reason: decision.reason });
  }

  private candidate(name: Name): AssignmentCandidate {
    return this.candidates.find((c) => c.agentId === idOf(name))!;
  }
}

function agent(name: Name, overrides: Partial<AssignmentCandidate> = {}): AssignmentCandidate {
  return {
    agentId: idOf(name),
    status: AgentStatus.Online,
    available: true,
    skills: ['support'],
    openTickets: 0,
    capacity: 3,
    lastAssignedAt: null,
    rosterOrder: roster.indexOf(name),
    ...overrides,
  };
}

function c06Start(): Simulation {
  const simulation = new Simulation({
    strategy: AssignmentStrategy.RoundRobin,
    candidates: [
      agent('alice'),
      agent('bob'),
      agent('carol', { status: AgentStatus.Offline }),
      agent('dave', { openTickets: 3, lastAssignedAt: at('08:30') }),
    ],
  });
  // R-9 was assigned to alice and resolved before the day starts: it holds no capacity.
  simulation.owners.set('R-9', 'alice');
  return simulation;
}

const c06Events: Event[] = [
  { at: '09:00', kind: 'new', ticket: 'T-1' },
  { at: '09:01', kind: 'new', ticket: 'T-2' },
  { at: '09:02', kind: 'new', ticket: 'T-3' },
  { at: '09:03', kind: 'status', agent: 'carol', status: AgentStatus.Online },
  { at: '09:04', kind: 'new', ticket: 'T-4' },
  { at: '09:05', kind: 'status', agent: 'alice', status: AgentStatus.Offline },
  { at: '09:06', kind: 'reopen', ticket: 'R-9' },
  { at: '09:07', kind: 'new', ticket: 'T-5' },
  { at: '09:08', kind: 'resolve', agent: 'dave' },
  { at: '09:09', kind: 'new', ticket: 'T-6' },
];

function runC06(): Simulation {
  const simulation = c06Start();
  for (const event of c06Events) simulation.apply(event);
  return simulation;
}

describe('round-robin assignment over the C06 day', () => {
  it('gives each ticket to the least-recently-assigned eligible agent, ties in roster order', () => {
    const simulation = runC06();

    const assignees = simulation.assignments.map((a) => [a.ticket, a.agent]);
    expect(assignees).toEqual([
      ['T-1', 'alice'],
      ['T-2', 'bob'],
      ['T-3', 'alice'],
      ['T-4', 'carol'],
      ['R-9', 'bob'],
      ['T-5', 'carol'],
      ['T-6', 'dave'],
    ]);
  });

  it('ends the day with alice 2, bob 2, carol 2 and dave 1', () => {
    const simulation = runC06();

    expect(simulation.countsByAgent()).toEqual({ alice: 2, bob: 2, carol: 2, dave: 1 });
  });

  it('reassigns reopened R-9 away from offline alice, saying why and counting one reassignment', () => {
    const simulation = runC06();

    const reopened = simulation.assignments.find((a) => a.ticket === 'R-9')!;
    expect(reopened.agent).toBe('bob');
    expect(reopened.reason).toBe('previous assignee offline');
    expect(simulation.reassignments).toBe(1);
    expect(simulation.owners.get('R-9')).toBe('bob');
  });

  it('never assigns to alice after she logs off, to carol before she logs on, or to full dave', () => {
    const simulation = runC06();

    const byMinute = (a: Assignment) => at(a.at);
    const of = (name: Name) => simulation.assignments.filter((a) => a.agent === name);
    expect(of('alice').every((a) => byMinute(a) < at('09:05'))).toBe(true);
    expect(of('carol').every((a) => byMinute(a) > at('09:03'))).toBe(true);
    expect(of('dave').every((a) => byMinute(a) > at('09:08'))).toBe(true);
  });

  it('leaves T-1 and T-3 with alice when she goes offline', () => {
    const simulation = runC06();

    expect(simulation.owners.get('T-1')).toBe('alice');
    expect(simulation.owners.get('T-3')).toBe('alice');
  });

  it('leaves a ticket unassigned, saying why, when nobody is online with room', () => {
    const simulation = c06Start();
    simulation.apply({ at: '09:00', kind: 'status', agent: 'alice', status: AgentStatus.Away });
    simulation.apply({ at: '09:00', kind: 'status', agent: 'bob', status: AgentStatus.Offline });

    simulation.apply({ at: '09:01', kind: 'new', ticket: 'T-1' });

    const [only] = simulation.assignments;
    expect(only!.agent).toBeNull();
    expect(only!.reason).toBe('no available agent with skill "support" below capacity');
  });
});

describe('reopen keeps or replaces the previous owner', () => {
  it('keeps an online previous owner with room, even when a colleague waited longer', () => {
    const candidates = [agent('alice', { lastAssignedAt: at('09:05') }), agent('bob')];

    const decision = chooseAssignee({
      strategy: AssignmentStrategy.RoundRobin,
      skill: 'support',
      candidates,
      previousAssigneeId: idOf('alice'),
    });

    expect(keepsPreviousOwner(candidates, idOf('alice'))).toBe(true);
    expect(decision.agentId).toBe(idOf('alice'));
  });

  it('replaces an away or full previous owner and names the cause', () => {
    const away = [agent('alice', { status: AgentStatus.Away }), agent('bob')];
    const full = [agent('alice', { openTickets: 3 }), agent('bob')];

    const fromAway = chooseAssignee({ skill: 'support', candidates: away, previousAssigneeId: 1 });
    const fromFull = chooseAssignee({ skill: 'support', candidates: full, previousAssigneeId: 1 });

    expect(keepsPreviousOwner(away, 1)).toBe(false);
    expect(keepsPreviousOwner(full, 1)).toBe(false);
    expect(fromAway).toMatchObject({ agentId: idOf('bob'), reason: 'previous assignee away' });
    expect(fromFull).toMatchObject({
      agentId: idOf('bob'),
      reason: 'previous assignee at capacity',
    });
  });

  it('unassigns a reopened ticket when its offline owner has no eligible colleague', () => {
    const candidates = [agent('alice', { status: AgentStatus.Offline })];

    const decision = chooseAssignee({
      skill: 'support',
      candidates,
      previousAssigneeId: idOf('alice'),
    });

    expect(decision.agentId).toBeNull();
    expect(decision.reason).toMatch(/^previous assignee offline; no available agent/);
  });
});

describe('least-open assignment and skills', () => {
  it('is the strategy when none is given: the fewest open tickets wins over who waited longest', () => {
    const candidates = [
      agent('alice', { openTickets: 2, lastAssignedAt: at('08:00') }),
      agent('bob', { openTickets: 1, lastAssignedAt: at('08:59') }),
    ];

    const implicit = chooseAssignee({ skill: 'support', candidates });
    const roundRobin = chooseAssignee({
      strategy: AssignmentStrategy.RoundRobin,
      skill: 'support',
      candidates,
    });

    expect(implicit.agentId).toBe(idOf('bob'));
    expect(implicit.reason).toBe('least open tickets (1) with skill "support"');
    expect(roundRobin.agentId).toBe(idOf('alice'));
  });

  it('breaks an equal load by who waited longest, then by roster order', () => {
    const candidates = [
      agent('carol', { openTickets: 1, rosterOrder: 0 }),
      agent('alice', { openTickets: 1, rosterOrder: 2 }),
      agent('bob', { openTickets: 1, lastAssignedAt: at('08:00') }),
    ];

    const decision = chooseAssignee({
      strategy: AssignmentStrategy.LeastOpen,
      skill: 'support',
      candidates,
    });

    expect(nameOf(decision.agentId)).toBe('carol');
  });

  it('gives a queue ticket only to an agent with the queue skill, under either strategy', () => {
    const candidates = [
      agent('alice', { skills: ['support'] }),
      agent('bob', { skills: ['support', 'billing'], openTickets: 2, lastAssignedAt: at('09:00') }),
    ];

    for (const strategy of [AssignmentStrategy.LeastOpen, AssignmentStrategy.RoundRobin]) {
      const decision = chooseAssignee({ strategy, skill: 'billing', candidates });

      expect(nameOf(decision.agentId)).toBe('bob');
    }
  });

  it('decides by the old availability flag for candidates recorded before statuses existed', () => {
    const recorded = [
      { ...agent('alice'), status: undefined, available: false },
      { ...agent('bob', { openTickets: 2 }), status: undefined, rosterOrder: undefined },
    ];

    const decision = chooseAssignee({ skill: 'support', candidates: recorded });

    expect(nameOf(decision.agentId)).toBe('bob');
  });
});
