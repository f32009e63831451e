"""A Pygments lexer for ``.infra`` files, so that MkDocs, Sphinx and
``pygmentize`` highlight ``infra`` code blocks.

Registered through the ``pygments.lexers`` entry point as ``infra``. It follows
the grammar (``grammar/infra.lark``): a statement is ``name = value``, a block
``kind label* { ... }``, ``export ...`` or ``uses ...``; a value is a string, a
number with an optional unit, ``true``/``false``, a name (an enumeration word),
a dotted reference, a list or a map. Keywords come from the grammar and kinds
from the vocabulary (:mod:`infrac.tools.editor.words`), so the lexer follows both.

>>> from pygments.token import Error
>>> lexer = InfraLexer()
>>> any(t is Error for t, _ in lexer.get_tokens('stack data { table T { key = { id: string } } }'))
False
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

from infrac.tools.editor import words as vocabulary

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_STRING_START = r'"'
_UNITS = "|".join(sorted(vocabulary.units(), key=len, reverse=True))


class InfraLexer(RegexLexer):
    """Lexer for infrac's ``.infra`` files."""

    name = "infra"
    aliases = ["infra"]
    filenames = ["*.infra"]
    mimetypes = ["text/x-infra"]

    tokens = {
        "space": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
        ],
        # statements: in a project, a stack, a block
        "root": [
            include("space"),
            (words(("project", "stack"), suffix=r"\b(?![-])"), Keyword.Declaration, "declared-name"),
            (words(("export",), suffix=r"\b(?![-])"), Keyword, "export"),
            (words(("uses",), suffix=r"\b(?![-])"), Keyword, "uses"),
            (r"(" + _NAME + r")(\s*)(=)", bygroups(Name.Attribute, Whitespace, Operator), "value"),
            (words(vocabulary.kinds(), suffix=r"\b(?![-])"), Keyword.Type, "header"),
            (r"target\b(?![-])", Name.Builtin, "target"),
            (words(vocabulary.block_kinds(), suffix=r"\b(?![-])"), Name.Builtin, "header"),
            (_NAME, Name.Tag, "header"),  # a block of a kind the vocabulary does not know
            (r"[{}]", Punctuation),
            (r",", Punctuation),
        ],
        "declared-name": [
            include("space"),
            (_NAME, Name.Namespace, "#pop"),
            default("#pop"),
        ],
        # the labels of a block's header, up to its `{`
        "header": [
            include("space"),
            (_STRING_START, String.Double, "string"),
            # a dotted label names what is declared elsewhere: `target infrastructure-sqs.Queue`
            (r"(" + _NAME + r")((\.)(" + _NAME + r"))+", Name.Variable),
            (_NAME, Name.Class),
            (r"\.", Punctuation),
            (r"\{", Punctuation, "#pop"),
            default("#pop"),
        ],
        # a rule's target names a resource declared elsewhere: target Queue {   target stack.Queue {
        "target": [
            include("space"),
            include("reference"),
            (_NAME, Name.Variable),
            (r"\{", Punctuation, "#pop"),
            default("#pop"),
        ],
        # export name, arn   |   export arn { ... }
        "export": [
            include("space"),
            (_NAME, Name.Variable, "export-more"),
            default("#pop"),
        ],
        "export-more": [
            include("space"),
            (r",", Punctuation, "#pop"),
            (r"\{", Punctuation, "#pop:2"),
            default("#pop:2"),
        ],
        # uses stack.Resource { read, write }
        "uses": [
            include("space"),
            include("reference"),
            (_NAME, Name.Variable),
            (r"\{", Punctuation, ("#pop", "access")),
            default("#pop"),
        ],
        "access": [
            include("space"),
            (_NAME, Name.Constant),
            (r",", Punctuation),
            (r"\}", Punctuation, "#pop"),
        ],
        "reference": [
            (r"(" + _NAME + r")((\.)(" + _NAME + r"))+", Name.Variable),
        ],
        # one value after `=` or a map key's `:`
        "value": [
            include("space"),
            (r"\[", Punctuation, ("#pop", "list")),
            (r"\{", Punctuation, ("#pop", "map")),
            include("atom"),
            default("#pop"),
        ],
        "atom": [
            (_STRING_START, String.Double, ("#pop", "string")),
            # a function: if(IsProd, 3, no_value())
            (r"(" + _NAME + r")(\s*)(\()", bygroups(Name.Function, Whitespace, Punctuation), ("#pop", "args")),
            (r"-?[0-9]+(\.[0-9]+)?(" + _UNITS + r")\b", Number.Float, "#pop"),
            (r"-?[0-9]+\.[0-9]+[A-Za-z]*", Number.Float, "#pop"),
            (r"-?[0-9]+[A-Za-z]*", Number.Integer, "#pop"),
            (words(vocabulary.CONSTANTS, suffix=r"\b(?![-])"), Keyword.Constant, "#pop"),
            (r"(" + _NAME + r")((\.)(" + _NAME + r"))+", Name.Variable, "#pop"),
            (_NAME, Name.Constant, "#pop"),
        ],
        "list": [
            include("space"),
            (r",", Punctuation),
            (r"\]", Punctuation, "#pop"),
            (r"\[", Punctuation, "list"),
            (r"\{", Punctuation, "map"),
            (r"(?=\S)", Text, "list-item"),
        ],
        "args": [
            include("space"),
            (r",", Punctuation),
            (r"\)", Punctuation, "#pop"),
            (r"\[", Punctuation, "list"),
            (r"\{", Punctuation, "map"),
            (r"(?=\S)", Text, "list-item"),
        ],
        "list-item": [
            include("atom"),
            default("#pop"),
        ],
        "map": [
            include("space"),
            (r",", Punctuation),
            (r"\}", Punctuation, "#pop"),
            (r"(" + _NAME + r")(\s*)(:)", bygroups(Name.Property, Whitespace, Punctuation), "value"),
            (r'("(?:[^"\\\n]|\\.)*")(\s*)(:)', bygroups(Name.Property, Whitespace, Punctuation), "value"),
        ],
        # inside a string: placeholders, doubled braces and escapes
        "string": [
            (r'"', String.Double, "#pop"),
            (r"\\u\{[0-9A-Fa-f]{1,6}\}", String.Escape),
            (r"\\.", String.Escape),
            (r"\{\{|\}\}", String.Escape),
            (r"\{[^{}\"\n]*\}", String.Interpol),
            (r'[^"\\{}\n]+', String.Double),
            (r"[{}]", String.Double),
        ],
    }
