import { spawn } from 'node:child_process';

export interface ImageBuild {
  readonly context: string;
  readonly dockerfile: string;
  readonly target?: string;
  /** `linux/amd64` or `linux/arm64`, from the service's arch. */
  readonly platform: string;
  /** Full reference to push: `<account>.dkr.ecr.<region>.amazonaws.com/<app>/<service>:<tag>`. */
  readonly image: string;
  readonly registry: { readonly host: string; readonly username: string; readonly password: string };
}

/** Builds and pushes images; `berth deploy` takes one so tests need no Docker. */
export interface ImageBuilder {
  /** Whether the builder can run here (Docker with buildx). */
  available(): Promise<boolean>;
  buildAndPush(build: ImageBuild, progress: (line: string) => void): Promise<void>;
}

function exec(
  cmd: string,
  args: readonly string[],
  options: { input?: string; progress?: (line: string) => void } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (options.progress)
        for (const line of text.split('\n')) if (line.trim()) options.progress(`    ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => resolvePromise({ code: 127, output: String(err) }));
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
    child.stdin.end(options.input ?? '');
  });
}

/** `docker buildx build --push`, after `docker login` to ECR with a token from GetAuthorizationToken. */
export const dockerBuildx: ImageBuilder = {
  async available() {
    return (await exec('docker', ['buildx', 'version'])).code === 0;
  },
  async buildAndPush(build, progress) {
    const login = await exec(
      'docker',
      ['login', '--username', build.registry.username, '--password-stdin', build.registry.host],
      { input: build.registry.password },
    );
    if (login.code !== 0)
      throw new Error(`docker login ${build.registry.host} failed: ${login.output.trim()}`);
    const args = [
      'buildx',
      'build',
      '--platform',
      build.platform,
      '--file',
      build.dockerfile,
      ...(build.target ? ['--target', build.target] : []),
      '--tag',
      build.image,
      '--provenance=false',
      '--push',
      build.context,
    ];
    const result = await exec('docker', args, { progress });
    if (result.code !== 0) throw new Error(`docker ${args.join(' ')} failed (exit ${result.code})`);
  },
};
