import assert from "node:assert/strict";
import { chartData, figureSpec, POLICY_COLOURS } from "../../../app/report/charts.ts";
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

Deno.test("a key varied together with a placed one (a zip partner) stays out of the names", () => {
  // `coverage` is 100 x the CV count: a zip partner of the facet, one value per point.
  const vary = [...VARY, "coverage"];
  const rows = SUMMARY.map((r) => ({
    ...r,
    point: { ...r.point, coverage: 100 * Number(r.point["vehicles.clients.count"]) },
  }));
  const f: Figure = { ...figure("delay"), x: "none", facet: "vehicles.clients.count" };
  assert.deepEqual(chartData(f, vary, rows, ORDER).series, ["mad2rl", "greedy"]);
  // Varied apart from the facet, it still names the series (the points would coincide).
  const apart = rows.flatMap((r) =>
    [0, 1].map((c) => ({ ...r, point: { ...r.point, coverage: c } }))
  );
  assert.ok(chartData(f, vary, apart, ORDER).series.some((x) => x.includes("coverage=")));
});

Deno.test("the same summary renders to the same SVG, byte for byte", async () => {
  const spec = figureSpec(figure("delay"), VARY, SUMMARY, ORDER);
  const [a, b] = [await renderSvg(spec), await renderSvg(structuredClone(spec))];
  assert.equal(a, b);
});

Deno.test("scale: log draws a log y axis and leaves out what it cannot place", async () => {
  const f = { ...figure("delay"), scale: "log" as const };
  const spec = figureSpec(f, VARY, SUMMARY, ORDER) as {
    layer: { encoding: { y: { scale?: { type: string } } } }[];
    data: { values: { mean: number }[] };
  };
  assert.ok(spec.layer.every((l) => l.encoding.y.scale?.type === "log"));
  assert.ok(spec.data.values.every((d) => d.mean > 0));
  const svg = await renderSvg(spec);
  assert.equal(marks(svg, "line mark").length, 2);
  assert.match(svg, /log scale/);
});

Deno.test("panels: one y axis per group of policies, an outlier drawn apart", async () => {
  const f = { ...figure("delay"), panels: [["greedy", "mad2rl"], ["mad2rl"]] };
  const svg = await renderSvg(figureSpec(f, VARY, SUMMARY, ORDER));
  const lines = marks(svg, "line mark");
  assert.equal(lines.length, 3); // both policies, then mad2rl alone
  // Alone on its axis, mad2rl's line spans the panel's height; beside greedy it does not.
  const height = (d: string) => {
    const ys = [...d.matchAll(/[ML]-?[\d.]+,(-?[\d.]+)/g)].map((m) => Number(m[1]));
    return Math.max(...ys) - Math.min(...ys);
  };
  const spans = lines.map((l) => height(l.d));
  assert.ok(Math.max(...spans) > 2 * Math.min(...spans), `line heights ${spans}`);
});

Deno.test("a policy has the same colour in every figure, whatever the other series", () => {
  const colourOf = (f: Figure, order: string[], label: string) => {
    const spec = figureSpec(f, VARY, SUMMARY, order) as {
      layer: { encoding: { color: { scale: { domain: string[]; range: string[] } } } }[];
    };
    const { domain, range } = spec.layer[0].encoding.color.scale;
    return range[domain.indexOf(label)];
  };
  const both = colourOf(figure("delay"), ORDER, "mad2rl");
  const reversed = colourOf(figure("delay"), ["greedy", "mad2rl"], "mad2rl");
  assert.equal(both, POLICY_COLOURS.mad2rl);
  assert.equal(reversed, both);
  assert.notEqual(colourOf(figure("delay"), ORDER, "greedy"), both);
});
