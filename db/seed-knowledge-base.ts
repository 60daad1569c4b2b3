// Demo content for the knowledge base: the seeded KB articles (tests/fixtures/kb/articles.ts,
// which the suggestion evaluation is labelled against) published and owned by each team's
// lead, a few macros, and two KB articles past their review date so a lead's review list has
// something to show. Runs once: a database that already holds KB articles is left alone.
import type { Logger } from 'pino';
import { seedArticles } from '../tests/fixtures/kb/articles.ts';
import type { KbLanguage } from './entities/knowledge-base.ts';
import { openOrm, type EntityManager } from './orm.ts';
import { createKbArticle, createMacro } from './repositories/knowledge-base.ts';

const seedMacros: {
  title: string;
  body: string;
  tags: string[];
  language: KbLanguage;
  team: string;
}[] = [
  {
    title: 'Password reset steps',
    body:
      'Hi {{requester.name}}, choose "Forgot password" on the sign-in page; the link works for ' +
      '60 minutes. Reply to ticket #{{ticket.number}} if it does not arrive.\n{{agent.name}}',
    tags: ['password'],
    language: 'en',
    team: 'Support',
  },
  {
    title: 'Refund confirmed',
    body:
      'Hi {{requester.name}}, we have refunded the duplicate charge on ticket #{{ticket.number}}; ' +
      'it reaches your account within five business days.\n{{agent.name}}',
    tags: ['refund'],
    language: 'en',
    team: 'Billing',
  },
  {
    title: 'Rückerstattung bestätigt',
    body:
      'Hallo {{requester.name}}, wir haben die doppelte Abbuchung zu Ticket #{{ticket.number}} ' +
      'erstattet; das Geld ist in fünf Werktagen auf Ihrem Konto.\n{{agent.name}}',
    tags: ['erstattung'],
    language: 'de',
    team: 'Billing',
  },
  {
    title: 'Réinitialisation du mot de passe',
    body:
      'Bonjour {{requester.name}}, choisissez « Mot de passe oublié » sur la page de connexion ' +
      '(ticket #{{ticket.number}}).\n{{agent.name}}',
    tags: ['mot de passe'],
    language: 'fr',
    team: 'Support',
  },
  {
    title: 'Olá! Redefinição de senha',
    body:
      'Olá {{requester.name}}, escolha "Esqueci a senha" na página de login ' +
      '(ticket #{{ticket.number}}).\n{{agent.name}}',
    tags: ['senha'],
    language: 'pt',
    team: 'Support',
  },
];

// Review dates relative to the seeding day, so the demo always has two overdue KB articles.
const overdueKeys = new Set(['en-printer', 'de-zahlungsmethode']);

/** Seeds the demo KB articles and macros once; never touches a database that already has KB articles. */
export async function seedKnowledgeBase(options: {
  databaseUrl: string;
  log: Logger;
}): Promise<void> {
  const orm = await openOrm({ databaseUrl: options.databaseUrl, poolMax: 2 });
  try {
    const em = orm.em.fork();
    const [existing] = await em
      .getConnection()
      .execute<{ total: string }[]>('select count(*) as total from kb_article');
    if (Number(existing!.total) > 0) {
      options.log.debug('knowledge base already present');
      return;
    }

    const teams = await loadTeams(em);
    for (const seed of seedArticles) {
      const team = teams.get(seed.team) ?? null;
      const reviewBy = daysFromToday(overdueKeys.has(seed.key) ? -14 : 180);
      await createKbArticle(em, {
        input: { ...seed, teamId: team?.id ?? null, ownerAgentId: team?.ownerId ?? null, reviewBy },
        agentId: team?.ownerId ?? null,
        status: 'published',
      });
    }
    for (const macro of seedMacros) {
      await createMacro(em, { ...macro, teamId: teams.get(macro.team)?.id ?? null });
    }
    options.log.info(
      { articles: seedArticles.length, macros: seedMacros.length },
      'knowledge base seeded',
    );
  } finally {
    await orm.close();
  }
}

/** Each team with the agent who owns its KB articles: the lead, else its first agent. */
async function loadTeams(
  em: EntityManager,
): Promise<Map<string, { id: number; ownerId: number | null }>> {
  const rows = await em
    .getConnection()
    .execute<{ id: number; name: string; owner_id: number | null }[]>(
      `select t.id, t.name,
            coalesce(t.lead_agent_id, (select min(a.id) from agent a where a.team_id = t.id)) as owner_id
       from team t`,
    );
  return new Map(rows.map((row) => [row.name, { id: row.id, ownerId: row.owner_id }]));
}

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
