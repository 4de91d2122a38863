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
      return /^(line mark|bar|area mark)$/.test(m.getAttribute("aria-roledescription")) &&
        b.width > 0 && b.height > 0;
    });
    return { width: box.width, height: box.height, marks: marks.length };
  });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(probe);
  document.body.append(pre);
});
</script>`;

Deno.test({
  name: "report.html renders in headless Chromium without errors, its figures visible",
  ignore: !chromium,
  async fn() {
    const [dir] = await writeFixture(1);
    await writeReport([dir], { png: false });
    const page = join(dir, "report.html");
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
    const probe = JSON.parse(json[1].replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
    assert.deepEqual(probe.errors, []);
    assert.deepEqual(probe.violations, [], "the page requested nothing outside itself");
    // delay: 2 bands + 2 lines; delay-bars: 4 bars; delay-panels (log): 2 + 2, then 1 + 1;
    // reward: 2 panels x (band + line).
    assert.deepEqual(
      probe.figures.map((f: { marks: number }) => f.marks),
      [4, 4, 6, 4],
    );
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
