// Runs the VS Code extension's bundled dist/extension.js outside VS Code, against a stand-in
// for the `vscode` module, and reports what it did as JSON on stdout
// (tests/test_vscode_extension.py judges it):
//
//   node tests/js/extension_host.js EXTENSION_JS '{"folder": "...", "settings": {...}, "open": [...]}'
//
// The stand-in holds what the extension and its bundled language client call at start and
// stop: settings read from `settings` (keys of the `infra` section), one workspace folder, the
// documents of `open` already open in the editor, a diagnostics collection that records what
// the server publishes, commands that can be run. A name outside it is recorded in
// `missing` and answered with a no-op, so a test sees what the stand-in lacked.
//
// Steps: activate; wait for the diagnostics of the open documents; for each of `restarts`,
// change the settings (or not), run the command `infra.restartServer` and wait for the
// diagnostics again (from the new server); deactivate.
"use strict";

const Module = require("node:module");
const path = require("node:path");

const [extensionPath, jobText] = process.argv.slice(2);
const job = JSON.parse(jobText);
const report = { missing: [], messages: [], commands: [], published: [], steps: [], providers: [], alive: {} };

// ---- the stand-in ----------------------------------------------------------------------------

class Disposable {
  constructor(callOnDispose) {
    this._dispose = callOnDispose;
  }
  static from(...items) {
    return new Disposable(() => items.forEach((item) => item && item.dispose && item.dispose()));
  }
  dispose() {
    if (this._dispose) this._dispose();
    this._dispose = undefined;
  }
}

class EventEmitter {
  constructor() {
    this.listeners = new Set();
    this.event = (listener, thisArgs) => {
      const bound = thisArgs ? listener.bind(thisArgs) : listener;
      this.listeners.add(bound);
      return new Disposable(() => this.listeners.delete(bound));
    };
  }
  fire(value) {
    for (const listener of [...this.listeners]) listener(value);
  }
  dispose() {
    this.listeners.clear();
  }
}

class CancellationTokenSource {
  constructor() {
    this.emitter = new EventEmitter();
    this.token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  }
  cancel() {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose() {}
}

class CancellationError extends Error {}

class Uri {
  constructor(scheme, authority, filePath, query, fragment) {
    Object.assign(this, { scheme, authority: authority || "", path: filePath, query: query || "", fragment: fragment || "" });
  }
  static file(fsPath) {
    return new Uri("file", "", path.resolve(fsPath));
  }
  static parse(text) {
    const url = new URL(text);
    return new Uri(url.protocol.replace(/:$/, ""), url.host, decodeURIComponent(url.pathname), url.search.slice(1), url.hash.slice(1));
  }
  get fsPath() {
    return this.path;
  }
  with(change) {
    return new Uri(change.scheme ?? this.scheme, change.authority ?? this.authority, change.path ?? this.path, change.query ?? this.query, change.fragment ?? this.fragment);
  }
  toString() {
    return `${this.scheme}://${this.authority}${encodeURI(this.path)}`;
  }
  toJSON() {
    return { scheme: this.scheme, path: this.path };
  }
}

class Position {
  constructor(line, character) {
    Object.assign(this, { line, character });
  }
}

class Range {
  constructor(a, b, c, d) {
    if (a instanceof Position) Object.assign(this, { start: a, end: b });
    else Object.assign(this, { start: new Position(a, b), end: new Position(c, d) });
  }
}

class Location {
  constructor(uri, range) {
    Object.assign(this, { uri, range });
  }
}

class Diagnostic {
  constructor(range, message, severity) {
    Object.assign(this, { range, message, severity });
  }
}

class DiagnosticRelatedInformation {
  constructor(location, message) {
    Object.assign(this, { location, message });
  }
}

class MarkdownString {
  constructor(value) {
    this.value = value || "";
  }
}

// Classes the client extends or builds results of; what it needs of them here is a constructor.
const GENERIC = [
  "CallHierarchyItem", "CallHierarchyIncomingCall", "CallHierarchyOutgoingCall", "CodeAction", "CodeLens",
  "Color", "ColorInformation", "ColorPresentation", "CompletionItem", "CompletionList", "DocumentHighlight",
  "DocumentLink", "DocumentSymbol", "FoldingRange", "Hover", "InlayHint", "InlayHintLabelPart",
  "InlineCompletionItem", "InlineCompletionList", "InlineValueEvaluatableExpression", "InlineValueText",
  "InlineValueVariableLookup", "LinkedEditingRanges", "ParameterInformation", "RelativePattern",
  "SelectionRange", "SemanticTokens", "SemanticTokensLegend", "SignatureHelp", "SignatureInformation",
  "SnippetString", "SnippetTextEdit", "SymbolInformation", "TextEdit", "TypeHierarchyItem", "WorkspaceEdit",
];
const generic = Object.fromEntries(
  GENERIC.map((name) => [name, { [name]: class { constructor(...args) { this.args = args; } } }[name]]),
);

class CodeActionKind {
  constructor(value) {
    this.value = value;
  }
  append(part) {
    return new CodeActionKind(this.value ? `${this.value}.${part}` : part);
  }
}
for (const [name, value] of Object.entries({
  Empty: "", QuickFix: "quickfix", Refactor: "refactor", RefactorExtract: "refactor.extract",
  RefactorInline: "refactor.inline", RefactorRewrite: "refactor.rewrite", Source: "source",
  SourceOrganizeImports: "source.organizeImports", SourceFixAll: "source.fixAll", Notebook: "notebook",
})) {
  CodeActionKind[name] = new CodeActionKind(value);
}

class TabInputText {}
class TabInputTextDiff {}
class TabInputNotebook {}
class TabInputCustom {}

const LogLevel = { Off: 0, Trace: 1, Debug: 2, Info: 3, Warning: 4, Error: 5 };
const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 };

