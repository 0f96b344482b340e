import { readFileSync, existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, table } from './stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  readonly name: string;
  /** Source file (mapped through the bundle's source map) and line. */
  readonly where: string;
  /** Where the code comes from: an npm package, a workspace package, or node itself. */
  readonly owner: string;
  readonly selfMs: number;
  readonly selfPct: number;
}

const maps = new Map<string, SourceMap | null>();

function sourceMapFor(file: string): SourceMap | null {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  }
  return maps.get(file)!;
}

/** node_modules/fastify/lib/x.js → fastify; packages/runtime/src/http.ts → @berthjs/runtime. */
function ownerOf(path: string): string {
  if (path.startsWith('node:') || path === '(native)') return 'node';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return nm[1]!;
  if (path.includes('packages/runtime/')) return '@berthjs/runtime';
  if (path.includes('packages/config/')) return '@berthjs/config';
  if (path.includes('examples/talent/')) return 'talent';
  return path || '(vm)';
}

function locate(frame: ProfileNode['callFrame'], root: string): { where: string; owner: string } {
  const { url, lineNumber, columnNumber } = frame;
  if (!url)
    return { where: '(native)', owner: frame.functionName.startsWith('(') ? frame.functionName : 'v8' };
  if (url.startsWith('node:')) return { where: `${url}:${lineNumber + 1}`, owner: 'node' };
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const map = sourceMapFor(file);
  if (map) {
    const entry = map.findEntry(lineNumber, columnNumber) as {
      originalSource?: string;
      originalLine?: number;
    };
    if (entry.originalSource) {
      const source = entry.originalSource.startsWith('file://')
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(file), entry.originalSource);
      const rel = relative(root, source);
      return { where: `${rel}:${(entry.originalLine ?? 0) + 1}`, owner: ownerOf(rel) };
    }
  }
  const rel = relative(root, file);
  return { where: `${rel}:${lineNumber + 1}`, owner: ownerOf(rel) };
}

/** Self time per function (mapped to sources) and per owner, from a `node --cpu-prof` profile. */
export function hotSpots(
  profilePath: string,
  root: string,
): { spots: HotSpot[]; owners: Map<string, number>; totalMs: number } {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const spots = new Map<string, { name: string; where: string; owner: string; selfMs: number }>();
  const owners = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { where, owner } = locate(node.callFrame, root);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const spot = spots.get(key) ?? { name, where, owner, selfMs: 0 };
    spot.selfMs += ms;
    spots.set(key, spot);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
  }
  return {
    spots: [...spots.values()]
      .map((s) => ({ ...s, selfPct: (100 * s.selfMs) / totalMs }))
      .sort((a, b) => b.selfMs - a.selfMs),
    owners,
    totalMs,
  };
}

/** Two tables: the top functions by self time, and self time by owner (package). */
export function profileReport(profilePath: string, root: string, top = 20): string {
  const { spots, owners, totalMs } = hotSpots(profilePath, root);
  const ownerRows = [...owners.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([owner, ms]) => [owner, fmt(ms, 0), fmt((100 * ms) / totalMs, 1)]);
  return [
    `profile ${relative(root, profilePath)} (${fmt(totalMs, 0)} ms)`,
    table(['self time by owner', 'ms', '%'], ownerRows),
    table(
      ['function', 'where', 'owner', 'self ms', '%'],
      spots.slice(0, top).map((s) => [s.name, s.where, s.owner, fmt(s.selfMs, 0), fmt(s.selfPct, 1)]),
    ),
  ].join('\n\n');
}
