// Compiles packages/<name>/src/**/*.ts to packages/<name>/dist/ (ES modules and .d.ts) for publishing.
// The sources import each other without extensions (`./errors`), which bundlers and tsx accept but Node's ESM loader
// does not; the emit rewrites every relative specifier to the file it names (`./errors.js`, `./dev/index.js`), so
// the published JavaScript runs on plain `node` and its types resolve under any `moduleResolution`.
// Usage: node scripts/build-packages.mjs [name…]   (default: config runtime infra cli)
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const names = process.argv.slice(2).length ? process.argv.slice(2) : ['config', 'runtime', 'infra', 'cli'];

const base = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.base.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail([d]),
  },
);

let failed = false;
for (const name of names) {
  const pkg = join(root, 'packages', name);
  const src = join(pkg, 'src');
  const dist = join(pkg, 'dist');
  if (!existsSync(src)) fail(`no package at packages/${name}`);
  rmSync(dist, { recursive: true, force: true });
  const files = listFiles(src).filter((f) => f.endsWith('.ts'));
  const modules = files.filter((f) => !f.endsWith('.d.ts'));
  const options = {
    ...base.options,
    noEmit: false,
    allowImportingTsExtensions: false,
    declaration: true,
    // No source maps: the sources are not in the tarball, and tsc's output reads close to them.
    declarationMap: false,
    sourceMap: false,
    rootDir: src,
    outDir: dist,
    // Only this package's files are emitted; its workspace dependencies are type-checked from their sources.
    noEmitOnError: true,
  };
  const program = ts.createProgram(files, options);
  const rewrite = specifierRewriter(src);
  const result = program.emit(undefined, undefined, undefined, false, {
    before: [rewrite],
    afterDeclarations: [rewrite],
  });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length) {
    report(diagnostics);
    failed = true;
    continue;
  }
  // Assets read at run time beside the code that reads them (the dev console's page).
  for (const file of listFiles(src).filter((f) => !f.endsWith('.ts'))) {
    cpSync(file, join(dist, relative(src, file)));
  }
  console.log(`built packages/${name}/dist (${modules.length} modules)`);
}
if (failed) process.exit(1);

/** A transformer (for both JS and declarations) that gives every relative import the extension Node needs. */
function specifierRewriter(srcDir) {
  return (context) => (sourceFile) => {
    const fromDir = dirname(sourceFile.fileName.startsWith(srcDir) ? sourceFile.fileName : join(srcDir, '_'));
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
