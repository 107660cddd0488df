/**
 * Serving fixtures: model versions trained in-process on Adult slices and registered as a release
 * would register them (artifact, version row, optionally the production pointer), JSON instances
 * read from Adult through the model's policy, a gateway on loopback, and a typed HTTP client.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import type { StewardDb } from '../../db/client';
import { approvals, modelVersions, production } from '../../db/schema';
import type { Table } from '../../lib/data/table';
import { trainClassifier } from '../../lib/model/train';
import { loadModelTable } from '../../lib/policy/io';
import type { Policy } from '../../lib/policy/schema';
import type { ArtifactStore } from '../../lib/runtime/artifacts';
import { startGateway, type FaultRule, type Gateway } from '../../serving/gateway';
import { adultEvaluationSlice, adultTrainingSlice } from './fixtures';

/** The secret test gateways hash with (a real deployment takes it from STEWARD_LOG_KEY). */
export const testLogSecret = Buffer.from('test-log-secret-0123456789abcdef');

/**
 * Trains a small network on `rows` Adult rows (or on `file`, read through the policy) and registers it as the model's next version
 * (status `candidate`, or `production` with the pointer when `promote`).
 *
 * @example const v1 = await registerTrainedVersion(h.database.db, h.artifacts, policy, { rows: 1500, promote: true });
 */
export async function registerTrainedVersion(
  db: StewardDb,
  artifacts: ArtifactStore,
  policy: Policy,
  o: { rows?: number; skip?: number; file?: string; promote?: boolean; status?: 'candidate' | 'retired'; hiddenUnits?: number[]; approvedBy?: string } = {},
): Promise<number> {
  const file = o.file ?? adultTrainingSlice(o.rows ?? 1500, o.skip ?? 0);
  const data = await loadModelTable(file, policy);
  const trained = await trainClassifier({ table: data.table, config: { ...policy.training, hiddenUnits: o.hiddenUnits ?? [16], epochs: 2, earlyStopping: { enabled: false } } });
  return registerStoredVersion(db, artifacts, policy, trained.modelBytes, {
    ...o,
    dataSha256: data.sha256,
    dataRows: data.rows,
    pipelineSha256: trained.pipeline.fingerprint,
    trainingConfigHash: trained.configSha256,
    weightsSha256: trained.weightsSha256,
    backend: trained.backend.name,
    epochs: trained.epochsRun,
  });
}

/**
 * Registers stored model bytes (trained in the test, or an imported container) as the model's next
 * version, as a release would: the artifact, the version row, optionally the production pointer.
 *
 * @example const v1 = await registerStoredVersion(db, artifacts, policy, bytes, { promote: true });
 */
