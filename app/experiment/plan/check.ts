/**
 * Checks of an experiment the schema cannot express: seeds (train and
 * evaluation seeds kept apart, a seed for every cell kind a policy needs;
 * training's validation may use any seed, as it plays episodes 500,001..
 * of it, never the evaluated episodes 1..N),
 * and figures and reference claims that name existing keys, metrics,
 * figures and policies.
 *
 * @module
 */
import { didYouMean, type Problem, quote } from "../../../engine/errors.ts";
import type { Grid } from "./grid.ts";
import type { LoadedExperiment } from "./load.ts";
import { CURVE_METRICS, EVAL_METRICS, QUEUE_CURVE } from "./metrics.ts";
import type { ExperimentPolicy } from "./policies.ts";

type Path = (string | number)[];

/** Problems with `seeds:` and the validation seeds of training. */
export function checkSeeds(loaded: LoadedExperiment, policies: ExperimentPolicy[]): Problem[] {
  const { experiment: x, locate } = loaded;
  const out: Problem[] = [];
  const at = (path: Path, message: string) => out.push({ ...locate(path), message });
  for (const kind of ["train", "eval"] as const) {
    x.seeds[kind].forEach((s, i) => {
      if (x.seeds[kind].indexOf(s) !== i) at(["seeds", kind, i], `seed ${s} is listed twice`);
    });
  }
  const train = new Set(x.seeds.train);
  x.seeds.eval.forEach((s, i) => {
    if (train.has(s)) {
      at(
        ["seeds", "eval", i],
        `seed ${s} is also a train seed: keep evaluation seeds apart from training's`,
      );
    }
  });
  for (const p of policies) {
    const path: Path = ["policies", p.index];
    if (p.train && x.seeds.train.length === 0) {
      at(path, `policy "${p.label}" is trained, but seeds.train lists no seed`);
    }
    if (!p.train && x.seeds.eval.length === 0) {
      at(path, `policy "${p.label}" is only evaluated, but seeds.eval lists no seed`);
    }
  }
  return out;
}

const isCurve = (y: string) =>
  (CURVE_METRICS as readonly string[]).includes(y) || QUEUE_CURVE.test(y);
const EVAL_Y: readonly string[] = EVAL_METRICS;

/** Problems with `figures:` and `reference:`. */
export function checkFigures(
  loaded: LoadedExperiment,
  grid: Grid,
  policies: ExperimentPolicy[],
): Problem[] {
  const { experiment: x, locate } = loaded;
  const out: Problem[] = [];
  const at = (path: Path, message: string) => out.push({ ...locate(path), message });
  const columns = ["policy", "metric", "kind", ...grid.keys];
  const labels = policies.map((p) => p.label);
  const ids: string[] = [];
  for (const [i, f] of x.figures.entries()) {
    const p: Path = ["figures", i];
    if (ids.includes(f.id)) at([...p, "id"], `two figures have the id ${quote(f.id)}`);
    ids.push(f.id);
    if (f.source === "curve" && f.x !== "episode") {
      at([...p, "x"], `a curve figure has x: episode (training episodes), got ${quote(f.x)}`);
    }
    if (f.source === "eval" && !grid.keys.includes(f.x)) {
      at(
        [...p, "x"],
        `x must be a varied key${didYouMean(f.x, grid.keys)}` +
          (grid.keys.length
            ? `; the varied keys are ${grid.keys.join(", ")}`
            : "; nothing is varied"),
      );
    }
    const ys = typeof f.y === "string" ? [f.y] : f.y;
    for (const [j, y] of ys.entries()) {
      if (f.source === "curve" ? isCurve(y) : EVAL_Y.includes(y)) continue;
      const known: readonly string[] = f.source === "curve" ? CURVE_METRICS : EVAL_Y;
      const more = f.source === "curve"
        ? ", and backlog_<queue>_gflop per queue (cv1, rsu_alexnet, sv1, ...)"
        : "";
      at(
        typeof f.y === "string" ? [...p, "y"] : [...p, "y", j],
        `unknown ${f.source} metric ${quote(y)}${didYouMean(y, known)}; ` +
          `the metrics are ${known.join(", ")}${more}`,
      );
    }
    for (const key of ["series", "facet"] as const) {
      const v = f[key];
      if (v !== undefined && !columns.includes(v)) {
        at(
          [...p, key],
          `${key} must be "policy", "metric", "kind" or a varied key${didYouMean(v, columns)}`,
        );
      }
    }
    if (f.panels && f.facet !== undefined) {
      at([...p, "panels"], "panels and facet exclude each other: a figure has one or the other");
    }
    if (f.panels && f.series !== "policy") {
      at([...p, "panels"], 'panels group policies: they need series: "policy"');
    }
    for (const [j, panel] of (f.panels ?? []).entries()) {
      for (const [k, label] of panel.entries()) {
        if (!labels.includes(label)) {
          at(
            [...p, "panels", j, k],
            `no policy is labelled ${quote(label)}${didYouMean(label, labels)}`,
          );
        }
      }
    }
  }
  for (const [i, r] of x.reference.entries()) {
    const p: Path = ["reference", i];
    const fig = x.figures.find((f) => f.id === r.figure);
    if (!fig) {
      at([...p, "figure"], `no figure has the id ${quote(r.figure)}${didYouMean(r.figure, ids)}`);
    }
    for (const key of ["policy", "versus"] as const) {
      if (!labels.includes(r[key])) {
        at([...p, key], `no policy is labelled ${quote(r[key])}${didYouMean(r[key], labels)}`);
      }
    }
    for (const key of Object.keys(r.at ?? {})) {
      if (!grid.keys.includes(key)) {
        at([...p, "at", key], `${quote(key)} is not a varied key${didYouMean(key, grid.keys)}`);
      }
    }
    const metricOk = fig?.source === "curve"
      ? isCurve(r.metric) || EVAL_Y.includes(r.metric)
      : EVAL_Y.includes(r.metric);
    if (fig && !metricOk) {
      at([...p, "metric"], `unknown metric ${quote(r.metric)}${didYouMean(r.metric, EVAL_Y)}`);
    }
  }
  return out;
}
