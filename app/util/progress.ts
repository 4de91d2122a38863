/**
 * Progress on stderr, for everything that makes a user wait: a bar over a
 * count (episodes, steps), the training bar (episode, mean reward, mean
 * task completion time, loss, exploration rate and ETA, with evaluation
 * lines printed above it) and the experiment's bar over its cells (counts
 * done, running and failed, and an ETA from the mean wall time of the
 * cells finished so far and the number of workers). On a terminal a bar
 * is redrawn in place; elsewhere (a log, a Slurm output file) each update
 * is a line.
 *
 * @module
 */
import type { TrainProgress } from "../train.ts";

const enc = new TextEncoder();

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : x.toFixed(3);
}

/**
 * A bar over a count of `what` (episodes, steps, cells): call it with the
 * count done, the total, the seconds since the start and a note.
 */
export function countBar(
  what: string,
  width = 24,
): (done: number, total: number, seconds: number, note?: string) => void {
  const tty = Deno.stderr.isTerminal();
  return (done, total, seconds, note = "") => {
    const eta = done > 0 ? (seconds / done) * (total - done) : Infinity;
    const filled = Math.round((width * done) / Math.max(1, total));
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const text = `[${bar}] ${what} ${done}/${total}  ${note}  ETA ${duration(eta)}`;
    Deno.stderr.writeSync(enc.encode(tty ? `\r\x1b[2K${text}` : `${text}\n`));
    if (tty && done === total) Deno.stderr.writeSync(enc.encode("\n"));
  };
}

/** Returns an `onProgress` callback that draws on `Deno.stderr`. */
export function progressBar(width = 24): (p: TrainProgress) => void {
  let first: { episode: number; seconds: number } | undefined;
  const tty = Deno.stderr.isTerminal();
  return (p) => {
    if (p.type === "pretrain" || p.type === "dagger") {
      const f = p.pretrain ?? {};
      const what = p.type === "dagger" ? `DAgger round ${p.round} re-trained` : "pre-trained";
      const text = `${what}: cloning loss ${fmt(f.firstLoss)} -> ${fmt(f.lastLoss)}, ` +
        `expert's action on ${fmt(100 * f.accuracy)} % of its states, mixer loss ${
          fmt(f.mixerLoss)
        }`;
      Deno.stderr.writeSync(enc.encode((tty ? "\r\x1b[2K" : "") + text + "\n"));
      return;
    }
    if (p.type === "eval") {
      const at = p.round !== undefined ? `DAgger round ${p.round}` : `ep ${p.episode}`;
      const text = `eval @ ${at}: mean TCT ${fmt(p.meanDelayS)} s, mean reward ${
        fmt(p.meanReward)
      }`;
      Deno.stderr.writeSync(enc.encode((tty ? "\r\x1b[2K" : "") + text + "\n"));
      return;
    }
    first ??= { episode: p.episode - 1, seconds: 0 };
    const rate = (p.seconds - first.seconds) / Math.max(1, p.episode - first.episode);
    const eta = rate * (p.episodes - p.episode);
    const filled = Math.round((width * p.episode) / p.episodes);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const text = `[${bar}] ep ${p.episode}/${p.episodes}  reward ${fmt(p.meanReward)}  ` +
      `TCT ${fmt(p.meanDelayS)} s  loss ${fmt(p.loss)}  eps ${fmt(p.epsilon)}  ETA ${
        duration(eta)
      }`;
    Deno.stderr.writeSync(enc.encode(tty ? `\r\x1b[2K${text}` : `${text}\n`));
    if (tty && p.episode === p.episodes) Deno.stderr.writeSync(enc.encode("\n"));
  };
}

/** `4.2 s`, `1m05s`, `2h03m`, or `?` when unknown. */
export function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  if (s < 60) return `${s.toFixed(1)} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

/** Counts of the cells of this run. */
export interface Counts {
  total: number;
  /** Done before this run started. */
  skipped: number;
  done: number;
  failed: number;
  running: number;
}

/** The bar's text for `counts`, `seconds` into the run with `jobs` workers. */
export function barText(c: Counts, seconds: number, jobs: number, width = 24): string {
  const finished = c.done + c.failed;
  const left = c.total - c.skipped - finished;
  const eta = finished > 0 ? (seconds / finished) * left / Math.min(jobs, Math.max(1, left)) : NaN;
  const all = c.skipped + finished;
  const filled = c.total > 0 ? Math.round((width * all) / c.total) : width;
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  return `[${bar}] ${all}/${c.total} cells  done ${c.done + c.skipped}  running ${c.running}  ` +
    `failed ${c.failed}  ETA ${left === 0 ? "0 s" : duration(eta)}`;
}

/** Draws the bar on stderr; `line` adds a line above it (a finished cell). */
export function cellsBar(jobs: number, quiet = false) {
  const tty = Deno.stderr.isTerminal();
  const t0 = performance.now();
  const write = (s: string) => quiet || Deno.stderr.writeSync(enc.encode(s));
  return {
    draw(c: Counts, line?: string) {
      const text = barText(c, (performance.now() - t0) / 1000, jobs);
      if (tty) write(`\r\x1b[2K${line ? `${line}\n` : ""}${text}`);
      else if (line) write(`${line}  ${text}\n`);
    },
    end() {
      if (tty) write("\n");
    },
  };
}
