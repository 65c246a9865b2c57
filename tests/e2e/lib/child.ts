/**
 * A server process the test run started (the sandbox, Synapse): killed if the runner goes
 * away without its teardown, and stopped gently (SIGTERM, then SIGKILL after a grace
 * period) when it does run.
 */
import type { ChildProcess } from 'node:child_process';

export interface Supervised {
  /** Whether the process has exited, and how ("exited with code 1", "killed by SIGTERM"). */
  exited(): boolean;
  exitInfo(): string;
  /** Resolves when the process exits. */
  readonly exitPromise: Promise<void>;
  /** SIGKILL now, if it still runs (for a failed start). */
  killNow(): void;
  /** Removes the hooks on the runner's exit and signals. */
  release(): void;
  /** SIGTERM, SIGKILL after `graceMs` if still running, then releases the hooks. */
  stop(graceMs: number): Promise<void>;
}

export function supervise(child: ChildProcess): Supervised {
  let exited = false;
  let exitInfo = '';
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const killNow = () => {
    if (!exited) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  // A signal listener replaces Node's default "exit on signal": when ours is the only
  // listener (Playwright handles SIGINT itself, not SIGTERM/SIGHUP), re-raise the signal
  // after cleanup so the runner still terminates.
  const onSignal = (sig: NodeJS.Signals) => {
    killNow();
    if (process.listenerCount(sig) === 1) {
      release();
      process.kill(process.pid, sig);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  process.once('exit', killNow);
  for (const sig of signals) process.on(sig, onSignal);
  function release() {
    process.off('exit', killNow);
    for (const sig of signals) process.off(sig, onSignal);
  }
  const stop = async (graceMs: number) => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([exitPromise.then(() => 'exited' as const), timer])) === 'timeout') {
        child.kill('SIGKILL');
        await exitPromise;
      }
    }
    release();
  };
  return { exited: () => exited, exitInfo: () => exitInfo, exitPromise, killNow, release, stop };
}
