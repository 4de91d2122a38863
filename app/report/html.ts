/**
 * `report.html`: one self-contained page (inline SVG figures and styles, no
 * scripts, no external requests: its Content-Security-Policy forbids them)
 * with the figures, our margins beside the paper's, a table of every
 * evaluation metric (mean and 95 % CI over seeds), the failed and missing
 * cells, the resolved experiment and the software versions.
 *
 * @module
 */
import type { Cell, Experiment, ManifestCell } from "./contract.ts";
import type { Margin } from "./margin.ts";
import type { SummaryRow } from "./summary.ts";
import { compareText, formatValue } from "./tidy.ts";

/** What the page shows. */
export interface ReportPage {
  experiment: Experiment;
  /** Figure id -> SVG text. */
  figures: { id: string; title: string; caption?: string; svg: string; png: boolean }[];
  margins: Margin[];
  summary: readonly SummaryRow[];
  cells: { total: number; done: number; failed: Cell[]; missing: ManifestCell[] };
  /** The report's software version, and the versions the cells were computed with. */
  version: string;
  cellVersions: string[];
  folders: string[];
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

/** Four significant digits, no exponent below 1e21. */
export function formatNumber(v: number | null): string {
  if (v === null) return "";
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** Prefixes the ids of an SVG (clip paths, gradients), so that several can share a page. */
export function prefixSvgIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:13px}
th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}
figure{margin:1.2rem 0;display:inline-block;vertical-align:top}
figure svg{max-width:100%;height:auto}figcaption{font-size:13px;color:#555}figcaption .caption{margin:4px 0 0;max-width:60em;color:#333}
.agree{color:#1a6e1a;font-weight:600}.disagree{color:#a31515;font-weight:600}
pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:12px;max-height:30rem}
.note{color:#555;font-size:13px}.wide{overflow-x:auto}`;

function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const tr = rows.map((r) =>
    `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ""}>${c}</td>`).join("")}</tr>`
  ).join("\n");
  return `<div class="wide"><table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table></div>`;
}

function interval(r: { mean: number | null; ciLow: number | null; ciHigh: number | null }) {
  if (r.mean === null) return "";
  return `${formatNumber(r.mean)} [${formatNumber(r.ciLow)}, ${formatNumber(r.ciHigh)}]`;
}

function figuresSection(p: ReportPage): string {
  if (p.figures.length === 0) return "<p>The experiment declares no figures.</p>";
  return p.figures.map((f) => {
    const links = [`<a href="figures/${f.id}.svg">SVG</a>`];
    if (f.png) links.push(`<a href="figures/${f.id}.png">PNG</a>`);
    links.push(`<a href="figures/${f.id}.vl.json">Vega-Lite</a>`);
    return `<figure id="figure-${escapeHtml(f.id)}">${prefixSvgIds(f.svg, `${f.id}-`)}
<figcaption>${escapeHtml(f.id)}: ${escapeHtml(f.title)} (${links.join(", ")})${
      f.caption ? `<p class="caption">${escapeHtml(f.caption)}</p>` : ""
    }</figcaption></figure>`;
  }).join("\n");
}

function marginsSection(p: ReportPage): string {
  if (p.margins.length === 0) return "<p>The experiment states no reference margins.</p>";
  const pct = (v: number | null) => (v === null ? "" : `${(v * 100).toFixed(1)} %`);
  const rows = p.margins.map((m) => {
    const r = m.reference;
    const cls = m.agrees === true ? "agree" : m.agrees === false ? "disagree" : "";
    const at = r.at ? ` at ${escapeHtml(JSON.stringify(r.at))}` : "";
    return [
      escapeHtml(r.id),
      `${escapeHtml(r.claim)}<br><span class="note">${escapeHtml(r.source)}</span>`,
      `${escapeHtml(r.metric)}: ${escapeHtml(r.policy)} vs ${escapeHtml(r.versus)} ` +
      `(figure ${escapeHtml(r.figure)}${at})`,
      pct(r.margin),
      m.ours === null ? "" : `${pct(m.ours)} [${pct(m.ciLow)}, ${pct(m.ciHigh)}]`,
      `${m.points} / ${m.minSeeds}`,
      `<span class="${cls}">${escapeHtml(m.verdict)}</span>`,
    ];
  });
  return table(
    ["id", "claim", "compared", "paper", "ours [95 % CI]", "points / min seeds", "verdict"],
    rows,
    [false, false, false, true, true, true, false],
  );
}

function metricsSection(p: ReportPage): string {
  const evalRows = p.summary.filter((r) => r.kind === "eval" && r.episode === null);
  if (evalRows.length === 0) return "<p>No evaluation cell has finished.</p>";
  const vary = p.experiment.vary;
  const metrics = [...new Set(evalRows.map((r) => r.metric))].sort(compareText);
  const lines = new Map<string, { cols: string[]; cells: Map<string, SummaryRow> }>();
  for (const r of evalRows) {
    const cols = [...vary.map((k) => formatValue(r.point[k])), r.policy];
    const key = JSON.stringify(cols);
    let line = lines.get(key);
    if (!line) lines.set(key, line = { cols, cells: new Map() });
    line.cells.set(r.metric, r);
  }
  const rows = [...lines.values()].map((l) => [
    ...l.cols.map(escapeHtml),
    ...metrics.map((m) => (l.cells.has(m) ? interval(l.cells.get(m)!) : "")),
    String(Math.max(...[...l.cells.values()].map((c) => c.n))),
  ]);
  const numeric = [...repeat(vary.length + 1, false), ...repeat(metrics.length + 1, true)];
  return `<p class="note">Mean over seeds [95 % bootstrap CI]; n is the number of seeds (below 3
the interval is degenerate or wide and says little).</p>` +
    table([...vary, "policy", ...metrics, "n"], rows, numeric);
}

const repeat = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

function cellsSection(p: ReportPage): string {
  const c = p.cells;
  let html = `<p>${c.done} of ${c.total} cells done, ${c.failed.length} failed, ` +
    `${c.missing.length} not run yet.</p>`;
  const show = (m: ManifestCell | Cell) => [
    escapeHtml(m.hash),
    escapeHtml(m.kind),
    escapeHtml(JSON.stringify(m.point)),
    escapeHtml(m.policy.label),
    `${m.seeds.train ?? ""} / ${m.seeds.eval ?? ""}`,
  ];
  if (c.failed.length) {
    html += "<h3>Failed cells</h3>" + table(
      ["cell", "kind", "point", "policy", "seeds (train / eval)", "error"],
      c.failed.map((f) => [...show(f), `<pre>${escapeHtml(f.error ?? "")}</pre>`]),
    );
  }
  if (c.missing.length) {
    const listed = c.missing.slice(0, 100);
    html += "<h3>Cells not run yet</h3>" +
      table(["cell", "kind", "point", "policy", "seeds (train / eval)"], listed.map(show));
    if (c.missing.length > listed.length) {
      html += `<p class="note">... and ${c.missing.length - listed.length} more.</p>`;
    }
  }
  return html;
}

/** The page's HTML. */
export function reportHtml(p: ReportPage): string {
  const e = p.experiment;
  const title = `${e.name}${e.profile ? ` (profile ${e.profile})` : ""}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}: vecscene report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Base scenario <code>${escapeHtml(e.base)}</code>; varied: ${
    e.vary.map((k) => `<code>${escapeHtml(k)}</code>`).join(", ") || "nothing"
  }. Report by vecscene ${escapeHtml(p.version)}; cells computed by vecscene ${
    p.cellVersions.map(escapeHtml).join(", ") || "(none)"
  }.</p>
<h2>Figures</h2>
${figuresSection(p)}
<h2>Our margins beside the paper's</h2>
<p class="note">Margin = 1 - policy / versus (0.44: the policy's value is 44 % lower), means over
seeds summed over the figure's grid points; the paper agrees with us when its margin lies inside
our 95 % bootstrap interval.</p>
${marginsSection(p)}
<h2>Evaluation metrics</h2>
${metricsSection(p)}
<h2>Cells</h2>
${cellsSection(p)}
<h2>The resolved experiment</h2>
<p class="note">From ${p.folders.map((f) => `<code>${escapeHtml(f)}</code>`).join(", ")}.</p>
<pre>${escapeHtml(JSON.stringify(e, null, 2))}</pre>
</body>
</html>
`;
}