function event(name) {
  const emitter = new EventEmitter();
  events[name] = emitter;
  return emitter.event;
}
const events = {};

function document(file) {
  const text = file.text;
  const lines = text.split("\n");
  return {
    uri: Uri.file(file.path),
    fileName: path.resolve(file.path),
    languageId: file.languageId,
    version: 1,
    isClosed: false,
    isDirty: false,
    isUntitled: false,
    eol: 1,
    lineCount: lines.length,
    getText: () => text,
    save: async () => true,
  };
}

const collections = [];

function diagnosticCollection(name) {
  const entries = new Map();
  const collection = {
    name,
    set(uri, diagnostics) {
      if (Array.isArray(uri)) {
        for (const [each, list] of uri) collection.set(each, list);
        return;
      }
      entries.set(uri.toString(), diagnostics || []);
      report.published.push({
        step: report.steps[report.steps.length - 1] || null,
        path: uri.fsPath,
        messages: (diagnostics || []).map((d) => d.message),
        codes: (diagnostics || []).map((d) => (d.code && d.code.value !== undefined ? d.code.value : d.code)),
      });
    },
    delete(uri) {
      entries.delete(uri.toString());
    },
    clear() {
      entries.clear();
    },
    get(uri) {
      return entries.get(uri.toString());
    },
    has(uri) {
      return entries.has(uri.toString());
    },
    forEach(callback) {
      entries.forEach((value, key) => callback(Uri.parse(key), value, collection));
    },
    dispose() {
      entries.clear();
    },
  };
  collections.push(collection);
  return collection;
}

const commands = new Map();

function outputChannel(name) {
  const lines = [];
  report.channels = report.channels || {};
  report.channels[name] = lines;
  const write = (text) => lines.push(String(text));
  return {
    name,
    logLevel: LogLevel.Info,
    onDidChangeLogLevel: new EventEmitter().event,
    append: write,
    appendLine: write,
    replace: write,
    clear() {},
    show() {},
    hide() {},
    dispose() {},
    trace: write,
    debug: write,
    info: write,
    warn: write,
    error: write,
  };
}

function namespace(name, members) {
  return new Proxy(members, {
    get(target, key) {
      if (key in target || typeof key === "symbol") return target[key];
      if (name === "languages" && /^register\w+Provider$/.test(key)) {
        // what the client registers for the server's capabilities
        return (selector) => {
          report.providers.push(String(key).replace(/^register|Provider$/g, ""));
          return new Disposable();
        };
      }
      report.missing.push(`${name}.${String(key)}`);
      return () => new Disposable();
    },
  });
}

const opened = (job.open || []).map(document);

