"""The type stub (tilesum/__init__.pyi, for editors and type checkers) describes the package as it is: the names it
declares are the package's __all__, Expr's public members are the stub's, and it ships beside the package with the
py.typed marker (PEP 561)."""

import ast
import os

import tilesum as ts

STUB = os.path.join(os.path.dirname(ts.__file__), "__init__.pyi")
TYPE_ALIASES = {"Operand", "Size", "Tiles", "Path", "Axes"}  # the stub's own shorthands, not part of the package


def stub_tree():
    with open(STUB, encoding="utf-8") as file:
        return ast.parse(file.read())


def declared(body):
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def test_the_stub_and_the_marker_ship_with_the_package():
    assert os.path.isfile(STUB)
    assert os.path.isfile(os.path.join(os.path.dirname(ts.__file__), "py.typed"))


def test_the_stub_declares_exactly_the_packages_public_names():
    assert declared(stub_tree().body) - TYPE_ALIASES == set(ts.__all__)


def test_the_stub_declares_exactly_the_public_members_of_expr():
    expr_class = next(node for node in stub_tree().body if isinstance(node, ast.ClassDef) and node.name == "Expr")
    public = {name for name in dir(ts.Expr) if not name.startswith("_")}
    assert {name for name in declared(expr_class.body) if not name.startswith("_")} == public
