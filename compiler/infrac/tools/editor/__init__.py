"""Editor support: the words of the language for highlighters, and the Pygments lexer.

The TextMate grammar and the VS Code extension live in ``editors/vscode/``; the
language server in :mod:`infrac.tools.lsp`.
"""
