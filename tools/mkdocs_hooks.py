"""MkDocs hooks (mkdocs.yml `hooks:`): the site serves its own copy of Mermaid.

Material for MkDocs renders ```` ```mermaid ```` blocks with the global ``mermaid`` when a page
has already loaded one, and fetches it from a CDN otherwise. ``mkdocs.yml`` loads
``javascripts/mermaid.min.js`` on every page (``extra_javascript``); this hook copies that file
into the site from the npm package pinned in ``package-lock.json`` (``npm ci`` installs it into
``node_modules/``), so that no page of the site makes a request outside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
MERMAID = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
#: Where the site serves it (the path `extra_javascript` names in mkdocs.yml).
TARGET = "javascripts/mermaid.min.js"


def on_config(config):
    if TARGET not in [str(script) for script in config["extra_javascript"]]:
        raise PluginError(f"mkdocs.yml: extra_javascript must load {TARGET}")
    if not MERMAID.is_file():
        raise PluginError(f"{MERMAID.relative_to(ROOT)} is missing: run `npm ci` (make docs and make test do)")
    return config


def on_post_build(config):
    target = Path(config["site_dir"]) / TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MERMAID, target)
