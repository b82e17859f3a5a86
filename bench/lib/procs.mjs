import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Child processes the runner starts — every one tracked by pid so `stopAll` can end them (and anything
 * they forked) on a normal exit, an error or SIGINT — and the /proc readings the tables report: CPU time
 * and resident memory of a process tree.
 */

/** @type {Set<Tracked>} */
const tracked = new Set();

export const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * @typedef {object} Tracked
 * @property {string} name
 * @property {number} pid
 * @property {import('node:child_process').ChildProcess} child
 * @property {() => string} output everything printed so far (stdout and stderr, last 256 KB)
 * @property {(pattern: RegExp, withinMs?: number) => Promise<RegExpMatchArray>} waitFor
 * @property {Promise<number | string>} exited the exit code, or the signal name
 * @property {() => boolean} running
 * @property {(withinMs?: number) => Promise<number | string>} stop SIGTERM, SIGKILL after `withinMs`
 */

/**
 * Spawns `command args`, pinned to `cpus` with taskset when given (taskset execs the command, so the
 * pid is the command's own).
 *
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ cpus?: string; env?: Record<string, string | undefined>; cwd?: string }} [options]
 * @returns {Tracked}
 */
export function spawnTracked(name, command, args, options = {}) {
  const pinned = options.cpus !== undefined && hasTaskset;
  const argv = pinned ? ['-c', /** @type {string} */ (options.cpus), command, ...args] : args;
  const child = spawn(pinned ? 'taskset' : command, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  /** @type {Set<() => void>} */
  const waiters = new Set();
  const onData = (/** @type {Buffer} */ chunk) => {
    text += chunk.toString('utf8');
    if (text.length > 262_144) text = text.slice(-262_144);
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  /** @type {number | string | undefined} */
  let exitValue;
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      text += `\n${error.message}`;
      exitValue ??= 'spawn-error';
      resolve(exitValue);
      for (const wake of waiters) wake();
    });
    child.once('exit', (code, signal) => {
      exitValue = code ?? signal ?? 'unknown';
      resolve(exitValue);
      for (const wake of waiters) wake();
    });
  });
  /** @type {Tracked} */
  const handle = {
    name,
    pid: /** @type {number} */ (child.pid),
    child,
    output: () => text,
    exited: /** @type {Promise<number | string>} */ (exited),
    running: () => exitValue === undefined,
    waitFor(pattern, withinMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = text.match(pattern);
          if (match) return finish(() => resolve(match));
          if (exitValue !== undefined) return finish(() => reject(new Error(`${name} exited (${exitValue}) before printing ${pattern}:\n${text.slice(-2000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name}: no ${pattern} within ${withinMs} ms:\n${text.slice(-2000)}`))), withinMs);
        const finish = (/** @type {() => void} */ done) => {
          clearTimeout(timer);
          waiters.delete(check);
          done();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(withinMs = 5_000) {
      if (exitValue !== undefined) {
        tracked.delete(handle);
        return exitValue;
      }
      const family = descendants(handle.pid);
      signal(handle.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        signal(handle.pid, 'SIGKILL');
        for (const pid of family) signal(pid, 'SIGKILL');
      }, withinMs);
      const value = await exited;
      clearTimeout(timer);
      // Workers a primary forked normally exit with it; any left are ended by their own pid.
      for (const pid of family) if (alive(pid)) signal(pid, 'SIGKILL');
      tracked.delete(handle);
      return /** @type {number | string} */ (value);
    },
  };
  tracked.add(handle);
  return handle;
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} name
 */
function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops every process still tracked (in parallel), each by its pid, within 3 s; within 30 s when
 * NODE_OPTIONS asks for `--cpu-prof`, so that a gateway writes its profile before it would be killed.
 */
export async function stopAll() {
  const withinMs = /--cpu-prof\b/.test(process.env.NODE_OPTIONS ?? '') ? 30_000 : 3_000;
  await Promise.all([...tracked].map((p) => p.stop(withinMs)));
}

/** Synchronous last resort for `process.on('exit')`: SIGKILL every tracked pid and its descendants. */
export function killAllNow() {
  for (const p of tracked) {
    if (!p.running()) continue;
    for (const pid of descendants(p.pid)) signal(pid, 'SIGKILL');
    signal(p.pid, 'SIGKILL');
  }
  tracked.clear();
}

