"""A small, safe expression language for the ``expression`` and ``skip_record`` processors.

An expression is read by a tokenizer and a recursive-descent parser into a tree of nodes, then
evaluated against one record. Python source is never evaluated: names can only be fields of the
record or functions of the whitelist below, and there is no attribute access and no indexing
other than ``record['field name']``.

Grammar (lowest precedence first; Opendatasoft's ``{{ … }}`` wrapper is optional)::

    expression  := logic_or ('?' expression ':' expression)?
    logic_or    := logic_and (('or' | '||') logic_and)*
    logic_and   := negation (('and' | '&&') negation)*
    negation    := ('not' | '!') negation | comparison
    comparison  := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
    sum         := product (('+' | '-') product)*
    product     := unary (('*' | '/' | '%') unary)*
    unary       := ('-' | '+') unary | primary
    primary     := number | string | true | false | null | name '(' arguments? ')'
                 | record '[' string ']' | name | $name | '(' expression ')'

``not`` / ``!`` bind looser than comparisons (``!a == b`` is ``!(a == b)``), as Python's ``not``.
Values follow CSV habits: numeric strings compare as numbers, ``null`` and blank text are equal,
and the texts ``"false"`` and ``"0"`` are false.
"""

from datasets.pipeline.record_expressions.parser import Expression, parse_expression
from datasets.pipeline.record_expressions.values import ExpressionSyntaxError, is_blank, numeric, shown, to_text, truthy

__all__ = [
    "Expression",
    "ExpressionSyntaxError",
    "is_blank",
    "numeric",
    "parse_expression",
    "shown",
    "to_text",
    "truthy",
]
