// Opens pages of the documentation site in headless Chromium and reports what a reader's
// browser saw, as JSON on stdout; tests/test_site_browser.py serves site/ and judges it.
//
//   node tests/js/browse_site.js '{"base": "http://127.0.0.1:8000/", "pages": ["", "cli/"],
//                                  "screenshots": {"architecture/": "build/site/architecture.png"}}'
//
// The browser is the Chromium of the npm package @sparticuz/chromium (a binary inside the
// package, unpacked on first use), driven by puppeteer-core; both are pinned in
// package-lock.json. For each page: every request (and whether it left the site), failed
// requests and error responses, console errors and uncaught exceptions, every Mermaid diagram
// as rendered (Material draws each into a closed shadow root, found here by wrapping
// attachShadow), every `infra` code block's highlighting as computed by the browser, every
// link and every element id.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

async function chromiumPath() {
  // The package unpacks Chromium into os.tmpdir(); a folder of its own per version keeps
  // another version's unpacked binary (the package reuses whatever it finds) out of the way.
  const chromium = require("@sparticuz/chromium");
  const manifest = path.join(ROOT, "node_modules", "@sparticuz", "chromium", "package.json");
  const version = JSON.parse(fs.readFileSync(manifest, "utf-8")).version;
  const folder = path.join(os.tmpdir(), `infrac-chromium-${version}-${process.getuid ? process.getuid() : "user"}`);
  fs.mkdirSync(folder, { recursive: true });
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    return { chromium, executable: await chromium.executablePath() };
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

// Runs in the page before its scripts: keep every shadow root, closed ones included.
function recordShadowRoots() {
  const attach = Element.prototype.attachShadow;
  window.__shadowRoots = [];
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    window.__shadowRoots.push([this, root]);
    return root;
  };
}

// Runs in the page once it has loaded and its diagrams are drawn.
function inspect() {
  const diagrams = [];
  for (const [host, root] of window.__shadowRoots) {
    if (!host.classList.contains("mermaid")) continue;
    const svg = root.querySelector("svg");
    const report = { connected: host.isConnected, svg: Boolean(svg) };
    if (svg) {
      const box = svg.getBoundingClientRect();
      const viewBox = svg.viewBox && svg.viewBox.baseVal;
      const scale = viewBox && viewBox.width ? box.width / viewBox.width : 1;
      const nodes = [...svg.querySelectorAll("g.node")];
      const clusters = [...svg.querySelectorAll("g.cluster")];
      const labels = nodes.map((node) => node.textContent.replace(/\s+/g, " ").trim());
      const sizes = [...svg.querySelectorAll("g.node .nodeLabel, g.node text, g.cluster .nodeLabel, g.cluster text")]
        .map((element) => parseFloat(getComputedStyle(element).fontSize) * scale)
        .filter((size) => size > 0);
      Object.assign(report, {
        role: svg.getAttribute("aria-roledescription"),
        error: Boolean(svg.querySelector(".error-icon, .error-text")),
        nodes: labels,
        clusters: clusters.map((cluster) => cluster.textContent.replace(/\s+/g, " ").trim()),
        edges: svg.querySelectorAll(".edgePaths path, path.flowchart-link").length,
        edgeLabels: [...svg.querySelectorAll("g.edgeLabel")].map((e) => e.textContent.trim()).filter(Boolean),
        width: box.width,
        height: box.height,
        scale,
        smallestText: sizes.length ? Math.min(...sizes) : 0,
      });
    }
    diagrams.push(report);
  }
  const infra = [...document.querySelectorAll("div.language-infra code")].map((code) => {
    const plain = getComputedStyle(code).color;
    const spans = [...code.querySelectorAll("span[class]")].filter((span) => !/^(hll|w)$/.test(span.className));
    const colors = new Set(spans.map((span) => getComputedStyle(span).color).filter((color) => color !== plain));
    return { tokens: spans.length, colors: colors.size, keywords: code.querySelectorAll("span.k, span.kd, span.kr, span.kt, span.kn").length };
  });
  const links = [...document.querySelectorAll("a[href]")].map((a) => a.href);
  const ids = [...document.querySelectorAll("[id]")].map((element) => element.id);
  const title = document.title;
  const navigation = [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")]
    .map((a) => a.href)
    .filter((href) => !href.includes("#"));
  return { diagrams, infra, links, ids, title, navigation, unrendered: document.querySelectorAll("pre.mermaid").length };
}

async function visit(browser, base, page, expected, screenshot) {
  const tab = await browser.newPage();
  await tab.setViewport({ width: 1280, height: 800 });
  const seen = { requests: [], external: [], failed: [], console: [], exceptions: [] };
  const origin = new URL(base).origin;
  await tab.setRequestInterception(true);
  tab.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:") || url.startsWith("blob:") || url === "about:blank") {
      request.continue();
    } else if (new URL(url).origin !== origin) {
      seen.external.push(url);
      request.abort("blockedbyclient");
    } else {
      seen.requests.push(url);
      request.continue();
    }
  });
  tab.on("requestfailed", (request) => {
    if (new URL(request.url()).origin === origin) {
      seen.failed.push(`${request.url()}: ${request.failure() && request.failure().errorText}`);
    }
  });
  tab.on("response", (response) => {
    if (response.status() >= 400) seen.failed.push(`${response.url()}: HTTP ${response.status()}`);
  });
  tab.on("console", (message) => {
    if (message.type() === "error") seen.console.push(message.text());
  });
  tab.on("pageerror", (error) => seen.exceptions.push(String(error && error.message ? error.message : error)));
  await tab.evaluateOnNewDocument(recordShadowRoots);
  const url = new URL(page, base).href;
  await tab.goto(url, { waitUntil: "load", timeout: 60000 });
  let timedOut = false;
  if (expected > 0) {
    try {
      await tab.waitForFunction(
        (count) =>
          window.__shadowRoots.filter(([host, root]) => host.isConnected && host.classList.contains("mermaid") && root.querySelector("svg")).length >= count,
        { timeout: 30000, polling: 100 },
        expected,
      );
    } catch (error) {
      timedOut = true;
    }
  }
  const found = await tab.evaluate(inspect);
  if (screenshot) {
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await tab.screenshot({ path: screenshot, fullPage: true });
  }
  await tab.close();
  return { page, url, timedOut, ...seen, ...found };
}

async function main() {
  const job = JSON.parse(process.argv[2]);
  const puppeteer = require("puppeteer-core");
  const { chromium, executable } = await chromiumPath();
  const browser = await puppeteer.launch({
    executablePath: executable,
    args: chromium.args,
    headless: "shell",
    defaultViewport: { width: 1280, height: 800 },
  });
  const pages = [];
  try {
    for (const page of job.pages) {
      const screenshot = job.screenshots && job.screenshots[page] ? path.resolve(ROOT, job.screenshots[page]) : null;
      pages.push(await visit(browser, job.base, page, (job.diagrams || {})[page] || 0, screenshot));
    }
    pages.push({ browser: await browser.version() });
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(pages));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
