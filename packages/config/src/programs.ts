/**
 * Programs a slim base image (python:3.x-slim, node:xx-slim, distroless) may well lack. A container health check that
 * calls one must say so in `imageHas`: a missing program fails the check, and ECS replaces a task that was healthy.
 */
export const NOT_ASSUMED_PROGRAMS: ReadonlySet<string> = new Set([
  'curl',
  'wget',
  'node',
  'python',
  'python3',
  'nc',
  'bash',
]);

const SHELLS = new Set(['sh', 'bash']);

/**
 * The programs of a health check command that the image is not known to have. `command` is exec form, or ECS's
 * `['CMD', …]` / `['CMD-SHELL', '<script>']`; for a shell (`sh -c '<script>'`, CMD-SHELL) the script's first word
 * counts too.
 */
export function programsNotKnown(command: readonly string[], imageHas: readonly string[]): string[] {
  let words = [...command];
  if (words[0] === 'CMD') words = words.slice(1);
  const programs: string[] = [];
  if (words[0] === 'CMD-SHELL') programs.push(firstWord(words[1] ?? ''));
  else if (words[0]) {
    programs.push(basename(words[0]));
    if (SHELLS.has(basename(words[0])) && words[1] === '-c' && words[2]) programs.push(firstWord(words[2]));
  }
  return programs.filter((p) => p && NOT_ASSUMED_PROGRAMS.has(p) && !imageHas.includes(p));
}

function firstWord(script: string): string {
  return basename(script.trim().split(/\s+/)[0] ?? '');
}

function basename(program: string): string {
  return program.split('/').pop() ?? program;
}
