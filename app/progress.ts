/**
 * A one-line training progress bar on stderr: episode, mean reward, mean
 * task completion time, loss, exploration rate and ETA. Evaluation lines
 * are printed above it.
 *
 * @module
 */
import type { TrainProgress } from "./train.ts";

const enc = new TextEncoder();

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return "-";
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-2 && x !== 0) ? x.toExponential(2) : x.toFixed(3);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
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
    if (p.type === "pretrain") {
      const f = p.pretrain ?? {};
      const text = `pre-trained: cloning loss ${fmt(f.firstLoss)} -> ${fmt(f.lastLoss)}, ` +
        `expert's action on ${fmt(100 * f.accuracy)} % of its states, mixer loss ${
          fmt(f.mixerLoss)
        }`;
      Deno.stderr.writeSync(enc.encode((tty ? "\r\x1b[2K" : "") + text + "\n"));
      return;
    }
    if (p.type === "eval") {
      const text = `eval @ ep ${p.episode}: mean TCT ${fmt(p.meanDelayS)} s, mean reward ${
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
