// Bundles the extension into one file, dist/extension.js, with esbuild (pinned in
// package-lock.json): src/extension.js and the language client it requires, for the Node.js
// of VS Code; `vscode` is the editor's own module and stays a require. The licences of the
// packages inside the bundle go to dist/THIRD-PARTY-NOTICES.txt, shipped beside it.
//
//   npm run bundle      (vsce runs it before packaging: the `vscode:prepublish` script)
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const HERE = path.resolve(__dirname, "..");
const OUT = path.join(HERE, "dist");

function packageOf(input) {
  const match = input.match(/(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  return match ? match[1] : null;
}

function notice(name) {
  const folder = path.join(HERE, "node_modules", name);
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf-8"));
  const file = fs.readdirSync(folder).sort().find((entry) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(entry));
  if (!file) throw new Error(`${name}: no licence file to ship with the bundle`);
  const text = fs.readFileSync(path.join(folder, file), "utf-8").replace(/\r\n/g, "\n").trim();
  return `${name} ${manifest.version} (${manifest.license})\n\n${text}\n`;
}

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: HERE,
    entryPoints: ["src/extension.js"],
    outfile: "dist/extension.js",
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  if (result.warnings.length || result.errors.length) process.exit(1);
  const packages = [...new Set(Object.keys(result.metafile.inputs).map(packageOf).filter(Boolean))].sort();
  const header =
    "The infra extension's dist/extension.js bundles these packages; their licences follow.\n";
  const notices = [header, ...packages.map(notice)].join("\n" + "-".repeat(80) + "\n\n");
  fs.writeFileSync(path.join(OUT, "THIRD-PARTY-NOTICES.txt"), notices);
  const size = fs.statSync(path.join(OUT, "extension.js")).size;
  console.log(`dist/extension.js: ${Math.round(size / 1024)} KiB, bundling ${packages.join(", ")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
