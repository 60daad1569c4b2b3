import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { helpCenterRoutes, kbRoutes } from '../../api/routes/kb.ts';
import { problemHandler } from '../../api/errors.ts';
import { requestLog } from '../../api/middleware/request-log.ts';
import { quietLog, seedTicket } from '../search/support.ts';
import { createKbTestWorld, type KbTestWorld } from './support.ts';

let world: KbTestWorld;
let app: express.Express;

function newArticle(overrides: Record<string, unknown> = {}) {
  return {
    agentId: world.agent.id,
    title: 'Export invoices as PDF',
    body: '# Export\n\nOpen **Billing** and choose *Export*.\n',
    tags: ['billing', 'export'],
    language: 'en',
    audience: 'public',
    teamId: world.team.id,
    reviewBy: '2027-06-30',
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}) {
  const response = await request(app).post('/api/kb/articles').send(newArticle(overrides));
  expect(response.status).toBe(201);
  return response.body as { id: number; version: number };
}

beforeAll(async () => {
  world = await createKbTestWorld();
  app = express();
  app.use(requestLog(quietLog));
  app.use(express.json());
  const deps = {
    orm: world.orm,
    meili: world.meili,
    articleIndexUid: world.articleIndexUid,
    macroIndexUid: world.macroIndexUid,
    today: () => '2026-12-04',
  };
  app.use('/api', helpCenterRoutes(deps), kbRoutes(deps), problemHandler);
});

afterAll(async () => {
  await world.drop();
});

describe('KB article versions', () => {
  it('keeps every edit as a version with its author, diffs any two and restores an old one', async () => {
    const article = await create();
    await request(app)
      .patch(`/api/kb/articles/${article.id}`)
      .send({
        agentId: world.lead.id,
        expectedVersion: 1,
        title: 'Export invoices as PDF or CSV',
        body: '# Export\n\nOpen **Billing**, then *Export* and pick CSV.\n',
      })
      .expect(200);

    const versions = await request(app).get(`/api/kb/articles/${article.id}/versions`).expect(200);
    const diff = await request(app)
      .get(`/api/kb/articles/${article.id}/diff?from=1&to=2`)
      .expect(200);
    const restored = await request(app)
      .post(`/api/kb/articles/${article.id}/versions/1/restore`)
      .send({ agentId: world.agent.id })
      .expect(200);

    expect(
      versions.body.map((v: { version: number; editedBy: { name: string }; change: string }) => [
        v.version,
        v.editedBy.name,
        v.change,
      ]),
    ).toEqual([
      [2, 'Lena Lead', 'edited'],
      [1, 'Omar Agent', 'created'],
    ]);
    const title = diff.body.fields.find((field: { field: string }) => field.field === 'title');
    expect(title.parts).toContainEqual({ kind: 'added', text: 'or CSV' });
    expect(diff.body.fields.map((field: { field: string }) => field.field)).toEqual([
      'title',
      'body',
    ]);
    expect(restored.body).toMatchObject({ version: 3, title: 'Export invoices as PDF' });
    const history = await request(app).get(`/api/kb/articles/${article.id}/versions`);
    expect(history.body[0]).toMatchObject({ version: 3, change: 'restored from v1' });
  });

  it('refuses an edit made on a version someone else has already changed', async () => {
    const article = await create({ title: 'Change the billing address' });
    await request(app)
      .patch(`/api/kb/articles/${article.id}`)
      .send({ agentId: world.agent.id, expectedVersion: 1, tags: ['billing'] });

    const response = await request(app)
      .patch(`/api/kb/articles/${article.id}`)
      .send({ agentId: world.lead.id, expectedVersion: 1, title: 'Update the billing address' });

    expect(response.status).toBe(409);
    expect(response.body.detail).toContain('reload it');
  });

  it('renders the Markdown body as HTML without scripts or event handlers', async () => {
    const article = await create({
      body: 'Hello <script>alert(1)</script><img src=x onerror="alert(2)"> **bold**',
    });

    const response = await request(app).get(`/api/kb/articles/${article.id}`).expect(200);

    expect(response.body.html).toContain('<strong>bold</strong>');
    expect(response.body.html).not.toMatch(/script|onerror/);
  });
});

