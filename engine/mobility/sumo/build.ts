/**
 * Builds a network and an FCD trace with SUMO (netconvert for an
 * OpenStreetMap extract, then sumo with the routes/flows), caching the
 * result under a hash of the inputs' contents, the options and the tools'
 * versions. Runs with `SUMO_HOME` set and XML validation off. Synchronous:
 * the scenario compiler that calls it is.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { Rng } from "../../rng.ts";
import { parseNet } from "./net.ts";
import type { SumoBuild } from "./schema.ts";
import { fileError, TraceError } from "./trace_error.ts";

/** How to install SUMO, for messages. */
export const INSTALL_HINT = "install SUMO (Debian/Ubuntu: `apt-get install sumo sumo-tools`, " +
  "then SUMO_HOME=/usr/share/sumo), and allow the engine to run it (`--allow-run=sumo,netconvert`)";

/** The tools, when they can be run. */
export interface SumoTools {
  sumo: string;
  netconvert: string;
  /** First line of `sumo --version` and `netconvert --version`. */
  versions: string[];
  env: Record<string, string>;
}

/** What a build produced. */
export interface BuildResult {
  net: string;
  trace: string;
  cached: boolean;
  /** The commands run (or the cache hit), one per line. */
  log: string[];
}

const decoder = new TextDecoder();

/** SUMO_HOME from the environment, or the Debian location. */
function sumoEnv(): Record<string, string> {
  let home = "/usr/share/sumo";
  try {
    home = Deno.env.get("SUMO_HOME") ?? home;
  } catch {
    // no --allow-env: keep the Debian default
  }
  return { SUMO_HOME: home };
}

/** Finds sumo and netconvert; returns the reason when they cannot be run. */
export function findSumo(): SumoTools | string {
  const env = sumoEnv();
  const versions: string[] = [];
  for (const tool of ["sumo", "netconvert"]) {
    try {
      const out = new Deno.Command(tool, {
        args: ["--version"],
        env,
        stdout: "piped",
        stderr: "piped",
      })
        .outputSync();
      if (!out.success) return `\`${tool} --version\` failed: ${decoder.decode(out.stderr).trim()}`;
      versions.push(decoder.decode(out.stdout).split("\n")[0].trim());
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return `\`${tool}\` is not on PATH`;
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        return `running \`${tool}\` is not permitted (deno needs --allow-run=sumo,netconvert)`;
      }
      throw e;
    }
  }
  return { sumo: "sumo", netconvert: "netconvert", versions, env };
}

const sha256Hex = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

