// Compiles packages/<name>/src/**/*.ts to packages/<name>/dist/ (ES modules and .d.ts) for publishing.
// The sources import each other without extensions (`./errors`), which bundlers and tsx accept but Node's ESM loader
// does not; the emit rewrites every relative specifier to the file it names (`./errors.js`, `./dev/index.js`), so
// the published JavaScript runs on plain `node` and its types resolve under any `moduleResolution`.
// Usage: node scripts/build-packages.mjs [name…]   (default: config runtime infra dev cli)
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['config', 'runtime', 'infra', 'dev', 'cli'];

const base = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.base.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail([d]),
  },
);

// One program for all the packages asked for: each package's sources are type-checked once, and every emitted file
// is written to its own package's dist/.
const packages = names.map((name) => {
  const dir = join(root, 'packages', name);
  if (!existsSync(join(dir, 'src'))) fail(`no package at packages/${name}`);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  return { name, src: join(dir, 'src'), dist: join(dir, 'dist') };
});
const files = packages.flatMap((p) => listFiles(p.src).filter((f) => f.endsWith('.ts')));
const options = {
  ...base.options,
  noEmit: false,
  allowImportingTsExtensions: false,
  declaration: true,
  // No source maps: the sources are not in the tarball, and tsc's output reads close to them.
  declarationMap: false,
  sourceMap: false,
  rootDir: join(root, 'packages'),
  outDir: join(root, 'packages'),
  noEmitOnError: true,
};
const program = ts.createProgram(files, options);
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length) fail([...diagnostics]);
const rewrite = specifierRewriter();
const written = new Map(packages.map((p) => [p.name, 0]));
const result = program.emit(
  undefined,
  (file, text) => {
    // packages/<name>/src/<rest> (where rootDir = outDir would write) → packages/<name>/dist/<rest>
    const pkg = packages.find((p) => file.startsWith(`${p.src}/`));
    if (!pkg) return; // a workspace dependency's sources, type-checked but not this build's to emit
    const target = join(pkg.dist, relative(pkg.src, file));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    if (target.endsWith('.js')) written.set(pkg.name, written.get(pkg.name) + 1);
  },
  undefined,
  false,
  { before: [rewrite], afterDeclarations: [rewrite] },
);
if (result.diagnostics.length) fail([...result.diagnostics]);
for (const p of packages) {
  // Assets read at run time beside the code that reads them (the dev console's page).
  for (const file of listFiles(p.src).filter((f) => !f.endsWith('.ts'))) {
    cpSync(file, join(p.dist, relative(p.src, file)));
  }
  console.log(`built packages/${p.name}/dist (${written.get(p.name)} modules)`);
}

/** A transformer (for both JS and declarations) that gives every relative import the extension Node needs. */
function specifierRewriter() {
  return (context) => (sourceFile) => {
    const fromDir = dirname(sourceFile.fileName);
    const fixed = (literal) => {
      const spec = literal.text;
      if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
      const target = resolveRelative(fromDir, spec);
      return target === spec ? undefined : context.factory.createStringLiteral(target);
    };
    const visit = (node) => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
        const spec = ts.isStringLiteral(node.moduleSpecifier) ? fixed(node.moduleSpecifier) : undefined;
        if (spec) {
          return ts.isImportDeclaration(node)
            ? context.factory.updateImportDeclaration(
                node,
                node.modifiers,
                node.importClause,
                spec,
                node.attributes,
              )
            : context.factory.updateExportDeclaration(
                node,
                node.modifiers,
                node.isTypeOnly,
                node.exportClause,
                spec,
                node.attributes,
              );
        }
      }
      if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        const spec = fixed(node.arguments[0]);
        if (spec) return context.factory.updateCallExpression(node, node.expression, undefined, [spec]);
      }
      if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        const spec = fixed(node.argument.literal);
        if (spec) {
          return context.factory.updateImportTypeNode(
            node,
            context.factory.createLiteralTypeNode(spec),
            node.attributes,
            node.qualifier,
            node.typeArguments,
            node.isTypeOf,
          );
        }
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit);
  };
}

/** `./errors` → `./errors.js`, `./dev` → `./dev/index.js`, `./page.html` unchanged; a missing file is an error. */
function resolveRelative(fromDir, spec) {
  const path = resolve(fromDir, spec);
  if (spec.endsWith('.ts')) return spec.replace(/\.ts$/, '.js');
  if (existsSync(`${path}.ts`)) return `${spec}.js`;
  if (existsSync(join(path, 'index.ts'))) return `${spec}/index.js`;
  if (existsSync(path) && statSync(path).isFile()) return spec;
  fail(`cannot resolve '${spec}' from ${relative(root, fromDir)}`);
}

function listFiles(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function report(diagnostics) {
  console.error(
    ts.formatDiagnosticsWithColorAndContext(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => '\n',
    }),
  );
}

function fail(message) {
  if (Array.isArray(message)) report(message);
  else console.error(`build-packages: ${message}`);
  process.exit(1);
}
