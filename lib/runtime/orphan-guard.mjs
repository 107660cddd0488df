// Runs a command as a child that never outlives the process that asked for it: usage
// `node orphan-guard.mjs <parent pid> <command> [args...]`. It polls the parent every 250 ms and,
// once the parent is gone (even by kill -9, which runs no exit handler), stops the child (SIGTERM,
// then SIGKILL after 5 s) and exits. SIGTERM/SIGINT to the guard are passed on to the child; the
// guard exits with the child. Plain Node ESM with no dependencies.
import { spawn } from 'node:child_process';

const [parentArg, command, ...args] = process.argv.slice(2);
const parent = Number(parentArg);
const child = spawn(command, args, { stdio: 'inherit' });

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

let stopping = false;
const stop = (signal = 'SIGTERM') => {
  if (stopping || child.exitCode !== null) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 5000).unref();
};
const watch = setInterval(() => {
  if (!alive(parent)) stop();
}, 250);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));
child.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 1 : 0));
});
child.on('error', (e) => {
  console.error(`orphan-guard: cannot start ${command}: ${e.message}`);
  process.exit(127);
});
