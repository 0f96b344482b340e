import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { cacheKey, readCached, writeCached } from './check-cache';

/**
 * cfn-lint (https://github.com/aws-cloudformation/cfn-lint), AWS's CloudFormation linter: every property checked
 * against the CloudFormation registry schemas of the template's region, plus AWS's own rules (engine versions RDS
 * still creates, properties RDS rejects together, unused parameters…). Berth runs the `cfn-lint` on PATH, when there
 * is one, over all templates in one process, because its start-up is most of its time.
 */
export interface CfnLintMatch {
  /** cfn-lint's rule id: `E3020`, `W3691`. */
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  /** The template file the match is in. */
  readonly file: string;
  /** Logical id of the resource, or the template section (`Parameters/ImageTag`) when it is not a resource. */
  readonly resource: string;
  readonly message: string;
}

export type CfnLintRun =
  | { readonly ran: true; readonly version: string; readonly matches: readonly CfnLintMatch[] }
  | { readonly ran: false; readonly reason: string };

/** How to install cfn-lint, printed when it is absent. */
export const CFN_LINT_INSTALL = 'pip install cfn-lint';

interface RawMatch {
  Rule: { Id: string };
  Level: string;
  Filename: string;
  Message: string;
  Location: { Path?: (string | number)[] | null };
}

/**
 * Lints the templates in one cfn-lint process and returns its errors and warnings (informational matches are
 * dropped). Each template is linted in its own region through the `cfn-lint` metadata `lintRegionOf` writes.
 * Returns `ran: false` with the reason when cfn-lint is not installed or fails itself.
 */
export function runCfnLint(templates: readonly string[], command = 'cfn-lint'): CfnLintRun {
  const version = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    return {
      ran: false,
      reason: `cfn-lint is not installed (${CFN_LINT_INSTALL} puts it on PATH)`,
    };
  }
  if (!templates.length) return { ran: true, version: version.stdout.trim(), matches: [] };
  const run = spawnSync(command, ['--format', 'json', '--', ...templates], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseRun(run.status, run.stdout, run.stderr || run.error?.message || '', version.stdout.trim());
}

/** cfn-lint's JSON output as matches; `ran: false` when its exit status says it failed itself. */
function parseRun(status: number | null, stdout: string, stderr: string, version: string): CfnLintRun {
  // Exit status is a bit set: 2 errors, 4 warnings, 8 informational; 1 (or anything else) means cfn-lint failed.
  if (status === null || (status & 1) === 1 || status > 14) {
    const detail = stderr.trim().split('\n')[0] ?? '';
    return { ran: false, reason: `cfn-lint failed (exit ${status ?? 'signal'}): ${detail}` };
  }
  const raw = JSON.parse(stdout || '[]') as RawMatch[];
  const matches: CfnLintMatch[] = [];
  for (const m of raw) {
    const level = m.Level.toLowerCase();
    if (level !== 'error' && level !== 'warning') continue;
    const at = m.Location.Path ?? [];
    const resource = at[0] === 'Resources' && at[1] !== undefined ? String(at[1]) : at.slice(0, 2).join('/');
    matches.push({
      rule: m.Rule.Id,
      severity: level,
      file: m.Filename,
      resource,
      message: m.Message,
    });
  }
  return { ran: true, version, matches };
}

/**
 * Template metadata telling cfn-lint the stack's region, so one process lints each template against its own
 * region's schemas (instance classes, engine versions and resource types differ by region).
 */
export function lintRegionOf(stack: Stack): void {
  stack.templateOptions.metadata = {
    ...stack.templateOptions.metadata,
    'cfn-lint': { config: { regions: [stack.region] } },
  };
}

/** The configuration files cfn-lint reads besides its arguments (project, then user): part of the cache key. */
const CFN_LINT_CONFIG_FILES = ['.cfnlintrc', '.cfnlintrc.yaml', '.cfnlintrc.yml', '.cfnlintrc.json'];
const LINT_ARGS = ['--format', 'json', '--'];

