// Tokenizes .infra files with the engine VS Code uses (vscode-textmate on
// vscode-oniguruma) and the extension's grammar. Reads a JSON array of
// {"path", "text"} on stdin; writes a JSON object on stdout mapping each path
// to its lines, each line a list of [start, end, [scopes...]].
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const GRAMMAR = path.join(__dirname, "..", "syntaxes", "infra.tmLanguage.json");

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.infra") return null;
      return vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR);
    },
  });
  const grammar = await registry.loadGrammar("source.infra");
  const files = JSON.parse(fs.readFileSync(0, "utf8"));
  const out = {};
  for (const file of files) {
    let state = vsctm.INITIAL;
    const lines = [];
    for (const line of file.text.split("\n")) {
      const result = grammar.tokenizeLine(line, state);
      lines.push(
        result.tokens.map((t) => [t.startIndex, Math.min(t.endIndex, line.length), t.scopes])
      );
      state = result.ruleStack;
    }
    out[file.path] = lines;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});
