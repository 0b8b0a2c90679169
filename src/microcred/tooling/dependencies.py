"""Which package files a notebook's run depends on: the modules it imports, every module those
import (read from the code, relative or absolute, lazily or not), the packages they sit in, and
its declared inputs. The build hashes them, so that editing a module reruns the notebooks that
use it and nothing else."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from microcred.core import manifest, paths

PACKAGE = "microcred"


def module_file(module: str) -> Path | None:
    """The file of a module named relative to the package ("survey.reader", "report", "" for the
    package itself), or None where there is none."""
    base = paths.PACKAGE.joinpath(*module.split(".")) if module else paths.PACKAGE
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if module and candidate.is_file() or not module and candidate.name == "__init__.py":
            return candidate
    return None


def _imported_from(node: ast.ImportFrom, module: str) -> str | None:
    """Where a `from X import ...` imports from, relative to the package; None outside it.
    `module` is the importing module's own name (relative imports count from its package)."""
    if node.level:
        package = module.split(".")[: -node.level] if module else []
        return ".".join([*package, *([node.module] if node.module else [])])
    if node.module == PACKAGE:
        return ""
    if node.module and node.module.startswith(PACKAGE + "."):
        return node.module.removeprefix(PACKAGE + ".")
    return None


def package_imports(source: str, module: str = "") -> set[str]:
    """The package's modules a piece of code imports (at any depth of the code, lazily or not),
    named relative to the package ("survey.reader"); `module` names the code's own module."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            origin = _imported_from(node, module)
            if origin is None:
                continue
            for alias in node.names:  # a module of the package, or a name defined in `origin`
                inner = f"{origin}.{alias.name}" if origin else alias.name
                found.add(inner if module_file(inner) else origin)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix(PACKAGE + ".") for a in node.names
                         if a.name.startswith(PACKAGE + "."))
    return {m for m in found if m and module_file(m)} - {module}


@cache
def module_imports(module: str) -> frozenset[str]:
    """The package modules one module imports."""
    source = module_file(module).read_text(encoding="utf-8")
    return frozenset(package_imports(source, module))


def _packages_of(module: str) -> list[str]:
    """The packages a module's import runs first: "survey.reader" -> "", "survey"."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts))]


def modules_used(name: str) -> tuple[str, ...]:
    """The notebook's modules and every package module they import, directly or not, with the
    packages they sit in ("" is the package itself)."""
    todo, seen = list(manifest.notebook(name).uses), set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += [*module_imports(module), *_packages_of(module)]
    return tuple(sorted(seen))


def source_files(name: str) -> list[Path]:
    """What the notebook's run depends on besides parameters and upstream outputs: its source,
    its modules and its declared inputs."""
    return ([paths.NOTEBOOKS / f"{name}.ipynb"]
            + [module_file(m) for m in modules_used(name)]
            + [manifest.input_file(i) for i in manifest.notebook(name).inputs])
