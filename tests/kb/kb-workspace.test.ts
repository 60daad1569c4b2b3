// The knowledge base in a real Chromium against the real stack: a customer searches the public
// help center without signing in, and an agent inserts a suggested KB article into a reply.
// Screenshots land in test-results/ for a human to look at.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { KbArticleView, KbSearchResult, MacroSearchResult } from '../../api/kb-contract.ts';
import { createMacro } from '../../db/repositories/knowledge-base.ts';
import { demoPassword } from '../../db/seed-accounts.ts';
import { eventually } from '../support/stack.ts';
import {
  createTicket,
  launchChromium,
  openedTicket,
  screenshotDir,
  startWorkspace,
  type Workspace,
} from '../e2e/workspace.ts';

let workspace: Workspace;
let browser: Browser;
const contexts: BrowserContext[] = [];
// A word no other test's KB article contains, so searches find exactly this file's articles.
const marker = `zq${randomUUID().slice(0, 6)}`;
let article: KbArticleView;

beforeAll(async () => {
  [workspace, browser] = await Promise.all([startWorkspace({ name: 'kb-e2e' }), launchChromium()]);
  const created = await workspace.api<KbArticleView>('/kb/articles', {
    body: {
      title: `Réinitialiser le routeur ${marker}`,
      body: `Débranchez le **routeur** ${marker} pendant dix secondes.`,
      tags: ['routeur'],
      language: 'fr',
      audience: 'public',
    },
  });
  article = (
    await workspace.api<KbArticleView>(`/kb/articles/${created.body.id}/publish`, { body: {} })
  ).body;
  await eventually(`KB article ${article.id} published in the help center`, async () => {
    // The help center lists it only once its published version is indexed.
    const found = await workspace.api<KbSearchResult>(`/help/articles?q=${marker}`);
    return found.body.hits.length > 0 ? true : null;
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await workspace?.stop();
});

async function openPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

describe('help center', () => {
  it('lets a customer who is not signed in find a public KB article typed without accents and read it', async () => {
    const page = await openPage();
    await page.goto(`${workspace.url}/help`);

    await page.getByLabel('Search the help center').fill(`reinitialiser routeur ${marker}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: new RegExp(marker) }).click();

    await page.getByRole('heading', { name: new RegExp(marker) }).waitFor();
    expect(await page.locator('article strong').textContent()).toBe('routeur');
    expect(page.url()).not.toContain('/sign-in');
    await page.screenshot({ path: path.join(screenshotDir, 'kb-help-center.png'), fullPage: true });
  });
});

describe('ticket suggestions', () => {
  it('suggests the KB article on the ticket page and inserts its link into the reply with one click', async () => {
    const ticketId = await createTicket(workspace, {
      subject: `Le routeur ${marker} ne marche plus`,
      body: `Bonjour, depuis ce matin le routeur ${marker} ne répond plus. Merci de votre aide.`,
    });
    await openedTicket(workspace, ticketId);
    const page = await openPage();
    await page.goto(`${workspace.url}/tickets/${ticketId}`);
    await page.getByLabel('Email').fill('alice@casework.example');
    await page.getByLabel('Password').fill(demoPassword());
    await page.getByRole('button', { name: 'Sign in' }).click();

    const suggestions = page.getByRole('region', { name: 'Suggested KB articles' });
    const ours = suggestions.getByRole('listitem').filter({ hasText: marker });
    await ours.getByRole('button', { name: 'Insert link' }).click();
    await ours.getByRole('button', { name: 'Inserted ✓' }).waitFor();
    await suggestions.getByRole('heading', { name: 'Attached to this ticket' }).waitFor();

    expect(await page.locator('#composer-body').inputValue()).toContain(
      `/help/articles/${article.id}`,
    );
    const shown = await workspace.api<KbArticleView>(`/kb/articles/${article.id}`);
    expect(shown.body.ticketCount).toBe(1);
    await page.screenshot({ path: path.join(screenshotDir, 'kb-suggestions.png'), fullPage: true });
  });
});

describe('macro suggestions', () => {
  it('suggests a macro with its placeholders filled and inserts it as a public reply with one click', async () => {
    await createMacro(workspace.stack.orm.em.fork(), {
      title: `Redémarrage du routeur ${marker}`,
      body: `Bonjour {{requester.name}}, pour le ticket #{{ticket.number}} : redémarrez le routeur ${marker}.\n{{agent.name}}`,
      tags: ['routeur'],
      language: 'fr',
      teamId: null,
    });
    await eventually(`macro ${marker} indexed`, async () => {
      const found = await workspace.api<MacroSearchResult>(`/kb/macros/search?q=${marker}`);
      return found.body.hits.length > 0 ? true : null;
    });
    const ticketId = await createTicket(workspace, {
      subject: `Le routeur ${marker} redémarre sans cesse`,
      body: `Bonjour, le routeur ${marker} redémarre toutes les cinq minutes.`,
    });
    await openedTicket(workspace, ticketId);
    const page = await openPage();
    await page.goto(`${workspace.url}/tickets/${ticketId}`);
    await page.getByLabel('Email').fill('alice@casework.example');
    await page.getByLabel('Password').fill(demoPassword());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('radio', { name: 'Internal note' }).check();

    const macros = page.getByRole('region', { name: 'Suggested macros' });
    const ours = macros.getByRole('listitem').filter({ hasText: marker });
    await ours.getByRole('button', { name: 'Insert' }).click();
    await ours.getByRole('button', { name: 'Inserted ✓' }).waitFor();

    expect(await page.locator('#composer-body').inputValue()).toContain(
      `Bonjour Pat Doe, pour le ticket #${ticketId} : redémarrez le routeur ${marker}.\nAlice Moreau`,
    );
    expect(await page.getByRole('radio', { name: 'Public reply' }).isChecked()).toBe(true);
    await page.screenshot({ path: path.join(screenshotDir, 'kb-macros.png'), fullPage: true });
  });
});

describe('KB article editor', () => {
  it('saves an edit as a new version, shows what changed and restores the old version', async () => {
    const page = await openPage();
    await page.goto(`${workspace.url}/kb/articles/${article.id}`);
    await page.getByLabel('Email').fill('alice@casework.example');
    await page.getByLabel('Password').fill(demoPassword());
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByLabel('Title').fill(`Redémarrer le routeur ${marker}`);
    await page.getByRole('button', { name: 'Save as version 3' }).click();
    await page.getByRole('heading', { name: `Redémarrer le routeur ${marker}` }).waitFor();
    await page.getByLabel('Compare from version 1').check();
    await page.getByLabel('Compare to version 3').check();
    await page.getByRole('button', { name: 'Show changes' }).click();
    const added = await page.locator('.diff ins').first().textContent();
    await page.getByRole('row', { name: /v1/ }).getByRole('button', { name: 'Restore' }).click();

    expect(added).toBe('Redémarrer');
    await page.getByRole('heading', { name: `Réinitialiser le routeur ${marker}` }).waitFor();
    expect(await page.getByRole('row', { name: /v4/ }).textContent()).toContain('restored from v1');
    await page.screenshot({ path: path.join(screenshotDir, 'kb-editor.png'), fullPage: true });
  });
});
