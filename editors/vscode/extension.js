// The VS Code side of the infra language: starts `infrac lsp` (the language
// server, over stdio) for .infra files. Highlighting, snippets and the
// language configuration are declared in package.json; everything else comes
// from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const config = vscode.workspace.getConfiguration("infra");
  const command = config.get("server.command", ["infrac", "lsp"]).map((part) =>
    folder ? part.replace("${workspaceFolder}", folder.uri.fsPath) : part
  );
  return {
    command: command[0],
    args: command.slice(1),
    transport: TransportKind.stdio,
    options: folder ? { cwd: folder.uri.fsPath } : {},
  };
}

async function activate(context) {
  if (!vscode.workspace.getConfiguration("infra").get("server.enabled", true)) {
    return;
  }
  client = new LanguageClient(
    "infra",
    "infra",
    serverOptions(),
    {
      documentSelector: [{ scheme: "file", language: "infra" }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.infra") },
    }
  );
  context.subscriptions.push(
    vscode.commands.registerCommand("infra.restartServer", () => client && client.restart())
  );
  try {
    await client.start();
  } catch (error) {
    vscode.window.showErrorMessage(
      `infra: could not start the language server (${serverOptions().command}): ${error.message}. ` +
        "Set `infra.server.command` to the infrac of your environment."
    );
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