function ruleConfig(): string {
  const files = [...CFN_LINT_CONFIG_FILES.map((f) => join(process.cwd(), f)), join(homedir(), '.cfnlintrc')];
  return JSON.stringify([
    LINT_ARGS,
    files.map((f) => (existsSync(f) ? `${f}\n${readFileSync(f, 'utf8')}` : '')),
  ]);
}

/**
 * The Python interpreter cfn-lint's script runs (its shebang; through `pyenv which` for a pyenv shim) and the entry
 * point the script calls (`from cfnlint.runner import main`), or undefined when the script is not such a file.
 */
async function interpreterOf(
  command: string,
): Promise<{ python: string[]; module: string; fn: string } | undefined> {
  const found = onPath(command);
  if (!found) return undefined;
  let head = readHead(found);
  const pyenv = /exec "([^"]*\/libexec\/pyenv)" exec/.exec(head);
  if (pyenv) {
    const root = /export PYENV_ROOT="([^"]+)"/.exec(head)?.[1];
    const which = await run([pyenv[1]!, 'which', basename(command)], root ? { PYENV_ROOT: root } : {});
    if (which.code !== 0) return undefined;
    head = readHead(which.stdout.trim());
  }
  const shebang = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  const entry = /^from ([\w.]+) import (\w+)$/m.exec(head);
  if (!shebang || !entry || !/python[0-9.]*$/.test(shebang[2] ?? shebang[1]!)) return undefined;
  return { python: shebang[2] ? [shebang[1]!, shebang[2]] : [shebang[1]!], module: entry[1]!, fn: entry[2]! };
}

/**
 * cfn-lint, started before its templates exist: its interpreter imports it (~1 s of its time) while Berth loads the
 * config and synthesizes (`berth check` starts it before it reads the config), then runs its own entry point (what
 * the `cfn-lint` script runs, with the same arguments) on the arguments it is sent. Its version is read through the
 * same interpreter (`importlib.metadata`, ~0.2 s, where `cfn-lint --version` imports all of it). Without a Python
 * script to read (cfn-lint installed otherwise), both are plain `cfn-lint` processes. `cancel()` ends the waiting
 * interpreter when nothing needs linting.
 */
export function startCfnLint(command = 'cfn-lint') {
  const interpreter = interpreterOf(command);
  const waiting = interpreter.then((i) => {
    if (!i) return undefined;
    // Two things only a one-shot process can skip, ~0.4 s of its ~2 s: the collector rescanning what the import
    // made (gc.freeze: it is never garbage) and the interpreter's teardown of everything the lint built (os._exit
    // once the output is flushed; cfn-lint registers no atexit work). The exit status is the script's own.
    const driver = [
      'import gc, json, os, sys',
      `from ${i.module} import ${i.fn} as entry`,
      'gc.freeze()',
      'line = sys.stdin.readline()',
      'if not line.strip(): os._exit(0)',
      "sys.argv = ['cfn-lint'] + json.loads(line)",
      'try:',
      '    code = entry()',
      'except SystemExit as done:',
      '    code = done.code',
      'if code is not None and not isinstance(code, int):',
      '    print(code, file=sys.stderr)',
      '    code = 1',
      'sys.stdout.flush()',
      'sys.stderr.flush()',
      'os._exit(code or 0)',
    ].join('\n');
    return running([...i.python, '-c', driver]);
  });
  const version = interpreter.then((i) => probeVersion(command, i));
  return {
    version,
    async lint(args: readonly string[]) {
      const child = await waiting;
      if (!child) return run([command, ...args]);
      child.send(JSON.stringify(args));
      return child.result;
    },
    /** Ends the waiting interpreter (nothing to lint: every template's result was cached, or the check failed). */
    cancel() {
      void waiting.then((child) => child?.kill());
    },
  };
}

export type CfnLintProcess = ReturnType<typeof startCfnLint>;

function onPath(command: string): string | undefined {
  if (command.includes('/')) return existsSync(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  return undefined;
}

function readHead(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(0, 4096);
  } catch {
    return '';
  }
}