/** @param {number} pid @returns {string[] | undefined} fields after the `(comm)` of /proc/<pid>/stat */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** All live descendants of `root` (children, grandchildren, ...), from the ppid in /proc/<pid>/stat. */
export function descendants(/** @type {number} */ root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  /** @type {number[]} */
  const out = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(/** @type {number} */ (queue.shift())) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The process and its live descendants. */
export const tree = (/** @type {number} */ pid) => [pid, ...descendants(pid)];

/**
 * utime + stime (clock ticks) of each pid.
 * @param {number[]} pids
 * @returns {Map<number, number>}
 */
export function cpuTicks(pids) {
  const out = new Map();
  for (const pid of pids) {
    const fields = statFields(pid);
    // after "(comm) ": state=0 ppid=1 ... utime=11 stime=12
    if (fields) out.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return out;
}

/**
 * CPU used by `rootPid`'s process tree between two `cpuTicks` snapshots, as % of one core.
 * @param {Map<number, number>} before
 * @param {Map<number, number>} after
 * @param {number} seconds
 */
export function cpuPercent(before, after, seconds) {
  let ticks = 0;
  for (const [pid, end] of after) ticks += end - (before.get(pid) ?? 0);
  return (ticks / CLK_TCK / seconds) * 100;
}

/** @param {number} pid @param {string} field e.g. VmRSS, VmHWM @returns {number} kB */
export function statusKb(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The summed VmRSS of `rootPid`'s process tree now, in MB. */
export function treeRssMb(/** @type {number} */ rootPid) {
  let sum = 0;
  for (const pid of tree(rootPid)) sum += statusKb(pid, 'VmRSS');
  return sum / 1024;
}

/**
 * Samples the tree's summed VmRSS every `intervalMs` until `stop()`, which returns the peak in MB, and
 * the largest VmHWM (peak RSS since start) of any single process in the tree.
 * @param {number} rootPid
 * @param {number} [intervalMs]
 */
export function sampleRss(rootPid, intervalMs = 250) {
  let peakMb = 0;
  const sample = () => {
    peakMb = Math.max(peakMb, treeRssMb(rootPid));
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const hwmKb = Math.max(...tree(rootPid).map((pid) => statusKb(pid, 'VmHWM')));
      return { peakRssMb: peakMb, maxHwmMb: hwmKb / 1024 };
    },
  };
}

/** Pins the calling process (the runner) to `cpus`, so its own work stays off the gateway's core. */
export function pinSelf(/** @type {string} */ cpus) {
  if (hasTaskset) spawnSync('taskset', ['-apc', cpus, String(process.pid)], { stdio: 'ignore' });
}

/** Re-pins a running process tree (every thread of every process) to `cpus`; false without taskset. */
export function pinTree(/** @type {number} */ pid, /** @type {string} */ cpus) {
  if (!hasTaskset) return false;
  for (const each of tree(pid)) spawnSync('taskset', ['-apc', cpus, String(each)], { stdio: 'ignore' });
  return true;
}

/**
 * Busy clock ticks (user, nice, system; not irq/softirq, which no process is charged for, nor steal) of the whole machine (`all`) and of each
 * CPU (`cpu0`, `cpu1`, ...), from /proc/stat.
 * @returns {Record<string, number>}
 */
export function systemBusyTicks() {
  /** @type {Record<string, number>} */
  const out = {};
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const match = line.match(/^cpu(\d*)\s+(.*)$/);
    if (!match) continue;
    const [user, nice, system] = match[2].split(/\s+/).map(Number);
    out[match[1] === '' ? 'all' : `cpu${match[1]}`] = user + nice + system;
  }
  return out;
}

/** This process's CPU ticks, including its children that have exited (the load generator). */
export function selfTicksWithChildren() {
  const fields = statFields(process.pid);
  if (!fields) return 0;
  return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
}

/**
 * CPU ticks and command name of every process on the machine (to attribute the CPU other processes
 * used during a measured window).
 * @returns {Map<number, { ticks: number; comm: string }>}
 */
export function allProcessTicks() {
  const out = new Map();
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), { ticks: Number(fields[11]) + Number(fields[12]), comm });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * The processes (other than `ours`) that used the most CPU between two `allProcessTicks` snapshots, as
 * "comm (pid) n %" strings; processes that started and ended inside the window cannot be seen.
 * @param {Map<number, { ticks: number; comm: string }>} before
 * @param {Map<number, { ticks: number; comm: string }>} after
 * @param {Set<number>} ours
 * @param {number} seconds
 */
export function busiestOthers(before, after, ours, seconds) {
  /** @type {{ pid: number; comm: string; percent: number }[]} */
  const list = [];
  for (const [pid, { ticks, comm }] of after) {
    if (ours.has(pid)) continue;
    const percent = ((ticks - (before.get(pid)?.ticks ?? 0)) / CLK_TCK / seconds) * 100;
    if (percent >= 1) list.push({ pid, comm, percent });
  }
  return list.sort((a, b) => b.percent - a.percent).slice(0, 5);
}

/**
 * Waits until processes other than this one and `ours` use at most `maxPercent` % of a core (measured
 * over 2 s windows), or `withinMs` has passed. Resolves with the last reading.
 * @param {number[]} ours pids whose CPU does not count (e.g. the subgraphs)
 * @param {{ maxPercent?: number; withinMs?: number }} [options]
 */
export async function waitForQuiet(ours, { maxPercent = 10, withinMs = 120_000 } = {}) {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const before = systemBusyTicks().all;
    const self = selfTicksWithChildren();
    const mine = cpuTicks(ours);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const seconds = (performance.now() - t0) / 1000;
    const others =
      ((systemBusyTicks().all - before - (selfTicksWithChildren() - self)) / CLK_TCK / seconds) * 100 - cpuPercent(mine, cpuTicks(ours), seconds);
    if (others <= maxPercent || performance.now() > deadline) return Math.max(0, others);
  }
}
