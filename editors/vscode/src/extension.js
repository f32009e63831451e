// The VS Code side of the infra language: starts `infrac lsp` (the language server, over
// stdio) for .infra files. Highlighting, snippets and the language configuration are declared
// in package.json; everything else comes from the server.
//
// This file is bundled with the language client into dist/extension.js (scripts/bundle.js);
// tests/test_vscode_extension.py runs the bundle against a stand-in for the `vscode` module.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;
let output;

function settings() {
  return vscode.workspace.getConfiguration("infra");
}

// Read afresh at every start, so that a restart takes a changed `infra.server.command`.
function serverOptions() {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const command = settings().get("server.command", ["infrac", "lsp"]).map((part) =>
    folder ? part.replace("${workspaceFolder}", folder.uri.fsPath) : part
  );
  // No `transport`: the client then talks over the server's stdin and stdout as they are.
  // (`TransportKind.stdio` would also append `--stdio` to the command, which `infrac lsp`
  // refuses.)
  return {
    command: command[0],
    args: command.slice(1),
    options: folder ? { cwd: folder.uri.fsPath } : {},
  };
}

async function start() {
  if (!settings().get("server.enabled", true)) {
    return;
  }
  const options = serverOptions();
  client = new LanguageClient("infra", "infra", options, {
    documentSelector: [{ scheme: "file", language: "infra" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.infra") },
    outputChannel: output,
  });
  try {
    await client.start();
  } catch (error) {
    const reason = error && error.message ? error.message : String(error);
    vscode.window.showErrorMessage(
      `infra: could not start the language server (${[options.command, ...options.args].join(" ")}): ${reason}. ` +
        "Set `infra.server.command` to the infrac of your environment, then run " +
        '"infra: Restart the language server".'
    );
  }
}

async function stop() {
  const current = client;
  client = undefined;
  // A client whose start failed has nothing to stop (and refuses to).
  if (current && current.isRunning()) {
    await current.stop();
  }
}

async function activate(context) {
  output = vscode.window.createOutputChannel("infra");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("infra.restartServer", async () => {
      await stop();
      await start();
    })
  );
  await start();
}

async function deactivate() {
  await stop();
}

module.exports = { activate, deactivate };
