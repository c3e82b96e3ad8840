/**
 * The live harness's CPU contention (test/helpers/live-system.ts, startContention): the target process — every one
 * of its threads — is pinned to one core, busy contenders run pinned to the same core, and nothing is left behind:
 * stop() kills them and restores the target's affinity, and a contender whose starter died ends by itself.
 * (Whether the spans stretch is measured by bench/accuracy-live.mjs --fault cpu_contention, not timed here.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { affinityOf, startContention } from '../../helpers/live-system';

let taskset = true;
try {
  execFileSync('taskset', ['-V'], { stdio: 'ignore' });
} catch {
  taskset = false;
}
const skip = taskset ? false : 'taskset (util-linux) is not installed';
const core = availableParallelism() > 1 ? 1 : 0;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Cpus_allowed_list of every thread of a process */
const threadCores = (pid: number) => readdirSync(`/proc/${pid}/task`).map((t) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8'))![1]);
const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
const until = async (ok: () => boolean, ms: number) => {
  const t0 = Date.now();
  while (!ok() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 25));
  return ok();
};
const started = (child: ChildProcess) => new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));

test('CPU contention pins every thread of the target and its busy contenders to one core, and stop() leaves nothing behind', { skip }, async () => {
  // a Node process has several threads (V8 and libuv): all of them must be pinned
  const target = spawn(process.execPath, ['-e', 'process.stdout.write("READY\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await started(target);
  await new Promise((resolve) => target.stdout!.once('data', resolve));
  try {
    const before = affinityOf(target.pid!);
    const c = await startContention(target.pid!, { core, contenders: 2 });
    let stopped = false;
    try {
      assert.equal(c.contenders.length, 2);
      const cores = threadCores(target.pid!);
      assert.ok(cores.length > 1, `a Node process has more than one thread (${cores.length})`);
      assert.deepEqual(new Set(cores), new Set([String(core)]), `every thread of the target on core ${core}: ${cores.join(' ')}`);
      for (const pid of c.contenders) {
        assert.deepEqual(threadCores(pid), [String(core)]);
        assert.equal(execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim(), 'sh');
        // busy: running or waiting for the core, never asleep
        assert.ok(await until(() => state(pid) === 'R', 1000), `contender ${pid} is busy (state ${state(pid)})`);
      }
      await c.stop();
      stopped = true;
      for (const pid of c.contenders) assert.ok(!alive(pid), `contender ${pid} is gone after stop()`);
      assert.equal(affinityOf(target.pid!), before, 'the target gets its CPUs back');
    } finally {
      if (!stopped) await c.stop();
    }
  } finally {
    target.kill('SIGKILL');
  }
});

const cgroupSkip = skip || (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ? false : 'no cgroup v1 cpu controller');

test('with a quota, the target and its contenders share a cpu cgroup with that CFS quota, removed afterwards', { skip: cgroupSkip }, async (t) => {
  const target = spawn(process.execPath, ['-e', 'process.stdout.write("READY\\n"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await started(target);
  await new Promise((resolve) => target.stdout!.once('data', resolve));
  const cpuGroup = (pid: number) => /^\d+:cpu(?:,[^:]*)?:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1];
  try {
    const home = cpuGroup(target.pid!);
    let c;
    try {
      c = await startContention(target.pid!, { core, contenders: 1, quota: 0.3 });
    } catch (e) {
      if (!/EACCES|EROFS|EPERM/.test(String(e))) throw e;
      return t.skip(`not allowed to make a cpu cgroup here: ${String(e)}`);
    }
    try {
      assert.ok(c.cgroup, 'a cgroup was made');
      assert.equal(readFileSync(join(c.cgroup!, 'cpu.cfs_quota_us'), 'utf8').trim(), '30000');
      assert.equal(readFileSync(join(c.cgroup!, 'cpu.cfs_period_us'), 'utf8').trim(), '100000');
      const inside = readFileSync(join(c.cgroup!, 'cgroup.procs'), 'utf8').trim().split('\n').map(Number);
      assert.deepEqual(new Set(inside), new Set([target.pid!, ...c.contenders]));
    } finally {
      await c.stop();
    }
    assert.ok(!existsSync(c.cgroup!), 'the cgroup is removed');
    assert.equal(cpuGroup(target.pid!), home, 'the target is back in its cgroup');
    for (const pid of c.contenders) assert.ok(!alive(pid));
  } finally {
    target.kill('SIGKILL');
  }
});

test('a contender whose starter died ends by itself', { skip }, async () => {
  // a starter that pins itself and prints its contenders' ids, then is killed without a chance to clean up
  const helper = join(process.cwd(), 'test', 'helpers', 'live-system.ts');
  const code = `import(${JSON.stringify(helper)}).then(async (m) => { const c = await (m.startContention ?? m.default.startContention)(process.pid, { core: ${core}, contenders: 1 }); process.stdout.write('PIDS ' + c.contenders.join(',') + '\\n'); setInterval(() => {}, 1000); });`;
  const starter = spawn(process.execPath, ['--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pids: number[] = [];
  try {
    pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error('the starter did not start its contender in 20 s')), 20_000);
      starter.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /PIDS ([\d,]+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!.split(',').map(Number));
        }
      });
      starter.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`the starter exited (${code})`));
      });
    });
    assert.ok(pids.every(alive));
    starter.kill('SIGKILL');
    assert.ok(await until(() => !pids.some(alive), 3000), `contenders ${pids.join(', ')} end within 3 s of their starter`);
  } finally {
    starter.kill('SIGKILL');
    for (const pid of pids)
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
  }
});