export async function registerStoredVersion(
  db: StewardDb,
  artifacts: ArtifactStore,
  policy: Policy,
  modelBytes: Uint8Array,
  o: {
    promote?: boolean;
    status?: 'candidate' | 'retired';
    approvedBy?: string;
    dataSha256?: string;
    dataRows?: number;
    pipelineSha256?: string;
    trainingConfigHash?: string;
    weightsSha256?: string;
    backend?: string;
    epochs?: number;
  } = {},
): Promise<number> {
  const modelSha256 = await artifacts.put(Buffer.from(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength));
  const [{ next }] = await db
    .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0) + 1` })
    .from(modelVersions)
    .where(eq(modelVersions.model, policy.model));
  const version = Number(next);
  const releaseId = `fixture-${policy.model}-${version}`;
  const dataSha256 = o.dataSha256 ?? 'f'.repeat(64);
  await db.insert(modelVersions).values({
    model: policy.model,
    version,
    releaseId,
    status: o.promote ? 'production' : (o.status ?? 'candidate'),
    dataSha256,
    modelSha256,
    pipelineSha256: o.pipelineSha256 ?? modelSha256,
    metrics: {},
    lineage: {
      dataSha256,
      dataRows: o.dataRows ?? 0,
      codeVersion: 'test',
      trainingConfigHash: o.trainingConfigHash ?? 'fixture',
      weightsSha256: o.weightsSha256 ?? modelSha256,
      backend: o.backend ?? 'fixture',
      taskQueue: 'fixture',
      epochs: o.epochs ?? 0,
      policyHash: 'fixture',
      parentVersion: null,
    },
    promotedAt: o.promote ? new Date() : null,
  });
  if (o.approvedBy) await db.insert(approvals).values({ releaseId, principal: o.approvedBy, decision: 'approve', comment: 'fixture', decidedAt: new Date() });
  if (o.promote) {
    await db.update(modelVersions).set({ status: 'retired' }).where(and(eq(modelVersions.model, policy.model), eq(modelVersions.status, 'production'), sql`${modelVersions.version} <> ${version}`));
    await db
      .insert(production)
      .values({ model: policy.model, version, releaseId })
      .onConflictDoUpdate({ target: production.model, set: { version, releaseId, updatedAt: new Date() } });
  }
  return version;
}

/** Adult test rows as prediction instances (the label left out), read through the policy, with their table. */
export async function adultInstances(policy: Policy, rows: number): Promise<{ file: string; instances: Record<string, string | number | null>[]; table: Table }> {
  return fileInstances(policy, adultEvaluationSlice(rows));
}

/** A data file's rows as prediction instances (every contract column but the label), read through the policy, with their table. */
export async function fileInstances(policy: Policy, file: string): Promise<{ file: string; instances: Record<string, string | number | null>[]; table: Table }> {
  const data = await loadModelTable(file, policy);
  const names = policy.contract.columns.map((c) => c.name).filter((n) => n !== policy.data.label.column);
  const instances = Array.from({ length: data.rows }, (_, i) => {
    const instance: Record<string, string | number | null> = {};
    for (const n of names) {
      const v = data.table[n]![i];
      instance[n] = v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? null : (v as string | number);
    }
    return instance;
  });
  return { file, instances, table: data.table };
}

/** A gateway on a free loopback port over the harness's database and artifacts, with its own spool folder. */
export async function startTestGateway(db: StewardDb, artifacts: ArtifactStore, o: { faults?: FaultRule[]; maxRows?: number; bodyLimit?: number; spoolRoot?: string } = {}): Promise<Gateway> {
  return startGateway({
    db,
    artifacts,
    secret: testLogSecret,
    port: 0,
    spoolRoot: o.spoolRoot ?? mkdtempSync(join(tmpdir(), 'steward-spool-')),
    faults: o.faults,
    maxRows: o.maxRows,
    bodyLimit: o.bodyLimit,
    warn: () => {},
  });
}

export interface PredictResponse {
  status: number;
  /** `predictions`: one number per instance, or (multiclass, with `classes`) one probability vector per instance. */
  body: { predictions?: number[]; classes?: string[]; model_version?: string; prediction_ids?: string[]; error?: string; type?: string; field?: string };
}

/** POSTs instances to a gateway's predict endpoint. */
export async function predictOver(url: string, model: string, instances: unknown, o: { key?: string; rawBody?: string } = {}): Promise<PredictResponse> {
  const res = await fetch(`${url}/v1/models/${model}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(o.key ? { 'x-steward-key': o.key } : {}) },
    body: o.rawBody ?? JSON.stringify({ instances }),
  });
  return { status: res.status, body: (await res.json()) as PredictResponse['body'] };
}

/** Steady prediction traffic (random request keys) until stopped; returns what was sent and the status codes seen. */
export function startTraffic(url: string, model: string, instances: Record<string, unknown>[], rps: number): { stop(): Promise<{ sent: number; codes: Record<number, number> }> } {
  let running = true;
  let sent = 0;
  const codes: Record<number, number> = {};
  const loop = (async () => {
    while (running) {
      const t0 = Date.now();
      const batch = Array.from({ length: Math.max(1, Math.round(rps / 20)) }, () => {
        const instance = instances[Math.floor(Math.random() * instances.length)];
        return predictOver(url, model, [instance], { key: `k-${Math.floor(Math.random() * 1e9)}` })
          .then((r) => (codes[r.status] = (codes[r.status] ?? 0) + 1))
          .catch(() => (codes[0] = (codes[0] ?? 0) + 1));
      });
      sent += batch.length;
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - t0))));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { sent, codes };
    },
  };
}
