"""The language server (``infrac lsp``): a thin layer over the compiler's one
semantic model. :mod:`~infrac.lsp.analysis` compiles a project as ``infrac check``
does and indexes it; :mod:`~infrac.lsp.features` answers from that index;
:mod:`~infrac.lsp.server` speaks the protocol (pygls).
"""
