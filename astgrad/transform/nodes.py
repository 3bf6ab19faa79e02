"""The one statement node astgrad adds to Python's AST: a comment line."""
import ast


class Comment(ast.stmt):
    """`# text` in generated code; codegen writes it, every pass steps over it."""

    _fields = ("text",)

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        self.text = text
