// Entry file of a compute thread (piscina loads it in a worker thread): registers tsx so the
// TypeScript task module can be imported, as bin/steward.mjs does for the main thread.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./tasks.ts');

export const validate = tasks.validate;
export const evaluate = tasks.evaluate;
export const train = tasks.train;
export const backtest = tasks.backtest;
export const monitorWindow = tasks.monitorWindow;
