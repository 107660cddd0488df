/**
 * The approval page in a real browser: Debian's headless Chromium driven by playwright-core, against
 * the real API, workers, Temporal and database. A requester signs in and sees no buttons, and a
 * decision posted anyway is refused; a cross-site form aimed at a signed-in approver decides nothing;
 * the approver reads the evidence, approves with a comment, and watches the release promote.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStage } from '../../lib/release/client';
import { startTestApi, type TestApi } from '../support/api';
import { adultTrainingSlice, registerTestModel } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

const model = 'income-page';

/** Debian's Chromium (apt-get install -y chromium; .ci/run installs it), or $CHROMIUM_PATH. */
function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  return candidates.find((c) => existsSync(c));
}
const hasApt = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const executablePath = findChromium();
if (!executablePath && !hasApt) {
  console.warn('\n!!! approval-page browser test SKIPPED: no Chromium here and no apt-get to install it (set CHROMIUM_PATH to run it) !!!\n');
}

describe.skipIf(!executablePath && !hasApt)('approval page in a real browser', () => {
  let h: Harness;
  let api: TestApi;
  let browser: Browser;
  let releaseId: string;
  let maria: string;
  let ravi: string;
  const shots = mkdtempSync(join(tmpdir(), 'steward-page-'));

  beforeAll(async () => {
    if (!executablePath) throw new Error('Chromium is not installed: apt-get install -y chromium (.ci/run installs it when missing)');
    h = await startHarness({ database: 'postgres' });
    api = await startTestApi(h);
    await registerTestModel(h.database.db, model, { approvers: ['ravi.risk', 'carol'] });
    maria = await api.token('maria', 'requester', model);
    ravi = await api.token('ravi.risk', 'approver', model);
    const started = await api.call('POST', '/v1/releases', maria, { model, dataFile: adultTrainingSlice(1500, 2000) });
    releaseId = started.json().releaseId;
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    await waitForStage(h.client, releaseId, 'awaiting-approval');
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await h?.close();
  });

  async function signIn(token: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${api.url}/ui/releases/${releaseId}`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`**/ui/releases/${releaseId}`), page.click('button[type=submit]')]);
    return page;
  }

  it('shows a requester the release and its evidence but no buttons, and refuses a decision posted anyway', async () => {
    const page = await signIn(maria);
    await expect(page.textContent('h1')).resolves.toContain(releaseId);
    expect(await page.locator('button.approve').count()).toBe(0);
    expect(await page.textContent('#cannot-decide')).toMatch(/Your role \(requester\) cannot approve or reject/);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'steward_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });

    // Posted by hand with the session cookie: without the form's CSRF token, refused.
    const forged = await page.request.post(`${api.url}/ui/releases/${releaseId}/decision`, { form: { decision: 'approve', comment: 'lgtm' } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('not issued by this site');
    // With a genuine CSRF token (from the sign-out form), refused for the role.
    const csrf = await page.getAttribute('input[name=csrf]', 'value');
    const asRequester = await page.request.post(`${api.url}/ui/releases/${releaseId}/decision`, { form: { decision: 'approve', comment: 'lgtm', csrf: csrf! } });
    expect(asRequester.status()).toBe(403);
    expect(await asRequester.text()).toMatch(/maria may not approve or reject releases of income-page: needs approver or admin/);
    expect((await h.client.workflow.getHandle(releaseId).query('status')) as { approvals: unknown[] }).toMatchObject({ stage: 'awaiting-approval', approvals: [] });
    await page.context().close();
  });

  it('lets the approver read the evidence, approve with a comment, and see the release promote; a cross-site form decides nothing', async () => {
    const page = await signIn(ravi);
    // Another site the signed-in approver visits posts the decision form at the API: the SameSite=Strict
    // session cookie is not sent, nothing is decided.
    const evil: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<form id="f" method="post" action="${api.url}/ui/releases/${releaseId}/decision"><input name="decision" value="approve"><input name="comment" value="pwned"></form><script>document.getElementById('f').submit()</script>`,
      ),
    );
    await new Promise<void>((r) => evil.listen(0, 'localhost', r));
    try {
      const attack = await page.context().newPage();
      const response = await Promise.all([attack.waitForURL(`**/ui/releases/${releaseId}/decision`), attack.goto(`http://localhost:${(evil.address() as { port: number }).port}/`)]);
      expect(response).toBeDefined();
      expect(await attack.textContent('body')).toMatch(/Sign in again to decide/);
      await attack.close();
    } finally {
      evil.close();
    }

    await page.reload();
    expect(await page.locator('button.approve').count()).toBe(1);
    expect(await page.textContent('#decisions')).toContain('No decision yet');
    expect(await page.textContent('main')).toMatch(/Release gate: PASS/);
    const card = page.frameLocator('iframe.card');
    await expect(card.locator('h1').textContent()).resolves.toMatch(/Model card: income-page v1/);
    expect(await card.locator('svg').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'approval-page.png'), fullPage: false });

    await page.fill('#comment', 'Fairness and calibration reviewed in the browser.');
    await Promise.all([page.waitForURL(/decided=approve/), page.click('button.approve')]);
    expect(await page.textContent('[role=status]')).toContain('Your decision (approve) was recorded');
    let status = '';
    for (let i = 0; i < 60 && status !== 'promoted'; i++) {
      await page.reload();
      status = (await page.textContent('#status'))!.trim();
      if (status !== 'promoted') await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe('promoted');
    expect(await page.textContent('#decisions')).toMatch(/ravi\.risk\s*approve.*Fairness and calibration reviewed in the browser\./s);
    writeFileSync(join(shots, 'promoted.html'), await page.content());

    const final = await h.client.workflow.getHandle(releaseId).result();
    expect(final.approvals).toMatchObject([{ principal: 'ravi.risk', comment: 'Fairness and calibration reviewed in the browser.', signature: { at: expect.any(String) } }]);
    const auditor = await api.token('audrey', 'auditor');
    const log = (await api.call('GET', `/v1/audit/access?model=${model}`, auditor)).json() as Array<{ principal: string; action: string; status: number }>;
    // The page reloads since the decision: the access rows of the decision and the card are written by now.
    expect(log).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: 'ravi.risk', action: 'ui.approve', status: 303 }),
        expect.objectContaining({ principal: 'ravi.risk', action: 'ui.card', status: 200 }),
        expect.objectContaining({ principal: 'maria', action: 'ui.approve', status: 403 }),
      ]),
    );
  });
});
