/**
 * Content-addressed artifact store: every model, feature pipeline, checkpoint, dataset copy and
 * report is stored under its sha256, and every read verifies the hash. Local folder by default;
 * the interface is small so an object store can stand behind it in production.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StewardError } from '../core/errors';

/** Where a store lives, as plain data: another thread or process opens the same store from it. */
export interface ArtifactLocation {
  kind: 'local';
  root: string;
}

export interface ArtifactStore {
  /** The store's location, to open it elsewhere with `openArtifactStore`. */
  readonly location: ArtifactLocation;
  put(bytes: Uint8Array): Promise<string>;
  putFile(file: string): Promise<{ sha256: string; bytes: number }>;
  get(sha256: string): Promise<Buffer>;
  /** A local path to the verified artifact (for streaming readers). */
  path(sha256: string): string;
  has(sha256: string): boolean;
  /** Mutable named pointers to artifacts (e.g. a training run's latest checkpoint). */
  setRef(name: string, value: Record<string, unknown>): Promise<void>;
  getRef<T = Record<string, unknown>>(name: string): Promise<T | undefined>;
}

const HEX = /^[0-9a-f]{64}$/;

/** A report as stored: JSON, with NaN and infinities (which JSON cannot hold) written as null. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** @example const store = localArtifactStore('.steward/artifacts'); const sha = await store.put(bytes); */
export function localArtifactStore(root: string): ArtifactStore {
  const where = (sha: string) => {
    if (!HEX.test(sha)) throw new StewardError('InvalidInput', `"${sha}" is not a sha256 artifact id`);
    return join(root, sha.slice(0, 2), sha.slice(2));
  };
  const refFile = (name: string) => {
    if (!/^[\w.-]+$/.test(name)) throw new StewardError('InvalidInput', `"${name}" is not a valid ref name`);
    return join(root, 'refs', name);
  };
  const prepare = (sha: string) => mkdirSync(join(root, sha.slice(0, 2)), { recursive: true });
  const tmp = () => {
    mkdirSync(join(root, 'tmp'), { recursive: true });
    return join(root, 'tmp', randomUUID());
  };

  return {
    location: { kind: 'local', root },
    async put(bytes) {
      const sha = createHash('sha256').update(bytes).digest('hex');
      const target = where(sha);
      if (existsSync(target)) return sha;
      prepare(sha);
      const t = tmp();
      await writeFile(t, bytes);
      renameSync(t, target); // atomic: readers never see a half-written artifact
      return sha;
    },
    async putFile(file) {
      const hash = createHash('sha256');
      const t = tmp();
      let bytes = 0;
      await pipeline(
        createReadStream(file),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(t),
      );
      const sha = hash.digest('hex');
      const target = where(sha);
      if (existsSync(target)) await rm(t, { force: true });
      else {
        prepare(sha);
        renameSync(t, target);
      }
      return { sha256: sha, bytes };
    },
    async get(sha) {
      let bytes: Buffer;
      try {
        bytes = await readFile(where(sha));
      } catch {
        throw new StewardError('NotFound', `artifact ${sha} is not in the store at ${root}`);
      }
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== sha) throw new StewardError('ArtifactIntegrity', `artifact ${sha} has been altered (its bytes hash to ${actual})`);
      return bytes;
    },
    path(sha) {
      const p = where(sha);
      if (!existsSync(p)) throw new StewardError('NotFound', `artifact ${sha} is not in the store at ${root}`);
      return p;
    },
    has(sha) {
      return existsSync(where(sha));
    },
    async setRef(name, value) {
      const file = refFile(name);
      const t = tmp();
      await writeFile(t, JSON.stringify(value));
      mkdirSync(join(root, 'refs'), { recursive: true });
      renameSync(t, file);
    },
    async getRef(name) {
      try {
        return JSON.parse(await readFile(refFile(name), 'utf8'));
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Opens the store at a location (a compute thread opens the store of the activity that started it).
 *
 * @example const store = openArtifactStore(artifacts.location);
 */
export function openArtifactStore(location: ArtifactLocation): ArtifactStore {
  return localArtifactStore(location.root);
}
