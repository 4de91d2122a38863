import assert from "node:assert/strict";
import { join } from "node:path";
import type { Cell } from "../../../app/report/contract.ts";
import { escapeHtml, formatNumber, prefixSvgIds } from "../../../app/report/html.ts";
import { writeReport } from "../../../app/report/write.ts";
import { VERSION } from "../../../engine/version.ts";
import { fixtureCells, fixtureExperiment, writeFixture } from "./_fixture.ts";

const HOSTILE = `<img src="x" onerror="alert(1)">`;

async function hostileReport(): Promise<string> {
  const { cells } = fixtureCells();
  const experiment = { ...fixtureExperiment(), name: `fig & ${HOSTILE}` };
  const renamed: Cell[] = cells.map((c) =>
    c.policy.label === "greedy" ? { ...c, policy: { ...c.policy, label: HOSTILE } } : c
  );
  const [dir] = await writeFixture(1, { cells: renamed, experiment });
  // The manifest names the policy as the cells do.
  const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  for (const m of manifest.cells) if (m.policy.label === "greedy") m.policy.label = HOSTILE;
  await Deno.writeTextFile(join(dir, "manifest.json"), JSON.stringify(manifest));
  await writeReport([dir], { png: false });
  return await Deno.readTextFile(join(dir, "report.html"));
}

Deno.test("report.html is self-contained: no scripts, no external resources, a strict CSP", async () => {
  const [dir] = await writeFixture(1);
  await writeReport([dir], { png: false });
  const html = await Deno.readTextFile(join(dir, "report.html"));
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.doesNotMatch(html, /<script|<link|<iframe|<img|\bsrc=|@import/i);
  // Every URL on the page is an XML namespace name (never fetched) or a link to a figure file.
  const urls = [...html.matchAll(/(?:https?:)?\/\/[^\s"')<]+/g)].map((m) => m[0]);
  assert.ok(urls.length > 0);
  for (const u of urls) assert.match(u, /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/, u);
  for (const m of html.matchAll(/href="([^"]*)"/g)) {
    assert.match(m[1], /^(#|figures\/[\w.-]+\.(svg|png|vl\.json)$)/, m[1]);
  }
});

Deno.test("report.html escapes user text everywhere, in tables and in the figures", async () => {
  const html = await hostileReport();
  assert.ok(!html.includes(HOSTILE));
  assert.ok(html.includes(escapeHtml(HOSTILE)));
  assert.match(html, /<h1>fig &amp; &lt;img/);
});

Deno.test("report.html: figures inline with unique ids, margins, metrics table, versions", async () => {
  const [dir] = await writeFixture(1);
  await writeReport([dir], { png: false });
  const html = await Deno.readTextFile(join(dir, "report.html"));
  assert.equal(html.match(/<figure id="figure-/g)?.length, 4);
  assert.equal(html.match(/<svg /g)?.length, 4);
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, "ids are unique on the page");
  for (const m of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(m[1]), m[1]);
  assert.match(html, /<span class="disagree">disagrees: we measure 59\.1 %/);
  // The metrics table: mad2rl at 5 CVs, 6 seeds.
  assert.match(
    html,
    /<tr><td>5<\/td><td>mad2rl<\/td><td class="n">0\.1 \[0\.1, 0\.1\]<\/td><td class="n">20\.38 \[[\d.]+, [\d.]+\]<\/td>/,
  );
  assert.ok(html.includes(`Report by vecscene ${VERSION}`));
  assert.ok(html.includes("22 of 22 cells done, 0 failed, 0 not run yet."));
  assert.ok(html.includes(escapeHtml(JSON.stringify(fixtureExperiment(), null, 2)).slice(0, 200)));
});

Deno.test("helpers: four significant digits; svg ids prefixed with their references", () => {
  assert.deepEqual([12.375, 20.375, 1234567.8, 0.000123456, 3, null].map(formatNumber), [
    "12.38",
    "20.38",
    "1235000",
    "0.0001235",
    "3",
    "",
  ]);
  assert.equal(
    prefixSvgIds('<clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/>', "f-"),
    '<clipPath id="f-clip1"/><g clip-path="url(#f-clip1)"/><use href="#f-clip1"/>',
  );
});
