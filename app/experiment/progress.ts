/**
 * The progress of an experiment on stderr: one bar over its cells with
 * the counts done, running and failed and an ETA (from the mean wall time
 * of the cells finished so far and the number of workers); on a terminal it
 * is redrawn in place, elsewhere (a log, a Slurm output file) one line is
 * printed per finished cell.
 *
 * @module
 */

const enc = new TextEncoder();

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
