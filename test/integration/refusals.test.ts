/**
 * Bad input refused at the door: before a workflow starts or a row is written, with the catalogue
 * error that names the problem and where it is; and, past the door, a bad path that fails once
 * instead of being retried forever.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataActivities } from '../../activities/data';
import { auditEvents, datasets, models, releases } from '../../db/schema';
import { StewardError } from '../../lib/core/errors';
import { releaseState, startRelease } from '../../lib/release/client';
import { registerModel } from '../../lib/registry/models';
import { adultTrainingSlice, registerTestModel, testPolicy, textFile } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';

async function refusal(p: Promise<unknown>): Promise<StewardError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StewardError) return e;
    throw e;
  }
  throw new Error('expected the request to be refused');
}

describe('refused at the door', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database: 'postgres', trainingWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses to register a policy whose evaluation file is missing, and registers nothing', async () => {
    const policy = testPolicy('door-missing-eval');
    policy.data.evaluationFile = '/nonexistent/adult.test';
    const e = await refusal(registerModel(h.database.db, policy));
    expect(e.type).toBe('InvalidPolicy');
    expect(e.location).toMatchObject({ file: '/nonexistent/adult.test', field: 'data.evaluationFile' });
    expect(e.message).toContain('no such file');
    expect(await h.database.db.select().from(models).where(eq(models.name, 'door-missing-eval'))).toEqual([]);
  });

  it('refuses releases of files that are missing, directories, empty or binary: no workflow, no row', async () => {
    const model = 'door-release';
    await registerTestModel(h.database.db, model);
    const dir = join(textFile('placeholder.txt', ''), '..', 'a-directory');
    mkdirSync(dir, { recursive: true });
    const binary = join(dir, '..', 'model.bin');
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]));
    const cases: Array<[string, string, string]> = [
      ['/nonexistent/batch.csv', 'NotFound', 'no such file'],
      [dir, 'InvalidInput', 'is a directory'],
      [textFile('empty.csv', ''), 'InvalidInput', 'is empty'],
      [binary, 'MalformedData', 'is binary (a NUL byte at offset 4)'],
    ];
    for (const [file, type, message] of cases) {
      const e = await refusal(startRelease(h.client, { model, dataFile: file, requestedBy: 'alice' }));
      expect(e.type, file).toBe(type);
      expect(e.message).toContain(message);
      expect(e.location).toMatchObject({ file, field: 'dataFile' });
    }
    const started = [];
    for await (const wf of h.client.workflow.list({ query: `StewardModel="${model}"` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
    expect(await h.database.db.select().from(releases).where(eq(releases.model, model))).toEqual([]);
  });

  it('refuses training overrides outside the recipe\'s own rules before anything starts', async () => {
    const e = await refusal(
      startRelease(h.client, { model: 'door-release', dataFile: adultTrainingSlice(1200), requestedBy: 'alice', trainingOverrides: { epochs: 0 } as never }),
    );
    expect(e.type).toBe('InvalidInput');
    expect(e.location.field).toBe('trainingOverrides.epochs');
    const typo = await refusal(startRelease(h.client, { model: 'door-release', dataFile: adultTrainingSlice(1200), requestedBy: 'alice', trainingOverrides: { epoch: 3 } as never }));
    expect(typo.message).toContain('"epoch" (did you mean "epochs"?)');
  });

  it('fails a data path that became a directory once, as a catalogue error, without retrying and without writing', async () => {
    const dir = join(textFile('placeholder2.txt', ''), '..', 'became-a-directory');
    mkdirSync(dir, { recursive: true });
    const activities = createDataActivities({ db: h.database.db, artifacts: h.artifacts, compute: h.compute, codeVersion: 'test' });
    const policy = testPolicy('door-activity');
    const err = await new MockActivityEnvironment().run(activities.validateData, { releaseId: 'r-dir', model: 'door-activity', file: dir, policy }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((err as Error).message).toContain('is a directory');
    expect(await h.database.db.select().from(datasets)).toEqual([]);
    expect(await h.database.db.select().from(auditEvents).where(eq(auditEvents.releaseId, 'r-dir'))).toEqual([]);
  });
});

describe('privacy in errors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ database: 'embedded', trainingWorker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('names the row, column and rule of a bad cell in a protected or personal column, never its value: not in history, audit or the error', async () => {
    const model = 'privacy-errors';
    const policy = testPolicy(model);
    policy.data.personal = ['fnlwgt'];
    await registerModel(h.database.db, policy);
    const lines = readFileSync(adultTrainingSlice(1200, 0), 'utf8').trimEnd().split('\n');
    const cells = lines[4].split(', ');
    cells[2] = 'SSN 123-45-6789'; // fnlwgt: personal by policy, not an integer
    cells[9] = 'Jane Q. Public'; // sex: protected, not an allowed category
    lines[4] = cells.join(', ');
    const file = textFile('privacy.csv', `${lines.join('\n')}\n`);

    const id = await startRelease(h.client, { model, dataFile: file, requestedBy: 'alice' });
    await h.client.workflow
      .getHandle(id)
      .result()
      .catch(() => undefined); // a failed release fails its workflow; its state says why
    const outcome = await releaseState(h.client, id);
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toContain('row 5');
    expect(outcome.reason).toContain('column "fnlwgt"');
    expect(outcome.reason).toContain('<redacted: 15 characters>');

    const history = JSON.stringify(await h.client.workflow.getHandle(id).fetchHistory());
    const audit = JSON.stringify(await h.database.db.select().from(auditEvents).where(eq(auditEvents.releaseId, id)));
    for (const secret of ['123-45-6789', 'Jane Q. Public']) {
      expect(history).not.toContain(secret);
      expect(audit).not.toContain(secret);
      expect(outcome.reason).not.toContain(secret);
    }
    expect(audit).toContain('not allowed');
  });
});
