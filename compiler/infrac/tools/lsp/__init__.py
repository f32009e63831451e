"""The language server (``infrac lsp``): a thin layer over the compiler's one
semantic model. :mod:`~infrac.tools.lsp.analysis` compiles a project as ``infrac check``
does and indexes it; :mod:`~infrac.tools.lsp.incremental` keeps that analysis up to date
group of stacks by group as files change; :mod:`~infrac.tools.lsp.features` and
:mod:`~infrac.tools.lsp.completion` answer from it, :mod:`~infrac.tools.lsp.views` adds
what an editor shows beside the answers (semantic tokens, folding, highlights, selection,
signatures, inlay hints); :mod:`~infrac.tools.lsp.server` speaks the protocol (pygls),
with :mod:`~infrac.tools.lsp.protocol`'s positions.
"""
