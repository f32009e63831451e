"""The language server (``infrac lsp``): a thin layer over the compiler's one
semantic model. :mod:`~infrac.tools.lsp.analysis` compiles a project as ``infrac check``
does and indexes it; :mod:`~infrac.tools.lsp.features` answers from that index;
:mod:`~infrac.tools.lsp.server` speaks the protocol (pygls).
"""
