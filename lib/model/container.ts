/**
 * The binary container models and training checkpoints are stored in (see serialize.ts for the
 * layout). Kept apart from serialize.ts so that code which only reads a stored model's header and
 * weights (the serving gateway's forward pass) does not load TensorFlow.js.
 */
import { createHash } from 'node:crypto';
import { StewardError } from '../core/errors';

export const MODEL_MAGIC = 'STWDMDL1';
export const CHECKPOINT_MAGIC = 'STWDCKP1';

/** sha256 hex digest of some bytes. */
export function sha256(bytes: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))
    .digest('hex');
}

/** Wraps a JSON header and a payload into one self-checking buffer. */
export function packContainer(magic: string, header: Record<string, unknown>, payload: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify({ ...header, payloadBytes: payload.byteLength, payloadSha256: sha256(payload) }), 'utf8');
  const out = Buffer.allocUnsafe(12 + head.length + payload.byteLength);
  out.write(magic, 0, 'latin1');
  out.writeUInt32LE(head.length, 8);
  head.copy(out, 12);
  out.set(payload, 12 + head.length);
  return out;
}

/** Opens a container, checking magic, lengths and the payload hash (`ArtifactIntegrity` if any fail). */
export function unpackContainer(bytes: Uint8Array, magic: string, what: string): { header: Record<string, unknown>; payload: Uint8Array } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== magic) {
    throw new StewardError('ArtifactIntegrity', `not a Steward ${what} (bad magic bytes)`);
  }
  const headLength = buf.readUInt32LE(8);
  if (12 + headLength > buf.length) throw new StewardError('ArtifactIntegrity', `${what} is truncated (header)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headLength)) as Record<string, unknown>;
  } catch (e) {
    throw new StewardError('ArtifactIntegrity', `${what} header is not valid JSON`, {}, { cause: e });
  }
  // Copy so the float32 views below are aligned regardless of where the header ended.
  const payload = new Uint8Array(buf.subarray(12 + headLength));
  if (payload.byteLength !== header.payloadBytes) {
    throw new StewardError('ArtifactIntegrity', `${what} is truncated: payload has ${payload.byteLength} bytes, header says ${String(header.payloadBytes)}`);
  }
  if (sha256(payload) !== header.payloadSha256) throw new StewardError('ArtifactIntegrity', `${what} payload does not match its sha256`);
  return { header, payload };
}