function readBytes(path: string, what: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (e) {
    throw fileError(e, path, what);
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Runs a tool; a failure becomes a `TraceError` on `blame` with SUMO's own error lines. */
function run(tools: SumoTools, tool: string, args: string[], blame: string): void {
  const out = new Deno.Command(tool, { args, env: tools.env, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    const text = decoder.decode(out.stderr) + decoder.decode(out.stdout);
    const errors = text.split("\n").filter((l) => /^Error|error/.test(l)).slice(0, 5);
    const m = /line (\d+)/i.exec(errors.join("\n"));
    const shown = errors.length > 0 ? errors : text.trim().split("\n").slice(-5);
    throw new TraceError(
      blame,
      m ? Number(m[1]) : 0,
      `${tool} failed (exit ${out.code}): ${shown.join(" | ")}`,
    );
  }
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);

/**
 * Builds (or finds in the cache) the network and trace of `build`. `netPath`
 * is the top-level `net`, routed on when the build has no `osm`.
 */
export function buildWithSumo(
  build: SumoBuild,
  paths: { baseDir: string; netPath?: string },
  tools: SumoTools,
): BuildResult {
  const join = (p: string) => (p.startsWith("/") ? p : `${paths.baseDir}/${p}`);
  const inputs: [string, string, string][] = [];
  if (build.osm !== undefined) inputs.push(["osm", join(build.osm), "OpenStreetMap extract"]);
  else if (paths.netPath !== undefined) inputs.push(["net", paths.netPath, "SUMO network"]);
  for (const r of build.routes) inputs.push(["routes", join(r), "routes file"]);
  const hashes = inputs.map(([kind, p, what]) => `${kind}:${sha256Hex(readBytes(p, what))}`);
  const { cacheDir: _c, prefer: _p, routes: _r, osm: _o, ...options } = build;
  const key = sha256Hex(JSON.stringify({ tools: tools.versions, inputs: hashes, options }));
  const cacheRoot = build.cacheDir !== undefined
    ? join(build.cacheDir)
    : `${paths.baseDir}/.vecscene-cache`;
  const dir = `${cacheRoot}/sumo-${key.slice(0, 20)}`;
  const net = `${dir}/net.net.xml`;
  const trace = `${dir}/trace.fcd.xml`;
  if (exists(`${dir}/commands.txt`)) {
    return { net, trace, cached: true, log: [`sumo: using the cached build ${dir}`] };
  }
  Deno.mkdirSync(cacheRoot, { recursive: true });
  const tmp = Deno.makeTempDirSync({ dir: cacheRoot, prefix: ".build-" });
  const log: string[] = [];
  try {
    const tmpNet = `${tmp}/net.net.xml`;
    if (build.osm !== undefined) {
      const args = [
        ...["--xml-validation", "never", "--osm-files", join(build.osm)],
        ...["--output-file", tmpNet, ...build.netconvertArgs],
      ];
      log.push(`netconvert ${args.map(quote).join(" ")}`);
      run(tools, tools.netconvert, args, join(build.osm));
    } else {
      Deno.copyFileSync(paths.netPath!, tmpNet);
    }
    const routes = build.routes.map(join);
    if (build.randomTrips !== undefined) {
      const trips = `${tmp}/trips.rou.xml`;
      Deno.writeTextFileSync(trips, randomTrips(Deno.readTextFileSync(tmpNet), build.randomTrips));
      log.push(
        `trips: ${build.randomTrips.vehicles} random trips (seed ${build.randomTrips.seed})`,
      );
      routes.unshift(trips);
    }
    const args = [
      ...["--xml-validation", "never", "--net-file", tmpNet],
      ...["--route-files", routes.join(",")],
      ...(build.randomTrips !== undefined ? ["--ignore-route-errors", "true"] : []),
      ...["--begin", String(build.beginS), "--end", String(build.endS)],
      ...["--step-length", String(build.stepS), "--seed", String(build.seed)],
      ...["--precision", String(build.precision), "--device.fcd.begin", String(build.recordFromS)],
      ...["--fcd-output", `${tmp}/trace.fcd.xml`],
      ...["--no-step-log", "true", "--duration-log.disable", "true", ...build.sumoArgs],
    ];
    log.push(`sumo ${args.map(quote).join(" ")}`);
    run(tools, tools.sumo, args, join(build.routes[0] ?? build.osm ?? paths.netPath!));
    const header = [`# SUMO_HOME=${tools.env.SUMO_HOME}`, ...tools.versions.map((v) => `# ${v}`)];
    Deno.writeTextFileSync(`${tmp}/commands.txt`, [...header, ...log].join("\n") + "\n");
    try {
      Deno.renameSync(tmp, dir);
    } catch (e) {
      // a concurrent build of the same inputs won the race: use its result
      if (!exists(`${dir}/commands.txt`)) throw e;
      Deno.removeSync(tmp, { recursive: true });
    }
  } catch (e) {
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch {
      // already moved or removed
    }
    throw e;
  }
  return {
    net,
    trace,
    cached: false,
    log: [...log.map((l) => l.replaceAll(tmp, dir)), `sumo: built ${dir}`],
  };
}

/**
 * `vehicles` trips between distinct edges of the network drawn uniformly with
 * `seed`, departing evenly over `departS`: what SUMO's randomTrips.py writes
 * (without its Python). sumo routes each trip at its departure and drops
 * those it cannot route (`--ignore-route-errors`).
 */
export function randomTrips(
  netText: string,
  o: NonNullable<SumoBuild["randomTrips"]>,
): string {
  const edges = [...parseNet(netText, "net.net.xml").edges.keys()].sort();
  const rng = Rng.stream(o.seed, "random-trips");
  const [lo, hi] = o.departS;
  const lines = ['<routes xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'];
  const attr = (s: string) =>
    s.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  for (let k = 0; k < o.vehicles; k++) {
    const from = edges[rng.int(edges.length)];
    let to = edges[rng.int(edges.length)];
    if (edges.length > 1) { while (to === from) to = edges[rng.int(edges.length)]; }
    const depart = o.vehicles === 1 ? lo : lo + ((hi - lo) * k) / (o.vehicles - 1);
    lines.push(
      `  <trip id="t${k}" depart="${depart.toFixed(2)}" from="${attr(from)}" to="${attr(to)}"/>`,
    );
  }
  lines.push("</routes>", "");
  return lines.join("\n");
}