type RunResult = { code: number | null; stdout: string; stderr: string; error?: Error };

/** A process that waits for one line on stdin (`send`), and its result. */
function running(argv: readonly string[]): {
  send: (line: string) => void;
  kill: () => void;
  result: Promise<RunResult>;
} {
  let child!: ReturnType<typeof spawn>;
  const result = new Promise<RunResult>((done) => {
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    collect(child, done);
  });
  child.stdin!.on('error', () => undefined);
  return {
    send: (line) => {
      if (!child.stdin!.writableEnded) child.stdin!.end(line ? `${line}\n` : '');
    },
    kill: () => {
      if (child.exitCode === null && !child.stdin!.writableEnded) child.kill();
    },
    result,
  };
}

function collect(child: ReturnType<typeof spawn>, done: (r: RunResult) => void): void {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  child.on('error', (error) => done({ code: null, stdout: '', stderr: '', error }));
  child.on('close', (code) =>
    done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
  );
}

function run(argv: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    collect(child, done);
  });
}

/** cfn-lint's version, as `cfn-lint --version` prints it, or undefined when it is not installed. */
export async function cfnLintVersion(command = 'cfn-lint'): Promise<string | undefined> {
  return probeVersion(command, await interpreterOf(command));
}

async function probeVersion(
  command: string,
  i: Awaited<ReturnType<typeof interpreterOf>>,
): Promise<string | undefined> {
  if (i) {
    const code = "import importlib.metadata as m; print('cfn-lint ' + m.version('cfn-lint'))";
    const probe = await run([...i.python, '-c', code]);
    if (probe.code === 0 && /^cfn-lint \S+/.test(probe.stdout.trim())) return probe.stdout.trim();
  }
  const plain = await run([command, '--version']);
  return plain.code === 0 ? plain.stdout.trim() : undefined;
}

export interface CfnLintAsyncOptions {
  readonly command?: string;
  /** Where matches are kept per template (see check-cache.ts). @default - no cache */
  readonly cacheDir?: string;
  /** cfn-lint already started (`startCfnLint`, before the synthesis, so it imports meanwhile). */
  readonly started?: CfnLintProcess;
}

/**
 * `runCfnLint` without blocking the event loop, so Berth's other checks run meanwhile, and cached per template: a
 * template whose bytes, cfn-lint version and rule configuration (arguments, .cfnlintrc files) were linted before
 * gets the matches found then; only the others are linted, in one process.
 */
export async function runCfnLintAsync(
  templates: readonly string[],
  options: CfnLintAsyncOptions = {},
): Promise<CfnLintRun & { readonly cached?: number }> {
  const started = options.started ?? startCfnLint(options.command);
  const version = await started.version;
  if (!version) {
    started.cancel();
    return { ran: false, reason: `cfn-lint is not installed (${CFN_LINT_INSTALL} puts it on PATH)` };
  }
  const config = ruleConfig();
  const keys = new Map(templates.map((t) => [t, cacheKey(['cfn-lint', version, config, readFileSync(t)])]));
  const matches: CfnLintMatch[] = [];
  const misses: string[] = [];
  for (const t of templates) {
    const hit = readCached<Omit<CfnLintMatch, 'file'>[]>(options.cacheDir, 'cfn-lint', keys.get(t)!);
    if (hit) matches.push(...hit.map((m) => ({ ...m, file: t })));
    else misses.push(t);
  }
  if (!misses.length) started.cancel();
  else {
    const lint = await started.lint([...LINT_ARGS, ...misses]);
    const parsed = parseRun(lint.code, lint.stdout, lint.stderr || lint.error?.message || '', version);
    if (!parsed.ran) return parsed;
    for (const t of misses) {
      const own = parsed.matches.filter((m) => m.file === t);
      writeCached(
        options.cacheDir,
        'cfn-lint',
        keys.get(t)!,
        own.map(({ file: _file, ...m }) => m),
      );
    }
    matches.push(...parsed.matches);
  }
  return { ran: true, version, matches, cached: templates.length - misses.length };
}
