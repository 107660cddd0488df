/**
 * The baseline of bench:serve: the same model behind a bare Fastify route that only parses the
 * instances with the version's rules and scores them (no routing, no prediction log, no metrics).
 * The gateway's latency minus this one's, at the same rate, is what routing and logging cost.
 *
 *   tsx bench/serve/bare-server.ts <model.bin> <policy.json> <port>
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { parsePolicy } from '../../lib/policy/schema';
import { instanceSchema } from '../../lib/serving/instances';
import { loadScorer } from '../../lib/serving/scorer';

const [modelFile, policyFile, port] = process.argv.slice(2);
const policy = parsePolicy(JSON.parse(readFileSync(policyFile, 'utf8')), policyFile);
const scorer = await loadScorer(readFileSync(modelFile));
const schema = instanceSchema(policy, scorer.inputColumns, scorer.numericInputs);
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/v1/models/:target', async (req) => {
  const instances = (req.body as { instances: Record<string, unknown>[] }).instances;
  return { predictions: Array.from(await scorer.score(schema.parse(instances))) };
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log('ready');
