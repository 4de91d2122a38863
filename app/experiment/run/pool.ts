/**
 * A pool of worker processes on one machine: each runs the CLI on one cell
 * (`experiment FILE --cell HASH`), its output appended to
 * `OUT/logs/<hash>.log` under a header line per attempt. A cell starts when
 * the cells it depends on are done, in manifest order; a cell whose
 * dependency failed is recorded as failed without being run. A worker that
 * dies without writing its cell's file (killed, out of memory) has its cell
 * recorded as failed with the end of its log, unless the pool is being
 * stopped, in which case the cell is left to the next run.
 *
 * @module
 */
import { writeFileAtomic } from "../../../engine/output/atomic.ts";
import { cellJson, cellPaths, readSealed } from "./cell.ts";
import type { Cell } from "../plan/expand.ts";

/** The first line of each attempt in a cell's log. */
export const ATTEMPT_HEADER = "== vecscene experiment cell";

/** The status of a cell file, if there is one; a damaged one is a user error naming it. */
export async function cellStatus(
  out: string,
  hash: string,
): Promise<"done" | "failed" | undefined> {
  let cell;
  try {
    cell = await readSealed(cellPaths(out, hash).cell);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return cell.status === "done" || cell.status === "failed" ? cell.status : undefined;
}

/** A cell finished (or given up) by the pool. */
export interface Finished {
  cell: Cell;
  ok: boolean;
  /** Whether a worker ran it (not: a dependency failed). */
  ran: boolean;
  seconds: number;
}

/** Options of {@linkcode runPool}. */
export interface PoolOptions {
  jobs: number;
  out: string;
  /** The program and arguments of a worker that runs the cell `hash`. */
  worker: (hash: string) => { cmd: string; args: string[] };
  onStart?: (cell: Cell) => void;
  onFinish?: (f: Finished) => void;
  /** Stops launching cells and ends the running workers. */
  signal?: AbortSignal;
}

/** A short description of a cell for logs and progress lines. */
export function describeCell(c: Cell): string {
  const point = Object.entries(c.point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  const seeds = [c.seeds.train, c.seeds.eval].map((s) => s ?? "-").join("/");
  return `${c.kind} ${c.policy.label} ${point ? `${point} ` : ""}seeds ${seeds} (${c.hash})`;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/** The last `n` lines of a text file. */
async function tail(path: string, n: number): Promise<string> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** Runs one cell in a worker process; resolves when it has a result (or the pool stops). */
async function attempt(cell: Cell, o: PoolOptions): Promise<boolean> {
  const paths = cellPaths(o.out, cell.hash);
  await Deno.mkdir(`${o.out}/logs`, { recursive: true });
  // A retried cell's old failure is dropped: a cell without a file is run by the next run.
  await Deno.remove(paths.cell).catch(() => {});
  const log = await Deno.open(paths.log, { create: true, append: true });
  try {
    const header = `${ATTEMPT_HEADER} ${describeCell(cell)} at ${new Date().toISOString()} ==\n`;
    await writeAll(log, new TextEncoder().encode(header));
    const { cmd, args } = o.worker(cell.hash);
    const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped", stdin: "null" })
      .spawn();
    const stop = () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    };
    o.signal?.addEventListener("abort", stop);
    const pump = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s) await writeAll(log, chunk);
    };
    const [status] = await Promise.all([child.status, pump(child.stdout), pump(child.stderr)]);
    o.signal?.removeEventListener("abort", stop);
    const result = await cellStatus(o.out, cell.hash);
    if (result) return result === "done";
    if (o.signal?.aborted) return false;
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    const error = `the worker ${how} without a result; the end of ${paths.log}:\n` +
      await tail(paths.log, 5);
    await writeFileAtomic(paths.cell, cellJson(cell, "failed", { error }));
    return false;
  } finally {
    log.close();
  }
}

/**
 * Runs `cells` (in manifest order) with `o.jobs` workers; `done` holds the
 * hashes already done (dependencies met). Returns when every cell has
 * finished, or when `o.signal` stops the pool.
 */
export async function runPool(cells: Cell[], done: Set<string>, o: PoolOptions): Promise<void> {
  const waiting = [...cells];
  const failed = new Set<string>();
  const running = new Map<string, Promise<void>>();
  const launch = (cell: Cell) => {
    const t0 = performance.now();
    o.onStart?.(cell);
    const p = attempt(cell, o).then((ok) => {
      running.delete(cell.hash);
      if (o.signal?.aborted && !ok) return;
      (ok ? done : failed).add(cell.hash);
      o.onFinish?.({ cell, ok, ran: true, seconds: (performance.now() - t0) / 1000 });
    });
    running.set(cell.hash, p);
  };
  while (!o.signal?.aborted && (waiting.length > 0 || running.size > 0)) {
    for (let i = 0; i < waiting.length && running.size < o.jobs && !o.signal?.aborted;) {
      const cell = waiting[i];
      const bad = cell.deps.find((d) => failed.has(d));
      if (bad) {
        waiting.splice(i, 1);
        const error = `it depends on cell ${bad}, which failed (see cells/${bad}.json)`;
        await writeFileAtomic(
          cellPaths(o.out, cell.hash).cell,
          cellJson(cell, "failed", { error }),
        );
        failed.add(cell.hash);
        o.onFinish?.({ cell, ok: false, ran: false, seconds: 0 });
        continue;
      }
      if (cell.deps.every((d) => done.has(d))) {
        waiting.splice(i, 1);
        launch(cell);
        continue;
      }
      i++;
    }
    if (running.size === 0) {
      // Nothing runs and nothing can start: dependencies outside this run (another shard).
      for (const cell of waiting.splice(0)) {
        const error = `its dependencies ${
          cell.deps.join(", ")
        } are not done; run their shard first`;
        await writeFileAtomic(
          cellPaths(o.out, cell.hash).cell,
          cellJson(cell, "failed", { error }),
        );
        o.onFinish?.({ cell, ok: false, ran: false, seconds: 0 });
      }
      break;
    }
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
}
