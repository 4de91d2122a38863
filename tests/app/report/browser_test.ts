/**
 * report.html in a real browser: headless Chromium (Debian's `chromium`)
 * loads the page with a probe script added, which records errors and CSP
 * violations and measures every figure; a screenshot of the unmodified page
 * must show the series' colours. Skipped, saying why, where Chromium is
 * missing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { POLICY_COLOURS } from "../../../app/report/charts.ts";
import { writeReport } from "../../../app/report/write.ts";
import { countColour, decodePng } from "./_png.ts";
import { writeFixture } from "./_fixture.ts";

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"];

async function findChromium(): Promise<string | undefined> {
  for (const exe of CHROMIUM) {
    try {
      const r = await new Deno.Command(exe, { args: ["--version"], stdout: "null", stderr: "null" })
        .output();
      if (r.success) return exe;
    } catch { /* not installed */ }
  }
  return undefined;
}

const chromium = await findChromium();
if (!chromium) {
  console.log(`browser_test: skipped as no Chromium is installed (${CHROMIUM.join(", ")})`);
}

async function browse(args: string[]): Promise<{ out: string; err: string }> {
  const profile = await Deno.makeTempDir({ prefix: "vecscene-chromium-" });
  const r = await new Deno.Command(chromium!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      `--user-data-dir=${profile}`,
      "--enable-logging=stderr",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  await Deno.remove(profile, { recursive: true }).catch(() => {});
  assert.ok(r.success, dec.decode(r.stderr));
  return { out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Records errors and CSP violations from the start, and measures the figures once loaded. */
const PROBE = `<script>
const probe = { errors: [], violations: [] };
addEventListener("error", (e) => probe.errors.push(String(e.message ?? e.type)), true);
document.addEventListener("securitypolicyviolation", (e) => probe.violations.push(e.blockedURI));
addEventListener("load", () => {
  probe.figures = [...document.querySelectorAll("figure svg")].map((svg) => {
    const box = svg.getBoundingClientRect();
    const marks = [...svg.querySelectorAll("[aria-roledescription]")].filter((m) => {
      const b = m.getBoundingClientRect();
      // A flat line has no height: it is drawn all the same.
      return /^(line mark|bar|area mark)$/.test(m.getAttribute("aria-roledescription")) &&
        b.width > 0 && (b.height > 0 || m.getAttribute("aria-roledescription") === "line mark");
    });
    // Each line's plotted vertical range as a fraction of its plot's height: the line's
    // group draws a background the size of the plot it sits in.
    const lines = marks.filter((m) => m.getAttribute("aria-roledescription") === "line mark")
      .map((m) => {
        const plot = m.closest("g.mark-group")?.querySelector("path.background")
          ?.getBoundingClientRect();
        const b = m.getBoundingClientRect();
        return { stroke: m.getAttribute("stroke"), range: plot ? b.height / plot.height : -1 };
      });
    return { width: box.width, height: box.height, marks: marks.length, lines };
  });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(probe);
  document.body.append(pre);
});
</script>`;

interface Probe {
  errors: string[];
  violations: string[];
  figures: { width: number; height: number; marks: number; lines: Line[] }[];
}
interface Line {
  stroke: string;
  range: number;
}

/** Loads a copy of `page` with the probe (in `dir`) and returns what the probe saw. */
async function probePage(page: string, dir: string): Promise<Probe> {
  const html = await Deno.readTextFile(page);
  // The probe's copy: the page's policy plus inline scripts, the probe first in <head>.
  const probed = html.replace(
    "default-src 'none';",
    "default-src 'none'; script-src 'unsafe-inline';",
  )
    .replace("<head>", `<head>${PROBE}`);
  assert.notEqual(probed, html);
  const probePage = join(dir, "probe.html");
  await Deno.writeTextFile(probePage, probed);
  const dom = await browse(["--dump-dom", `file://${probePage}`]);
  const json = dom.out.match(/<pre id="probe">([^<]*)<\/pre>/);
  assert.ok(json, `no probe output in the dumped DOM: ${dom.out.slice(0, 500)}`);
  return JSON.parse(json[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
}

/**
 * The largest plotted range of each series (by its colour) over a figure's
 * plots: a series is readable when some plot draws it over a visible part of
 * its height, not flattened against the axis by an outlier.
 */
function bestRanges(lines: Line[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const l of lines) best.set(l.stroke, Math.max(best.get(l.stroke) ?? 0, l.range));
  return best;
}

/** The least fraction of a plot's height a series must span somewhere to be readable. */
const READABLE = 0.1;

Deno.test({
  name: "report.html renders in headless Chromium without errors, its figures visible",
  ignore: !chromium,
  async fn() {
    const [dir] = await writeFixture(1);
    await writeReport([dir], { png: false });
    const page = join(dir, "report.html");
    const probe = await probePage(page, dir);
    assert.deepEqual(probe.errors, []);
    assert.deepEqual(probe.violations, [], "the page requested nothing outside itself");
    // delay: 2 bands + 2 lines; delay-bars: 4 bars; delay-panels (log): 2 + 2, then 1 + 1;
    // reward: 2 panels x (band + line).
    assert.deepEqual(
      probe.figures.map((f: { marks: number }) => f.marks),
      [4, 4, 6, 4],
    );
    for (const [i, f] of probe.figures.entries()) {
      for (const [stroke, range] of bestRanges(f.lines)) {
        assert.ok(range >= READABLE, `figure ${i}: the ${stroke} line spans ${range} of its plot`);
      }
    }
    for (const f of probe.figures) assert.ok(f.width > 200 && f.height > 150, JSON.stringify(f));

    const shot = join(dir, "shot.png");
    const seen = await browse([
      `--screenshot=${shot}`,
      "--window-size=1280,1600",
      `file://${page}`,
    ]);
    assert.doesNotMatch(seen.err, /Refused to|Uncaught/);
    const img = decodePng(await Deno.readFile(shot));
    assert.deepEqual([img.width, img.height], [1280, 1600]);
    // The policies' own colours (the same in every figure): their lines, points and bars.
    const greedy = countColour(img, POLICY_COLOURS.greedy);
    const mad2rl = countColour(img, POLICY_COLOURS.mad2rl);
    assert.ok(greedy > 2000 && mad2rl > 2000, `series pixels: greedy ${greedy}, mad2rl ${mad2rl}`);
  },
});

/** The policies whose mean delay is not the same at every grid point of a summary. */
async function varying(summaryCsv: string): Promise<Set<string>> {
  const [head, ...rows] = (await Deno.readTextFile(summaryCsv)).trim().split("\n");
  const col = head.split(",");
  const [policy, kind, metric, mean] = ["policy", "kind", "metric", "mean"].map((c) =>
    col.indexOf(c)
  );
  const values = new Map<string, number[]>();
  for (const r of rows.map((l) => l.split(","))) {
    if (r[kind] !== "eval" || r[metric] !== "mean_delay_s") continue;
    values.set(r[policy], [...(values.get(r[policy]) ?? []), Number(r[mean])]);
  }
  return new Set(
    [...values].filter(([, v]) => Math.max(...v) - Math.min(...v) > 1e-9 * Math.max(...v))
      .map(([p]) => p),
  );
}

/** Policy colour -> label, to name a series in a message. */
const LABELS = new Map(Object.entries(POLICY_COLOURS).map(([label, colour]) => [colour, label]));

Deno.test({
  name: "the shipped Figs. 8(a) and 8(b) draw every policy over a readable part of a plot",
  ignore: !chromium,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "vecscene-shipped-report-" });
    for (const name of ["fig8a", "fig8b"]) {
      const probe = await probePage(`docs/results/${name}/report.html`, dir);
      assert.deepEqual(probe.errors, [], name);
      const [figure] = probe.figures;
      const best = bestRanges(figure.lines);
      // Greedy, Genetic, local-search, P-QMIX, MAD2RL: each with its own colour.
      assert.equal(best.size, 5, `${name}: ${[...best.keys()]}`);
      const moves = await varying(`docs/results/${name}/summary.csv`);
      for (const [stroke, range] of best) {
        const label = LABELS.get(stroke) ?? stroke;
        // A series whose means are all equal is a flat line wherever it is drawn.
        if (!moves.has(label)) continue;
        assert.ok(range >= READABLE, `${name}: ${label} spans ${range.toFixed(3)} of its plot`);
      }
    }
    await Deno.remove(dir, { recursive: true });
  },
});
