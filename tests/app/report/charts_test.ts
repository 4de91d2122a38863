import assert from "node:assert/strict";
import { chartData, figureSpec } from "../../../app/report/charts.ts";
import type { Figure } from "../../../app/report/contract.ts";
import { renderSvg } from "../../../app/report/render.ts";
import { summarize } from "../../../app/report/summary.ts";
import { tidyRows } from "../../../app/report/tidy.ts";
import { fixtureCells, fixtureExperiment } from "./_fixture.ts";

const VARY = ["vehicles.clients.count"];
const SUMMARY = summarize(VARY, tidyRows(VARY, fixtureCells().cells));
const figure = (id: string): Figure => fixtureExperiment().figures.find((f) => f.id === id)!;
const ORDER = ["mad2rl", "greedy"];

/** The drawn elements (paths, lines) with this ARIA role description, and their attributes. */
function marks(svg: string, role: string): Record<string, string>[] {
  return [...svg.matchAll(/<(?:path|line)\b([^>]*)>/g)]
    .map((m) =>
      Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]))
    )
    .filter((a) => a["aria-roledescription"] === role);
}

Deno.test("a line figure: one line and one band per series, a point per mean, labelled values", async () => {
  const svg = await renderSvg(figureSpec(figure("delay"), VARY, SUMMARY, ORDER));
  assert.match(svg, /^<svg [^>]*width="\d+" height="\d+"/);
  const lines = marks(svg, "line mark");
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.d.length > 10), "lines have geometry");
  assert.equal(marks(svg, "area mark").length, 2);
  const points = marks(svg, "point").map((p) => p["aria-label"]).sort();
  assert.deepEqual(
    points,
    [
      "vehicles.clients.count: 3; mean_delay_s (mean, 95 % CI): 12.375; series: mad2rl",
      "vehicles.clients.count: 3; mean_delay_s (mean, 95 % CI): 30; series: greedy",
      "vehicles.clients.count: 5; mean_delay_s (mean, 95 % CI): 20.375; series: mad2rl",
      "vehicles.clients.count: 5; mean_delay_s (mean, 95 % CI): 50; series: greedy",
    ].map((s) => s.replace("series", "policy")),
  );
  // The legend follows the experiment's policy order.
  assert.ok(svg.indexOf(">mad2rl</text>") < svg.indexOf(">greedy</text>"));
});

Deno.test("a bar figure: a bar per point and series in the series' colour, an error bar each", async () => {
  const svg = await renderSvg(figureSpec(figure("delay-bars"), VARY, SUMMARY, ORDER));
  const bars = marks(svg, "bar");
  assert.equal(bars.length, 4);
  const colours = new Map(bars.map((b) => [b["aria-label"].match(/policy: (\w+)/)![1], b.fill]));
  assert.equal(colours.size, 2);
  assert.notEqual(colours.get("mad2rl"), colours.get("greedy"));
  const rules = marks(svg, "rule mark");
  assert.equal(rules.length, 4);
  // greedy at 3 CVs: seeds give 29.5, 30, 30.5; with 3 seeds the interval is [min, max].
  assert.ok(rules.some((r) => r["aria-label"].includes("CI): 29.5; hi: 30.5; series: greedy")));
});

Deno.test("a curve figure with a facet: one panel per facet value, a band over seeds", async () => {
  const spec = figureSpec(figure("reward"), VARY, SUMMARY, ORDER);
  const { data } = chartData(figure("reward"), VARY, SUMMARY, ORDER);
  assert.equal(data.length, 2 * 4);
  const d = data.find((p) => p.facet === "5" && p.x === 1)!;
  // reward = -100 / episode - cvs + train seed, seeds 1 and 2.
  assert.deepEqual([d.mean, d.lo, d.hi, d.series], [-103.5, -104, -103, "mad2rl"]);
  const svg = await renderSvg(spec);
  assert.equal(marks(svg, "line mark").length, 2);
  assert.equal(marks(svg, "area mark").length, 2);
  assert.match(svg, />vehicles\.clients\.count<\/text>/);
});

Deno.test("a varied key the figure does not place joins the series' names", () => {
  const f: Figure = { ...figure("delay"), x: "episode", source: "eval" };
  const { series } = chartData({ ...f, x: "none" }, VARY, SUMMARY, ORDER);
  assert.deepEqual(series, [
    "mad2rl, vehicles.clients.count=3",
    "mad2rl, vehicles.clients.count=5",
    "greedy, vehicles.clients.count=3",
    "greedy, vehicles.clients.count=5",
  ]);
});

Deno.test("the same summary renders to the same SVG, byte for byte", async () => {
  const spec = figureSpec(figure("delay"), VARY, SUMMARY, ORDER);
  const [a, b] = [await renderSvg(spec), await renderSvg(structuredClone(spec))];
  assert.equal(a, b);
});
