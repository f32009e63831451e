// Reads YAML documents as the Serverless Framework v3 does: with the js-yaml copy that
// serverless resolves, and its variable parser. Input (stdin): a JSON list of YAML texts.
// Output (stdout): a JSON list of {raw, framework}: the document as js-yaml reads it, and
// with every string value as the framework reads it (escapes applied; a string in which it
// finds a variable becomes {"variables": [...]}). One process per batch.
'use strict';
const path = require('path');
const serverless = require.resolve('serverless/lib/serverless.js');
const yaml = require(require.resolve('js-yaml', { paths: [serverless] }));
const parse = require(path.join(path.dirname(serverless), 'configuration', 'variables', 'parse.js'));

function framework(value) {
  if (typeof value === 'string') {
    const found = parse(value);
    if (!found) return value;
    if (found.some((item) => item.sources)) return { variables: found.map((item) => value.slice(item.start, item.end)) };
    let text = '';
    let position = 0;
    for (const item of found) {
      text += value.slice(position, item.start) + item.value;
      position = item.end;
    }
    return text + value.slice(position);
  }
  if (Array.isArray(value)) return value.map(framework);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, framework(v)]));
  }
  return value;
}

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((text) => {
    const raw = yaml.load(text);
    return { raw, framework: framework(raw) };
  });
  process.stdout.write(JSON.stringify(out));
});
