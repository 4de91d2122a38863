/**
 * `models`: a DNN's per-layer table (eq. (3) data sizes, eq. (6) workloads).
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { didYouMean, quote, UserError } from "../../engine/errors.ts";
import type { DnnTable } from "../../engine/dnn/layers.ts";
import { BUILTIN_MODELS } from "../../engine/dnn/zoo.ts";
import { loadScenario } from "../../engine/scenario/load.ts";
import { ScenarioSchema } from "../../engine/scenario/schema.ts";
import { buildTables } from "../../engine/world.ts";
import { checkPathFlag } from "./flags.ts";

/** The `models` command and its flags, declared once. */
function declare() {
  return new Command("models")
    .description("Print a DNN's per-layer table: index, name, type, transmitted bytes D, workload")
    .argument("[name]", "model name (default: all models of the scenario, or the built-ins)")
    .option("--json", "print JSON")
    .addOption(
      new Option("--flops <convention>", "eq. (6) convention (MODEL.md A4)").choices(
        ["literal", "exact"] as const,
      ),
    )
    .option("--scenario <file>", "take models, input shape and custom layers from a scenario");
}

/** Options of `models`, as commander parses them. */
export type ModelsOptions = ReturnType<ReturnType<typeof declare>["opts"]>;

/** `models`, ready to add to the program. */
export const modelsCli = () => declare().action(modelsCommand);

/** The tables the command shows. */
export async function modelTables(name: string | undefined, o: ModelsOptions): Promise<DnnTable[]> {
  const base = o.scenario
    ? (await loadScenario(o.scenario)).scenario
    : ScenarioSchema.parse({ dnn: { models: Object.keys(BUILTIN_MODELS) } });
  const s = { ...base, dnn: { ...base.dnn, flops: o.flops ?? base.dnn.flops } };
  const names = [...new Set([...s.dnn.models, ...Object.keys(s.dnn.custom)])];
  if (name !== undefined && !names.includes(name)) {
    throw new UserError(
      `unknown model ${quote(name)}${didYouMean(name, names)}; known: ${names.join(", ")}`,
    );
  }
  const wanted = name === undefined ? names : [name];
  return buildTables({ ...s, dnn: { ...s.dnn, models: wanted } });
}

function text(t: DnnTable): string {
  const head = ["l", "name", "type", "input", "D_l (bytes)", "B_l (GFLOP)"];
  const rows = t.layers.map((r) => [
    String(r.index),
    r.name,
    r.type,
    r.inShape.join("x"),
    String(r.dBytes),
    r.workGflop.toFixed(6),
  ]);
  rows.push([String(t.L + 1), "(fully local)", "-", "-", "0", "0"]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r.map((x, c) => (c >= 4 ? x.padStart(w[c]) : x.padEnd(w[c]))).join("  ");
  return [
    `${t.name}: L = ${t.L}, L^con = ${t.Lcon}, total ${t.totalGflop.toFixed(3)} GFLOP`,
    line(head),
    ...rows.map(line),
  ].join("\n");
}

export async function modelsCommand(name: string | undefined, o: ModelsOptions): Promise<void> {
  checkPathFlag("--scenario", o.scenario);
  const tables = await modelTables(name, o);
  if (o.json) {
    const out = tables.map((t) => ({
      name: t.name,
      L: t.L,
      Lcon: t.Lcon,
      totalGflop: t.totalGflop,
      layers: t.layers,
    }));
    console.log(JSON.stringify(name === undefined ? out : out[0], null, 2));
  } else {
    console.log(tables.map(text).join("\n\n"));
  }
}
