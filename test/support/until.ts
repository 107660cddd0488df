/**
 * Polls `check` until it returns a value, or fails after `timeoutMs` saying what it waited for.
 *
 * @example const window = await until(() => stored(1), 'window 1', { timeoutMs: 30_000 });
 */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, o: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 10));
  }
}
