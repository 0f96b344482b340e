import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The Python interpreter of the repository's .venv, with the packages the Python seeds import, created on first use
 * by scripts/python-venv.sh. A machine that cannot install them fails the test that asked, loudly: never a skip.
 */
export function python(): string {
  try {
    execFileSync(join(ROOT, 'scripts', 'python-venv.sh'), { stdio: 'pipe', timeout: 600_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `Python test dependencies are missing and scripts/python-venv.sh could not install them (python3 -m venv and pip with FastAPI, uvicorn, psycopg, boto3, redis, Flask):\n${e.stderr?.toString().trim() || e.message}`,
    );
  }
  return join(ROOT, '.venv', 'bin', 'python');
}