describe('the help center', () => {
  it('lists and opens published public KB articles only', async () => {
    const published = await create({ title: 'Téléchargez vos factures', language: 'fr' });
    const internal = await create({
      title: 'Factures: remboursement manuel',
      language: 'fr',
      audience: 'internal',
    });
    const draft = await create({ title: 'Factures annuelles', language: 'fr' });
    for (const { id } of [published, internal]) {
      await request(app)
        .post(`/api/kb/articles/${id}/publish`)
        .send({ agentId: world.agent.id })
        .expect(200);
    }
    await world.waitForIndexing();

    const search = await request(app).get('/api/help/articles?q=factures').expect(200);
    const openInternal = await request(app).get(`/api/help/articles/${internal.id}`);
    const openDraft = await request(app).get(`/api/help/articles/${draft.id}`);

    expect(search.body.hits.map((hit: { id: number }) => hit.id)).toEqual([published.id]);
    expect(search.body.facets).not.toHaveProperty('teamName');
    expect(openInternal.status).toBe(404);
    expect(openDraft.status).toBe(404);
  });
});

describe('KB articles and tickets', () => {
  it('counts each ticket a KB article was attached to once', async () => {
    const article = await create({ title: 'Reset two-factor authentication' });
    const first = await seedTicket(world.orm, { subject: 'Lost my phone' });
    const second = await seedTicket(world.orm, { subject: 'New phone, no codes' });

    for (const ticketId of [first, first, second]) {
      await request(app)
        .post(`/api/tickets/${ticketId}/kb-articles`)
        .send({ agentId: world.agent.id, articleId: article.id })
        .expect(200);
    }
    const shown = await request(app).get(`/api/kb/articles/${article.id}`);
    const attached = await request(app).get(`/api/tickets/${first}/kb-articles`);

    expect(shown.body.ticketCount).toBe(2);
    expect(attached.body.map((item: { id: number }) => item.id)).toEqual([article.id]);
  });

  it('suggests the published KB article in the ticket language and records its use', async () => {
    const german = await create({
      title: 'Drucker druckt nach dem Update nicht mehr',
      language: 'de',
      tags: ['drucker'],
    });
    const english = await create({
      title: 'Printer stopped printing after the update',
      language: 'en',
    });
    for (const { id } of [german, english]) {
      await request(app).post(`/api/kb/articles/${id}/publish`).send({ agentId: world.agent.id });
    }
    await world.waitForIndexing();
    const ticketId = await seedTicket(world.orm, {
      subject: 'Unser Drucker geht nicht',
      messages: [
        {
          kind: 'inbound',
          text: 'Seit dem Update druckt der Drucker im Büro nicht mehr. Bitte um Hilfe.',
        },
      ],
    });

    const suggested = await request(app).get(`/api/tickets/${ticketId}/kb-suggestions`).expect(200);
    const used = await request(app)
      .post(`/api/tickets/${ticketId}/kb-suggestions/${german.id}/use`)
      .send({ agentId: world.agent.id, rank: 1 })
      .expect(200);

    expect(suggested.body.language).toBe('de');
    expect(suggested.body.suggestions[0]).toMatchObject({
      id: german.id,
      url: `/help/articles/${german.id}`,
      rank: 1,
    });
    expect(suggested.body.suggestions.map((s: { id: number }) => s.id)).not.toContain(english.id);
    expect(used.body.ticketCount).toBe(1);
    const [row] = await world.orm.em
      .getConnection()
      .execute('select rank from kb_suggestion_use where ticket_id = ?', [ticketId]);
    expect(row).toEqual({ rank: 1 });
  });
});

describe('the lead review list', () => {
  it('shows leads the published KB articles past their review date and searches that keep missing', async () => {
    const overdue = await create({ title: 'Old refund policy', reviewBy: '2026-01-31' });
    await create({ title: 'Fresh refund policy', reviewBy: '2027-01-31' });
    await request(app)
      .post(`/api/kb/articles/${overdue.id}/publish`)
      .send({ agentId: world.agent.id });
    await world.waitForIndexing();
    for (const q of ['zzyzx gateway', 'Zzyzx  Gateway', 'zzyzx gateway']) {
      await request(app)
        .get(`/api/help/articles?q=${encodeURIComponent(q)}`)
        .expect(200);
    }

    const review = await request(app).get(`/api/kb/review?agentId=${world.lead.id}`).expect(200);
    const refused = await request(app).get(`/api/kb/review?agentId=${world.agent.id}`);

    expect(review.body.overdue.map((item: { id: number }) => item.id)).toEqual([overdue.id]);
    expect(review.body.missingSearches).toEqual([expect.objectContaining({ count: 3 })]);
    expect(refused.status).toBe(403);
  });
});
