/**
 * The serving gateway: a Fastify server that answers predictions for every registered model with a
 * production version or routes, in the KServe v1 / TensorFlow Serving convention.
 *
 *   POST /v1/models/{model}:predict  {"instances": [{...}, ...]}
 *        -> {"predictions": [...], "model_version": "N", "prediction_ids": [...]}
 *           one number per instance: the positive class's probability (binary), the value (regression);
 *        -> {"predictions": [[...], ...], "classes": [...], "model_version": "N", "prediction_ids": [...]}
 *           multiclass: per instance the class probabilities, in the order of "classes"
 *   POST /v1/models/{model}/labels   {"labels": [{"prediction_id": "...", "label": ">50K"}, {"request_key": "...", "label": "<=50K"}]}
 *        -> {"recorded": 1, "unchanged": 0, "unknown": 1, "unknown_references": ["..."]}
 *   GET  /v1/models/{model}          versions served, their share, the routes generation
 *   GET  /healthz, /readyz, /metrics (Prometheus; with the latest monitor window of every model)
 *
 * Any number of replicas run against one database: each polls it (catalog.ts) and serves the same
 * routes within a second of a change. Requests are routed (router.ts), checked against the routed
 * version's instance rules (instances.ts), scored through the version's stored pipeline
 * (scorer.ts: trained and imported versions alike), logged off the request path (log-writer.ts) as the logging policy allows
 * (privacy.ts). Shadow versions are scored after the reply is sent. A failure is an HTTP error,
 * never a crash: bad requests 400 (413 for a body over the limit), unknown models 404, a version
 * that fails to score 500.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import type { StewardDb } from '../db/client';
import type { MonitorWindowRow, PredictionLogRow } from '../db/schema';
import { isStewardError } from '../lib/core/errors';
import type { ArtifactStore } from '../lib/runtime/artifacts';
import { latestWindows } from '../lib/registry/monitoring';
import { ModelCatalog, type ServedModel, type ServedVersion } from '../lib/serving/catalog';
import { predictionId } from '../lib/serving/ids';
import { recordLabels } from '../lib/serving/log-store';
import { PredictionLogWriter } from '../lib/serving/log-writer';
import { hashRequestKey } from '../lib/serving/privacy';
import { pickVersion } from '../lib/serving/router';
import { rowOutput } from '../lib/serving/scorer';

/** A deliberate failure of one version, for chaos tests and game days (never set in normal serving). */
export interface FaultRule {
  model: string;
  version: number;
  /** Share of requests routed to the version that fail (500) as if its forward pass had thrown. */
  errorRate?: number;
  /** Delay added to every request routed to the version. */
  delayMs?: number;
}

export const faultRulesSchema = z.array(
  z.object({ model: z.string(), version: z.number().int().min(1), errorRate: z.number().min(0).max(1).optional(), delayMs: z.number().min(0).optional() }).strict(),
);

export interface GatewayOptions {
  db: StewardDb;
  artifacts: ArtifactStore;
  /** Secret of the log's keyed hashes (lib/serving/secret.ts). */
  secret: Uint8Array;
  port?: number;
  host?: string;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Most instances per request (default 1000). */
  maxRows?: number;
  /** How often the database is polled for route changes (default 250 ms). */
  pollMs?: number;
  /** Where spool folders live (null: no spool). */
  spoolRoot: string | null;
  /** Rows the log buffers before shedding (default 100,000). */
  maxBufferedLogRows?: number;
  /** How often buffered log rows are written (default 100 ms): larger batches, a longer wait before rows are queryable. */
  logFlushMs?: number;
  faults?: FaultRule[];
  gatewayId?: string;
  /** Where warnings go (default stderr). */
  warn?(line: string): void;
}

export interface Gateway {
  app: FastifyInstance;
  url: string;
  port: number;
  gatewayId: string;
  catalog: ModelCatalog;
  log: PredictionLogWriter;
  metrics: Registry;
  close(): Promise<void>;
}

const MAX_KEY = 256;
const modelName = /^[a-z0-9][a-z0-9-]{1,62}$/;

const instanceValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

function httpError(status: number, type: string, message: string, field?: string) {
  return Object.assign(new Error(message), { statusCode: status, stewardType: type, field });
}

