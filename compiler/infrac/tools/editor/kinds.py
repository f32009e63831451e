"""One table of what each word of a ``.infra`` file is, for the three highlighters.

VS Code colours a file twice: first with the TextMate grammar
(``editors/vscode/syntaxes/infra.tmLanguage.json``), then with the language server's
semantic tokens (:mod:`infrac.tools.lsp.views`); MkDocs, Sphinx and ``pygmentize`` use
the Pygments lexer (:mod:`infrac.tools.editor.lexer`). Each kind below says what each of
them calls that kind of word, and ``tests/test_highlighting.py`` runs all three over
every ``.infra`` file of the repository and requires them to agree, word by word.
"""

from __future__ import annotations

#: kind -> (TextMate scope prefixes, Pygments token types as dotted names, semantic token types)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "comment": (("comment.",), ("Comment",), ()),
    "string": (("string.", "constant.character.escape", "variable.other.placeholder", "meta.placeholder"),
               ("Literal.String",), ()),
    "number": (("constant.numeric", "keyword.other.unit"), ("Literal.Number",), ()),
    "keyword": (("keyword.control", "keyword.other.declaration", "constant.language"),
                ("Keyword", "Keyword.Declaration", "Keyword.Constant"), ()),
    # a block's kind: a resource kind, a nested block, a kind the vocabulary does not know
    "kind": (("storage.type", "entity.name.tag"), ("Keyword.Type", "Name.Builtin", "Name.Tag"), ("type",)),
    # the name a statement declares: a stack's, the project's, a resource's
    "declaration": (("entity.name.namespace", "entity.name.type"), ("Name.Namespace", "Name.Class"),
                    ("namespace", "class", "parameter")),
    # `name = ...`: a setting of a block
    "setting": (("entity.other.attribute-name",), ("Name.Attribute",), ("variable",)),
    # `key: ...` in a map
    "key": (("support.type.property-name",), ("Name.Property",), ()),
    # a name that refers to something declared: a reference's parts, an exported attribute
    "reference": (("variable.other", "meta.reference"), ("Name.Variable",), ("namespace", "class", "parameter")),
    # a word of an enumeration, an access level, a bare name as a value
    "constant": (("constant.other",), ("Name.Constant",), ("parameter",)),
    "function": (("support.function",), ("Name.Function",), ("function",)),
}


def textmate_kind(scopes: list[str]) -> str | None:
    """The kind of a TextMate token from its scopes (innermost last): a reference's parts
    are references whatever their own scope; otherwise the innermost scope that is listed."""
    if any(scope.startswith("meta.reference") for scope in scopes):
        return "reference"
    for scope in reversed(scopes):
        for kind, (prefixes, _, _) in KINDS.items():
            if scope.startswith(prefixes):
                return kind
    return None


def pygments_kind(token_type) -> str | None:
    """The kind of a Pygments token type (the most specific listed one)."""
    name = ".".join(("Token", *token_type)) if isinstance(token_type, tuple) else str(token_type)
    name = name.removeprefix("Token.")
    best: tuple[int, str] | None = None
    for kind, (_, types, _) in KINDS.items():
        for listed in types:
            if name == listed or name.startswith(listed + "."):
                if best is None or len(listed) > best[0]:
                    best = (len(listed), kind)
    return best[1] if best else None


def semantic_kinds(token_type: str, declaration: bool) -> tuple[str, ...]:
    """The kinds a semantic token may be: a declaration or a reference to one."""
    if token_type == "property":  # an attribute of a resource: exported (`export arn`) or referenced
        return ("reference",)
    found = tuple(kind for kind, (_, _, types) in KINDS.items() if token_type in types)
    if token_type in ("namespace", "class", "parameter"):
        # a bare name as a value (`bus = DomainEventBus`) reads as a constant to the lexical
        # highlighters; only the analysis knows it names a resource: the semantic token refines it
        found = ("declaration",) if declaration else (*(k for k in found if k != "declaration"), "constant")
    return found