const vscode = {
  ...generic,
  version: "1.91.0",
  Disposable,
  EventEmitter,
  CancellationTokenSource,
  CancellationError,
  Uri,
  Position,
  Range,
  Location,
  Diagnostic,
  DiagnosticRelatedInformation,
  DiagnosticSeverity,
  DiagnosticTag: { Unnecessary: 1, Deprecated: 2 },
  MarkdownString,
  CodeActionKind,
  LogLevel,
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  TabInputText,
  TabInputTextDiff,
  TabInputNotebook,
  TabInputCustom,
  env: namespace("env", { appName: "Visual Studio Code", language: "en", machineId: "stand-in", sessionId: "stand-in", uriScheme: "vscode", openExternal: async () => true }),
  workspace: namespace("workspace", {
    workspaceFolders: [{ uri: Uri.file(job.folder), name: path.basename(job.folder), index: 0 }],
    textDocuments: opened,
    notebookDocuments: [],
    getConfiguration(section) {
      return {
        get(key, fallback) {
          const full = section ? `${section}.${key}` : key;
          return Object.prototype.hasOwnProperty.call(job.settings, full) ? job.settings[full] : fallback;
        },
        has: (key) => Object.prototype.hasOwnProperty.call(job.settings, section ? `${section}.${key}` : key),
        update: async () => {},
      };
    },
    getWorkspaceFolder: (uri) => (uri.fsPath.startsWith(job.folder) ? vscode.workspace.workspaceFolders[0] : undefined),
    createFileSystemWatcher: () => ({
      onDidCreate: new EventEmitter().event,
      onDidChange: new EventEmitter().event,
      onDidDelete: new EventEmitter().event,
      dispose() {},
    }),
    onDidChangeConfiguration: event("onDidChangeConfiguration"),
    onDidOpenTextDocument: event("onDidOpenTextDocument"),
    onDidChangeTextDocument: event("onDidChangeTextDocument"),
    onDidCloseTextDocument: event("onDidCloseTextDocument"),
    onDidSaveTextDocument: event("onDidSaveTextDocument"),
    onWillSaveTextDocument: event("onWillSaveTextDocument"),
    onDidChangeWorkspaceFolders: event("onDidChangeWorkspaceFolders"),
    onDidOpenNotebookDocument: event("onDidOpenNotebookDocument"),
    onDidChangeNotebookDocument: event("onDidChangeNotebookDocument"),
    onDidCloseNotebookDocument: event("onDidCloseNotebookDocument"),
    onDidSaveNotebookDocument: event("onDidSaveNotebookDocument"),
    onDidCreateFiles: event("onDidCreateFiles"),
    onDidRenameFiles: event("onDidRenameFiles"),
    onDidDeleteFiles: event("onDidDeleteFiles"),
    onWillCreateFiles: event("onWillCreateFiles"),
    onWillRenameFiles: event("onWillRenameFiles"),
    onWillDeleteFiles: event("onWillDeleteFiles"),
    applyEdit: async () => true,
  }),
  window: namespace("window", {
    activeTextEditor: undefined,
    visibleTextEditors: [],
    tabGroups: { all: [], onDidChangeTabs: new EventEmitter().event, onDidChangeTabGroups: new EventEmitter().event },
    createOutputChannel: outputChannel,
    onDidChangeActiveTextEditor: event("onDidChangeActiveTextEditor"),
    onDidChangeVisibleTextEditors: event("onDidChangeVisibleTextEditors"),
    showErrorMessage: async (message) => void report.messages.push({ level: "error", message }),
    showWarningMessage: async (message) => void report.messages.push({ level: "warning", message }),
    showInformationMessage: async (message) => void report.messages.push({ level: "information", message }),
    withProgress: async (options, task) => task({ report() {} }, new CancellationTokenSource().token),
  }),
  languages: namespace("languages", {
    createDiagnosticCollection: diagnosticCollection,
    match(selector, doc) {
      const filters = Array.isArray(selector) ? selector : [selector];
      return filters.some((filter) =>
        typeof filter === "string"
          ? filter === doc.languageId
          : (!filter.language || filter.language === doc.languageId) && (!filter.scheme || filter.scheme === doc.uri.scheme),
      )
        ? 10
        : 0;
    },
  }),
  commands: namespace("commands", {
    registerCommand(id, callback) {
      commands.set(id, callback);
      report.commands.push(id);
      return new Disposable(() => commands.delete(id));
    },
    executeCommand: async (id, ...args) => commands.get(id)(...args),
  }),
};

const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === "vscode") return vscode;
  return load.call(this, request, parent, isMain);
};

// ---- the steps -------------------------------------------------------------------------------

async function until(condition, what, seconds = 60) {
  const end = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The servers started so far (`job.log`: one line "NAME PID ARGUMENTS" per start, written by
// the configured command) and whether each still runs, once the stopped ones (all but the last,
// or all after deactivation) have had 10 s to exit.
async function servers(all = false) {
  if (!job.log) return {};
  const fs = require("node:fs");
  const pids = fs.existsSync(job.log) ? fs.readFileSync(job.log, "utf-8").trim().split("\n").filter(Boolean).map((line) => Number(line.split(" ")[1])) : [];
  const running = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return false;
    }
  };
  const end = Date.now() + 10000;
  const stopped = all ? pids : pids.slice(0, -1);
  while (stopped.some(running) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  return Object.fromEntries(pids.map((pid) => [pid, running(pid)]));
}

function publishedIn(step) {
  return report.published.filter((entry) => entry.step === step && entry.messages.length > 0);
}

async function main() {
  const extension = require(path.resolve(extensionPath));
  const context = { subscriptions: [], extensionPath: path.dirname(path.dirname(path.resolve(extensionPath))) };
  report.exports = Object.keys(extension).sort();

  report.steps.push("activate");
  await extension.activate(context);
  if (opened.length) await until(() => publishedIn("activate").length > 0, "diagnostics after activation");

  report.alive.activate = await servers();

  // `restarts`: for each, the settings in force from then on (null: unchanged)
  for (const [index, changed] of (job.restarts || []).entries()) {
    const step = `restart ${index + 1}`;
    if (changed) job.settings = changed;
    report.steps.push(step);
    await vscode.commands.executeCommand("infra.restartServer");
    if (opened.length) await until(() => publishedIn(step).length > 0, `diagnostics after ${step}`);
    report.alive[step] = await servers();
  }

  report.steps.push("deactivate");
  await extension.deactivate();
  for (const item of context.subscriptions) item.dispose();
  report.alive.deactivate = await servers(true);
  report.missing = [...new Set(report.missing)].sort();
  process.stdout.write(JSON.stringify(report));
  process.exit(0);
}

main().catch((error) => {
  report.error = String(error && error.stack ? error.stack : error);
  report.missing = [...new Set(report.missing)].sort();
  process.stdout.write(JSON.stringify(report));
  process.exit(1);
});