/** `/instances/3/age` -> `instances[3].age`. */
function fieldOf(instancePath: string, context?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  let out = context === 'params' ? 'path' : '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out || (context === 'params' ? 'path' : 'body');
}

/**
 * Builds and starts a gateway (listening once its first catalog load is done).
 *
 * @example
 *   const gw = await startGateway({ db, artifacts, secret: logSecret(config), spoolRoot: '.steward/spool', port: 8080 });
 *   ...; await gw.close();
 */
export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const gatewayId = o.gatewayId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const maxRows = o.maxRows ?? 1000;
  const warn = o.warn ?? ((line: string) => process.stderr.write(`gateway: ${line}\n`));

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({ name: 'steward_predict_requests_total', help: 'Prediction requests by model, version and HTTP status code', labelNames: ['model', 'version', 'code'] as const, registers: [metrics] });
  const duration = new Histogram({
    name: 'steward_predict_duration_seconds',
    help: 'Time from routing to scores of served prediction requests (validation, features, forward pass)',
    labelNames: ['model', 'version'] as const,
    buckets: [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [metrics],
  });
  const inFlight = new Gauge({ name: 'steward_predict_in_flight_requests', help: 'Prediction requests being handled', labelNames: ['model'] as const, registers: [metrics] });
  const predictions = new Counter({ name: 'steward_predictions_total', help: 'Rows scored, by model, version and mode (serve or shadow)', labelNames: ['model', 'version', 'mode'] as const, registers: [metrics] });
  const shed = new Counter({ name: 'steward_prediction_log_shed_total', help: 'Logged predictions dropped because the log buffer was full', labelNames: ['model'] as const, registers: [metrics] });
  const written = new Counter({ name: 'steward_prediction_log_written_total', help: 'Logged predictions written to the database', registers: [metrics] });
  const recovered = new Counter({ name: 'steward_prediction_log_recovered_total', help: "Logged predictions recovered from dead gateways' spool folders", registers: [metrics] });
  const logErrors = new Counter({ name: 'steward_prediction_log_write_errors_total', help: 'Failed batch writes of the prediction log (the batch is retried)', registers: [metrics] });
  const loadFailures = new Counter({ name: 'steward_model_load_failures_total', help: 'Versions that failed to load (the previous routes kept serving)', labelNames: ['model', 'version'] as const, registers: [metrics] });
  const labelsReceived = new Counter({ name: 'steward_labels_received_total', help: 'Delayed labels received, by model and outcome (recorded, unchanged, unknown reference)', labelNames: ['model', 'outcome'] as const, registers: [metrics] });
  const generation = new Gauge({ name: 'steward_routes_generation', help: 'Routes generation served, per model', labelNames: ['model'] as const, registers: [metrics] });

  const log = new PredictionLogWriter({
    db: o.db,
    gatewayId,
    spoolRoot: o.spoolRoot,
    maxBuffered: o.maxBufferedLogRows,
    flushIntervalMs: o.logFlushMs,
    onShed: (model, n) => shed.inc({ model }, n),
    onWritten: (n) => written.inc(n),
    onRecovered: (n, from) => {
      recovered.inc(n);
      warn(`recovered ${n} logged predictions from ${from}`);
    },
    onError: (e) => {
      logErrors.inc();
      warn(`prediction log: ${(e as Error).message}`);
    },
  });
  new Gauge({ name: 'steward_prediction_log_buffered', help: 'Logged predictions waiting to be written', registers: [metrics], collect() { this.set(log.buffered); } });

  // The latest monitor window of every model (read at most once a second, on scrape).
  let monitorRead: { at: number; rows: Promise<MonitorWindowRow[]> } | null = null;
  const latestMonitorWindows = () => {
    if (!monitorRead || Date.now() - monitorRead.at > 1000) monitorRead = { at: Date.now(), rows: latestWindows(o.db).catch(() => []) };
    return monitorRead.rows;
  };
  const monitorGauge = (name: string, help: string, value: (w: MonitorWindowRow['result']) => number | null | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'] as const,
      registers: [metrics],
      async collect() {
        this.reset();
        for (const w of await latestMonitorWindows()) {
          const v = value(w.result);
          if (v !== null && v !== undefined && Number.isFinite(v)) this.set({ model: w.model }, v);
        }
      },
    });
  monitorGauge('steward_monitor_window_index', 'Index of the latest monitor window computed, per model', (r) => r.index);
  monitorGauge('steward_monitor_window_end_seconds', 'End of the latest monitor window (Unix seconds)', (r) => Date.parse(r.end) / 1000);
  monitorGauge('steward_monitor_predictions', 'Served predictions in the latest monitor window (traffic volume)', (r) => r.volume);
  monitorGauge('steward_monitor_error_rate', 'Share of failed predictions in the latest monitor window', (r) => r.errorRate);
  monitorGauge('steward_monitor_latency_p50_seconds', 'Median serving latency in the latest monitor window', (r) => (r.latency.p50Ms === null ? null : r.latency.p50Ms / 1000));
  monitorGauge('steward_monitor_latency_p99_seconds', '99th percentile serving latency in the latest monitor window', (r) => (r.latency.p99Ms === null ? null : r.latency.p99Ms / 1000));
  monitorGauge('steward_monitor_feature_drift_share', "Share of drifted feature columns against the production version's training profile, latest window", (r) => r.featureDrift?.dataset.share);
  monitorGauge('steward_monitor_feature_drift', '1 when the latest window shows dataset drift (feature drift share over the threshold)', (r) => (r.featureDrift ? Number(r.featureDrift.dataset.drifted) : null));
  monitorGauge('steward_monitor_prediction_psi', 'Population stability index of the scores in the latest window against the reference', (r) => r.predictionDrift?.psi);
  monitorGauge('steward_monitor_accuracy', 'Accuracy on the labelled predictions of the latest window', (r) => r.performance?.accuracy.value);
  monitorGauge('steward_monitor_estimated_accuracy', 'Accuracy of the latest window estimated from scores (CBPE)', (r) => r.estimated?.accuracy);
  monitorGauge('steward_monitor_labelled', 'Labelled predictions in the latest monitor window', (r) => r.counts.labelled);

  const catalog = new ModelCatalog({
    db: o.db,
    artifacts: o.artifacts,
    secret: o.secret,
    onLoadFailure: (model, version, e) => {
      loadFailures.inc({ model, version: String(version) });
      warn(`${model} v${version} failed to load: ${(e as Error).message}`);
    },
  });
  const publishGenerations = () => {
    for (const m of catalog.list()) generation.set({ model: m.name }, m.generation);
  };
  await catalog.refresh();
  publishGenerations();
  await log.start();

  const faults = new Map((o.faults ?? []).map((f) => [`${f.model}/${f.version}`, f]));

  const app = Fastify({ logger: false, bodyLimit: o.bodyLimit ?? 1_048_576, return503OnClosing: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err, _req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0];
      const field = fieldOf(first.instancePath, err.validationContext);
      return reply.code(400).send({ error: `${field}: ${first.message}`, type: 'InvalidInput', field });
    }
    const e = err as Error & { statusCode?: number; stewardType?: string; field?: string; code?: string };
    if (isStewardError(e)) return reply.code(400).send({ error: e.message, type: e.type, field: e.location.field });
    const status = e.statusCode ?? 500;
    if (status >= 500) warn(`${e.message}`);
    const message = e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `body too large: at most ${o.bodyLimit ?? 1_048_576} bytes per request` : e.message;
    return reply.code(status).send({ error: message, type: e.stewardType ?? (status >= 500 ? 'InternalError' : 'InvalidInput'), ...(e.field ? { field: e.field } : {}) });
  });

  const gateway = app.withTypeProvider<ZodTypeProvider>();

  gateway.get('/healthz', async () => ({ status: 'ok', gateway: gatewayId }));

  gateway.get('/readyz', async (_req, reply) => {
    const body = {
      ready: catalog.lastRefresh !== null,
      gateway: gatewayId,
      lastRefresh: catalog.lastRefresh?.toISOString() ?? null,
      databaseError: catalog.lastRefreshError,
      models: Object.fromEntries(catalog.list().map((m) => [m.name, { generation: m.generation, productionVersion: m.productionVersion, loadError: m.loadError?.message ?? null }])),
    };
    return reply.code(body.ready ? 200 : 503).send(body);
  });

  gateway.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });

  gateway.get('/v1/models/:model', { schema: { params: z.object({ model: z.string() }) } }, async (req, reply) => {
    const m = catalog.get(req.params.model);
    if (!m) return reply.code(404).send(notServed(req.params.model));
    return describeModel(m, gatewayId);
  });

  gateway.post(
    '/v1/models/:target',
    {
      schema: {
        params: z.object({ target: z.string().regex(/^[^:]+:predict$/, 'expected /v1/models/{model}:predict') }),
        body: z
          .object({
            instances: z
              .array(z.record(z.string(), instanceValue), { message: 'must be an array of objects (column -> value)' })
              .min(1, 'must hold at least one instance')
              .max(maxRows, `too many rows: at most ${maxRows} instances per request`),
          })
          .strict(),
      },
    },
    async (req, reply) => {
      const name = req.params.target.slice(0, -':predict'.length);
      const model = catalog.get(name);
      if (!model) {
        requests.inc({ model: '', version: '', code: '404' });
        return reply.code(404).send(notServed(name));
      }
      const rawKey = req.headers['x-steward-key'];
      const key = typeof rawKey === 'string' && rawKey !== '' ? rawKey : undefined;
      if (key !== undefined && key.length > MAX_KEY) throw httpError(400, 'InvalidInput', `x-steward-key is longer than ${MAX_KEY} characters`, 'x-steward-key');
      const version = pickVersion(model.table, key)!;
      const served = model.versions.get(version)!;
      const labels = { model: name, version: String(version) };
      inFlight.inc({ model: name });
      try {
        const t0 = performance.now();
        const instances = req.body.instances;
        let table;
        try {
          table = served.schema.parse(instances);
        } catch (e) {
          requests.inc({ ...labels, code: '400' });
          throw e;
        }
        const fault = faults.get(`${name}/${version}`);
        if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
        let scores: Float64Array | undefined;
        let failure: string | undefined;
        try {
          if (fault?.errorRate && Math.random() < fault.errorRate) throw new Error('injected fault');
          scores = await served.scorer.score(table);
        } catch (e) {
          failure = (e as Error).message;
        }
        const latencyMs = performance.now() - t0;
        const ids = instances.map(() => predictionId());
        logRows(model, served, 'serve', instances, ids, scores, failure, latencyMs, key);
        duration.observe(labels, latencyMs / 1000);
        if (!scores) {
          requests.inc({ ...labels, code: '500' });
          return reply.code(500).send({ error: `version ${version} of ${name} failed to score the request: ${failure}`, type: 'ModelError', model_version: String(version), prediction_ids: ids });
        }
        requests.inc({ ...labels, code: '200' });
        predictions.inc({ ...labels, mode: 'serve' }, instances.length);
        if (model.table.shadow.length > 0) setImmediate(() => shadowScore(model, version, instances, key).catch((e) => warn(`shadow scoring of ${name} failed: ${(e as Error).message}`)));
        const scorer = served.scorer;
        if (!scorer.classes) return { predictions: Array.from(scores), model_version: String(version), prediction_ids: ids };
        return { predictions: instances.map((_, i) => rowOutput(scorer, scores!, i).prediction), classes: scorer.classes, model_version: String(version), prediction_ids: ids };
      } finally {
        inFlight.dec({ model: name });
      }
    },
  );

  const labelSchema = z
    .object({
      prediction_id: z.string().min(1).max(64).optional(),
      request_key: z.string().min(1).max(MAX_KEY).optional(),
      label: z.union([z.string(), z.number(), z.boolean()]),
    })
    .strict()
    .refine((l) => (l.prediction_id === undefined) !== (l.request_key === undefined), { message: 'give prediction_id or request_key (one of them)', path: ['prediction_id'] });

  gateway.post(
    '/v1/models/:model/labels',
    {
      schema: {
        params: z.object({ model: z.string().regex(modelName, 'not a model name') }),
        body: z.object({ labels: z.array(labelSchema).min(1, 'must hold at least one label').max(10_000, 'too many labels: at most 10,000 per request') }).strict(),
      },
    },
    async (req, reply) => {
      const name = req.params.model;
      if (!catalog.get(name)) return reply.code(404).send(notServed(name));
      const result = await recordLabels(
        o.db,
        name,
        req.body.labels.map((l) =>
          l.prediction_id !== undefined
            ? { predictionId: l.prediction_id, label: String(l.label) }
            : { keyHash: hashRequestKey(o.secret, name, l.request_key!), key: l.request_key!, label: String(l.label) },
        ),
      );
      labelsReceived.inc({ model: name, outcome: 'recorded' }, result.recorded);
      labelsReceived.inc({ model: name, outcome: 'unchanged' }, result.unchanged);
      labelsReceived.inc({ model: name, outcome: 'unknown' }, result.unknown.length);
      return { recorded: result.recorded, unchanged: result.unchanged, unknown: result.unknown.length, unknown_references: result.unknown };
    },
  );

  function logRows(model: ServedModel, served: ServedVersion, mode: 'serve' | 'shadow', instances: Record<string, unknown>[], ids: string[], scores: Float64Array | undefined, failure: string | undefined, latencyMs: number, key: string | undefined) {
    const sampling = model.policy.logging.sampling;
    if (sampling < 1 && Math.random() >= sampling) return;
    const at = new Date();
    const keyHash = key === undefined ? null : hashRequestKey(o.secret, model.name, key);
    const rows: PredictionLogRow[] = new Array(instances.length);
    for (let i = 0; i < instances.length; i++) {
      // Multiclass: `score` is the predicted class's probability, with the class and every probability beside it.
      const out = scores ? rowOutput(served.scorer, scores, i) : null;
      rows[i] = {
        id: ids[i],
        model: model.name,
        version: served.version,
        mode,
        at,
        latencyMs,
        keyHash,
        inputs: served.transform.apply(instances[i]),
        score: out ? out.score : null,
        predictedClass: out?.predictedClass ?? null,
        probabilities: out?.probabilities ?? null,
        error: failure ?? null,
        gateway: gatewayId,
      };
    }
    log.append(rows);
  }

  async function shadowScore(model: ServedModel, servedVersion: number, instances: Record<string, unknown>[], key: string | undefined) {
    for (const v of model.table.shadow) {
      if (v === servedVersion) continue;
      const served = model.versions.get(v);
      if (!served) continue;
      const t0 = performance.now();
      let scores: Float64Array | undefined;
      let failure: string | undefined;
      try {
        const fault = faults.get(`${model.name}/${v}`);
        if (fault?.errorRate && Math.random() < fault.errorRate) throw new Error('injected fault');
        scores = await served.scorer.score(served.schema.parse(instances));
      } catch (e) {
        failure = (e as Error).message;
      }
      const latencyMs = performance.now() - t0 + (faults.get(`${model.name}/${v}`)?.delayMs ?? 0);
      predictions.inc({ model: model.name, version: String(v), mode: 'shadow' }, instances.length);
      logRows(model, served, 'shadow', instances, instances.map(() => predictionId()), scores, failure, latencyMs, key);
    }
  }

  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    catalog
      .refresh()
      .then((changed) => {
        if (changed.length > 0) publishGenerations();
      })
      .catch((e) => warn(`route refresh failed (serving the last routes): ${(e as Error).message}`))
      .finally(() => {
        polling = false;
      });
  }, o.pollMs ?? 250);
  poll.unref();

  await app.listen({ port: o.port ?? 8080, host: o.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 8080);
  const url = `http://${o.host && o.host !== '0.0.0.0' ? o.host : '127.0.0.1'}:${port}`;

  return {
    app,
    url,
    port,
    gatewayId,
    catalog,
    log,
    metrics,
    async close() {
      clearInterval(poll);
      await app.close();
      await log.stop();
    },
  };
}

function notServed(name: string) {
  return { error: `model "${name}" is not served here: it is not registered, or has no production version or routes`, type: 'NotFound' };
}

function describeModel(m: ServedModel, gatewayId: string) {
  const serve = new Map(m.table.serve.map((r) => [r.version, r.weight]));
  return {
    name: m.name,
    ready: true,
    gateway: gatewayId,
    generation: m.generation,
    production_version: m.productionVersion === null ? null : String(m.productionVersion),
    versions: m.routes.map((r) => ({ version: String(r.version), mode: r.mode, traffic_percent: r.mode === 'serve' ? (serve.get(r.version) ?? 0) : 0, engine: m.versions.get(r.version)?.scorer.engine, format: m.versions.get(r.version)?.scorer.format, task: m.versions.get(r.version)?.scorer.task })),
    load_error: m.loadError?.message ?? null,
    // KServe v1 clients read `model_version_status` (TensorFlow Serving's shape).
    model_version_status: m.routes.map((r) => ({ version: String(r.version), state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })),
  };
}
