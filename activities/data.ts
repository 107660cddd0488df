/**
 * Data validation for a release: the file is checked against the model's data contract, profiled,
 * compared with the production version's training reference (drift), and copied into the artifact
 * store under its sha256 so training workers read exactly the bytes that were checked.
 */
import { and, eq } from 'drizzle-orm';
import { datasets, modelVersions, production } from '../db/schema';
import { appendAudit } from '../lib/audit';
import { assertContract, checkContract, parseContract } from '../lib/data/contract';
import { scanChunks } from '../lib/data/reader';
import { ProfileBuilder, type DatasetProfile } from '../lib/drift/profile';
import { computeDrift, type DriftConfig, type DriftReport } from '../lib/drift/suite';
import { StewardError } from '../lib/errors';
import { readOptionsFor } from '../lib/data-io';
import { parsePolicy } from '../lib/policy';
import type { DataValidation } from '../lib/release-types';
import type { ActivityDeps } from './deps';
import { withFailureTypes } from './failures';

/** The training reference profile of the model's production version, if there is one. */
async function productionReference(deps: ActivityDeps, model: string): Promise<DatasetProfile | null> {
  const [row] = await deps.db
    .select({ profile: datasets.profile })
    .from(production)
    .innerJoin(modelVersions, and(eq(modelVersions.model, production.model), eq(modelVersions.version, production.version)))
    .innerJoin(datasets, eq(datasets.sha256, modelVersions.dataSha256))
    .where(eq(production.model, model));
  return (row?.profile as DatasetProfile | null) ?? null;
}

function knownCategories(profile: DatasetProfile | null): Record<string, string[]> | undefined {
  if (!profile) return undefined;
  const out: Record<string, string[]> = {};
  for (const c of profile.columns) if (c.kind === 'category') out[c.name] = c.categories;
  return out;
}

export function createDataActivities(deps: ActivityDeps) {
  const { db, artifacts, clock = () => new Date() } = deps;
  return {
    async validateData({ releaseId, model, file, policy: rawPolicy }: { releaseId: string; model: string; file: string; policy: unknown }): Promise<DataValidation> {
      return withFailureTypes(async () => {
        // The policy captured when the release began: a policy edited mid-release must not change its rules.
        const policy = parsePolicy(rawPolicy, `policy of ${model}`);
        const contract = parseContract(policy.contract);
        const options = readOptionsFor(policy, contract);
        const reference = await productionReference(deps, model);

        const report = await checkContract(file, contract, options, { knownCategories: knownCategories(reference) });
        await appendAudit(db, {
          at: clock(),
          actor: 'steward',
          action: report.passed ? 'data.contract-passed' : 'data.contract-failed',
          model,
          releaseId,
          eventKey: `${releaseId}:contract`,
          payload: { file, sha256: report.sha256, rows: report.rows, violations: report.violations },
        });
        assertContract(report);

        // One more pass builds this file's own profile (stored as the reference for the version trained
        // on it) and, when production has a reference, a profile on the reference's bins for drift.
        const own = new ProfileBuilder();
        const onReferenceBins = reference ? new ProfileBuilder({ reference }) : null;
        const summary = await scanChunks(file, options, (chunk) => {
          own.add(chunk);
          onReferenceBins?.add(chunk);
        });
        if (summary.sha256 !== report.sha256) {
          throw new StewardError('MalformedData', 'the file changed while it was being validated', { file });
        }
        const profile = own.finish();
        let drift: DriftReport | null = null;
        if (reference && onReferenceBins) drift = computeDrift(reference, onReferenceBins.finish(), policy.drift as DriftConfig);

        const stored = await artifacts.putFile(file);
        if (stored.sha256 !== report.sha256) throw new StewardError('MalformedData', 'the file changed while it was being copied', { file });
        await db
          .insert(datasets)
          .values({ sha256: stored.sha256, sourcePath: file, rows: report.rows, bytes: stored.bytes, profile })
          .onConflictDoNothing();
        const driftedColumns = drift ? drift.columns.filter((c) => c.drifted).map((c) => c.column) : [];
        const reportSha256 = await artifacts.put(Buffer.from(JSON.stringify({ contract: report, drift }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))));
        await appendAudit(db, {
          at: clock(),
          actor: 'steward',
          action: 'data.validated',
          model,
          releaseId,
          eventKey: `${releaseId}:data-validated`,
          payload: { sha256: stored.sha256, rows: report.rows, reportSha256, drift: drift ? { ...drift.dataset, driftedColumns } : null },
        });
        return {
          sha256: stored.sha256,
          rows: report.rows,
          artifactSha256: stored.sha256,
          reportSha256,
          warnings: report.violations.filter((v) => v.severity === 'warn').map((v) => v.message),
          drift: drift ? { drifted: drift.dataset.drifted, share: drift.dataset.share, driftedColumns } : null,
        };
      });
    },
  };
}
