/**
 * One writer per output folder. `run`, `train`, `expert` and `experiment`
 * take an exclusive lock beside the folder they write (`<folder>.lock`, so
 * that `run` can still swap the folder whole): a file holding the pid, the
 * host, the command and the start time, created atomically (written under
 * a temporary name, then hard-linked to the lock's name, which fails if it
 * exists). A second writer stops at once with a message naming the first;
 * a lock left by a process of this host that no longer runs is taken over
 * with a note. An experiment's shards lock `<folder>.lock/shard-I-of-N`
 * instead: shards of one array share the folder (their cells are disjoint),
 * while the same shard twice, or shards of different counts, are refused.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { cannotWrite, UserError } from "../../engine/errors.ts";

/** What a lock file holds. */
export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held lock; `release()` removes it (idempotent). */
export interface Lock {
  file: string;
  release(): Promise<void>;
}

/** This machine's name (read from /etc/hostname, so that no system permission is needed). */
export function hostName(): string {
  try {
    return Deno.readTextFileSync("/etc/hostname").trim() || "unknown";
  } catch {
    return Deno.env.get("HOSTNAME") ?? "unknown";
  }
}

/** The command this process runs, as a user would type it. */
function commandLine(): string {
  return Deno.mainModule.endsWith("/cli.ts")
    ? `deno task ${Deno.args.join(" ")}`
    : `deno run ${basename(Deno.mainModule)} ${Deno.args.join(" ")}`.trim();
}

/** Whether process `pid` of this host still runs (`kill -0`; where that cannot tell: yes). */
function running(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    const r = new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "piped" }).outputSync();
    if (r.code === 0) return true;
    return !/no such process/i.test(new TextDecoder().decode(r.stderr));
  } catch {
    return true; // no kill command: cannot tell, so never take a lock over
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `folder` (`<folder>.lock`, or `<folder>.lock/<name>`
 * with `name`); throws a `UserError` when another live process holds it,
 * or (with `conflicts`) a lock of the same folder that `conflicts` says
 * overlaps.
 */
export async function lockFolder(
  folder: string,
  o: { name?: string; conflicts?: (other: string) => boolean } = {},
): Promise<Lock> {
  const base = `${folder.replace(/\/+$/, "")}.lock`;
  const file = o.name ? join(base, o.name) : base;
  try {
    await Deno.mkdir(dirname(file), { recursive: true });
  } catch (e) {
    throw new UserError(`output ${folder}: cannot create its folder: ${(e as Error).message}`);
  }
  const me: LockInfo = {
    pid: Deno.pid,
    host: hostName(),
    command: commandLine(),
    since: new Date().toISOString(),
  };
  await checkOverlap(folder, base, me, o);
  const tmp = `${file}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(me) + "\n");
  try {
    for (let attempt = 0;; attempt++) {
      try {
        await Deno.link(tmp, file);
        break;
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
      const other = readLock(file);
      if (!other) throw unreadable(folder, file);
      // Held by a live process, by another host, or retaken by another taker of a stale lock.
      if (attempt > 0 || other.host !== me.host || running(other.pid)) throw held(folder, other);
      // A stale lock: move it aside (only one taker can), then take it.
      try {
        await Deno.rename(file, `${file}.stale.${Deno.pid}`);
        await Deno.remove(`${file}.stale.${Deno.pid}`);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      console.error(
        `note: took over the lock of ${folder} left by pid ${other.pid} (${other.command}), ` +
          "which no longer runs",
      );
    }
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  let released = false;
  const lock = {
    file,
    async release() {
      if (released) return;
      released = true;
      await Deno.remove(file).catch(() => {});
      if (o.name) await Deno.remove(base).catch(() => {}); // the folder of locks, once empty
    },
  };
  try {
    await checkOverlap(folder, base, me, o); // again: one that started meanwhile
  } catch (e) {
    await lock.release();
    throw e;
  }
  return lock;
}

/** Throws when a live lock of `base` overlaps the named one (`conflicts`). */
async function checkOverlap(
  folder: string,
  base: string,
  me: LockInfo,
  o: { name?: string; conflicts?: (other: string) => boolean },
): Promise<void> {
  if (!o.name || !o.conflicts) return;
  for await (const e of Deno.readDir(base)) {
    if (e.name === o.name || !e.isFile || e.name.includes(".") || !o.conflicts(e.name)) continue;
    const other = readLock(join(base, e.name));
    if (other && !(other.host === me.host && !running(other.pid))) throw held(folder, other);
  }
}

/**
 * Runs `fn` as the one writer of `folder`: holding its lock, and with a
 * full disk or a read-only folder (engine/errors.ts `cannotWrite`) turned
 * into one user error that ends with `remedy` (what is kept, how to go on).
 */
export async function writing<T>(
  folder: string,
  remedy: string,
  fn: () => Promise<T>,
  o: { name?: string; conflicts?: (other: string) => boolean } = {},
): Promise<T> {
  const lock = await lockFolder(folder, o);
  try {
    return await fn();
  } catch (e) {
    const disk = cannotWrite(e);
    throw disk ? new UserError(`${disk}; ${remedy}`) : e;
  } finally {
    await lock.release();
  }
}

function held(folder: string, other: LockInfo): UserError {
  const since = new Date(other.since);
  const time = Number.isNaN(since.getTime()) ? other.since : since.toTimeString().slice(0, 8);
  return new UserError(
    `${folder} is being written by pid ${other.pid} (${other.command}) since ${time}` +
      `${other.host !== hostName() ? ` on ${other.host}` : ""}; choose another --out or wait`,
  );
}

function unreadable(folder: string, file: string): UserError {
  return new UserError(
    `${folder} is being written by another process (its lock ${file} cannot be read); ` +
      "choose another --out or wait",
  );
}
