#!/usr/bin/env python3
"""Check that built wheels share the ``eventlet`` import namespace by the rules of DESIGN.md.

Usage: python tools/check_wheels.py WHEELDIR [--source REPO]

For the wheels (``*.whl``) in WHEELDIR it checks that:

- no file is shipped by two wheels;
- only the meta-package ``eventlet`` ships ``eventlet/__init__.py``, and it ships nothing else;
- ``eventlet/support/__init__.py`` and ``eventlet/py.typed`` come from eventlet-hub, the
  distribution every other one depends on (DESIGN.md); no wheel ships the ``__init__.py`` of
  any other folder that several distributions fill;
- every other file lives under ``eventlet/`` and no compiled bytecode is shipped;
- every ``eventlet.X`` import found in a wheel's source names a module shipped by that wheel or
  by a distribution it declares in Requires-Dist, and code outside the meta-package does not
  use the meta-package (``import eventlet`` / ``from eventlet import spawn``);
- all wheels have one version, every dependency between them is an exact pin on it, and the
  meta-package pins every other wheel.

With ``--source REPO`` it also checks the source tree under REPO/packages: no stray
``eventlet/__init__.py`` outside the meta-package (it would shadow the real one in editable
installs), no module in two packages, no use of the meta-package from the other packages, and
every file under a package's src/ shipped in its wheel.

It prints one line per problem and exits 1 if there is any, else prints a summary. The
functions are importable (tests-integration/test_layout.py uses them).
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import pathlib
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

NAMESPACE = "eventlet"
META = "eventlet"
HUB = "eventlet-hub"
# Folders of the namespace that several distributions fill, and the one distribution that ships
# each one's __init__.py (which extends __path__ to find the others' portions).
SHARED_FOLDERS = {"eventlet": META, "eventlet/support": HUB}
# Files that belong to one distribution although they sit in a shared folder.
OWNED_FILES = {"eventlet/py.typed": HUB}
MODULE_SUFFIXES = (".py", ".so", ".pyd")


def canonical_name(name: str) -> str:
    """Normalize a distribution name as PEP 503 does (``Eventlet_Hub`` -> ``eventlet-hub``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    """One Requires-Dist entry of a wheel, reduced to what the checks need."""

    name: str
    specifier: str
    marker: str


def parse_requirement(text: str) -> Requirement:
    """Split a PEP 508 requirement string into canonical name, specifier and marker."""
    spec, _, marker = text.partition(";")
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)", spec)
    if match is None:
        raise ValueError(f"cannot parse requirement {text!r}")
    specifier = re.sub(r"[\s()]", "", match.group(3))
    return Requirement(canonical_name(match.group(1)), specifier, marker.strip())


@dataclass(frozen=True)
class Wheel:
    """What the checks need to know about one built wheel."""

    path: pathlib.Path
    name: str
    version: str
    requires: tuple[Requirement, ...]
    files: tuple[str, ...]
    sources: dict[str, str]

    @property
    def is_meta(self) -> bool:
        """Whether this is the meta-package, the one owner of eventlet/__init__.py."""
        return self.name == META


def read_wheel(path: pathlib.Path) -> Wheel:
    """Read a wheel's metadata, its file list (without .dist-info) and its Python sources."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        metadata_files = [n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(metadata_files) != 1:
            raise ValueError(f"{path.name}: {len(metadata_files)} .dist-info/METADATA files")
        metadata = email.parser.HeaderParser().parsestr(
            archive.read(metadata_files[0]).decode("utf-8")
        )
        files = tuple(sorted(n for n in names if not n.split("/", 1)[0].endswith(".dist-info")))
        sources = {n: archive.read(n).decode("utf-8") for n in files if n.endswith(".py")}
    requires = tuple(parse_requirement(r) for r in metadata.get_all("Requires-Dist") or [])
    return Wheel(
        path=path,
        name=canonical_name(metadata["Name"]),
        version=metadata["Version"],
        requires=requires,
        files=files,
        sources=sources,
    )


def module_name(path: str) -> str | None:
    """Map a file path in a wheel (``eventlet/hubs/hub.py``) to its module name, if it is one."""
    if not path.endswith(MODULE_SUFFIXES):
        return None
    parts = path.split("/")
    stem = parts[-1].split(".", 1)[0]
    parts = parts[:-1] if stem == "__init__" else [*parts[:-1], stem]
    return ".".join(parts)


def imported_modules(source: str, path: str) -> Iterator[tuple[int, str, str]]:
    """Yield ``(line, module, kind)`` for each ``eventlet`` import in one module's source.

    ``kind`` is ``"module"`` when ``module`` names a module (``import eventlet.hubs``, or the
    ``eventlet.hubs`` of ``from eventlet.hubs import get_hub``), and ``"name"`` for each
    ``X.n`` of ``from X import n``, which is a submodule or just an attribute of ``X``.
    Relative imports are resolved against ``path`` (a file path such as
    ``eventlet/hubs/hub.py``).
    """
    own = module_name(path) or ""
    package = own if path.endswith("/__init__.py") else own.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, filename=path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == NAMESPACE:
                    yield node.lineno, alias.name, "module"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != NAMESPACE:
                continue
            if target != NAMESPACE:
                yield node.lineno, target, "module"
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}", "name"


class NamespaceIndex:
    """Which distribution ships which module or folder of the namespace."""

    def __init__(self, files: Iterable[tuple[str, str]]) -> None:
        """Index ``(distribution, file path)`` pairs."""
        self.modules: dict[str, str] = {}
        self.folders: dict[str, set[str]] = {}
        for dist, path in files:
            name = module_name(path)
            if name is not None:
                self.modules.setdefault(name, dist)
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                self.folders.setdefault(".".join(parts[:i]), set()).add(dist)

    def resolve(self, module: str, kind: str) -> set[str] | None:
        """Tell which distributions an import needs.

        Returns ``{META}`` for a use of the meta-package, an empty set when nothing needs
        checking (an attribute of a module checked on its own), and None when no
        distribution ships the module.
        """
        parent, _, last = module.rpartition(".")
        if module == NAMESPACE or (kind == "name" and parent == NAMESPACE and last == "*"):
            return {META}
        if module in self.modules:
            return {self.modules[module]}
        if module in self.folders:
            return set(self.folders[module])
        if kind == "name":
            return {META} if parent == NAMESPACE else set()
        return None


def check_files(wheels: list[Wheel]) -> list[str]:
    """Check where the wheels put their files in the shared namespace."""
    problems: list[str] = []
    shipped: dict[str, list[str]] = {}
    for wheel in wheels:
        for path in wheel.files:
            shipped.setdefault(path, []).append(wheel.name)
    for path, dists in sorted(shipped.items()):
        if len(dists) > 1:
            problems.append(f"{path}: shipped by {len(dists)} wheels: {', '.join(sorted(dists))}")

    fillers: dict[str, set[str]] = {}
    for path, dists in shipped.items():
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            fillers.setdefault("/".join(parts[:i]), set()).update(dists)
    for wheel in wheels:
        for path in wheel.files:
            folder, _, filename = path.rpartition("/")
            if filename == "__init__.py" and folder in SHARED_FOLDERS:
                owner = SHARED_FOLDERS[folder]
                if wheel.name != owner:
                    who = f"the meta-package {META!r}" if owner == META else repr(owner)
                    problems.append(f"{wheel.name}: ships {path}; only {who} may")
            elif path in OWNED_FILES and wheel.name != OWNED_FILES[path]:
                problems.append(f"{wheel.name}: ships {path}; only {OWNED_FILES[path]!r} may")
            elif filename == "__init__.py" and len(fillers.get(folder, ())) > 1:
                problems.append(
                    f"{wheel.name}: ships {path}, but {folder}/ is shared by several "
                    "distributions and must stay a namespace folder"
                )
            if not path.startswith(f"{NAMESPACE}/"):
                problems.append(f"{wheel.name}: ships {path} outside {NAMESPACE}/")
            if path.endswith((".pyc", ".pyo")) or "__pycache__/" in path:
                problems.append(f"{wheel.name}: ships compiled file {path}")
            if wheel.is_meta and path != f"{NAMESPACE}/__init__.py":
                kind = "module" if path.endswith(MODULE_SUFFIXES) else "file"
                problems.append(f"{wheel.name}: the meta-package ships {kind} {path}")
    return problems


def check_imports(wheels: list[Wheel]) -> tuple[list[str], int]:
    """Check each wheel's eventlet imports against what it and its dependencies ship."""
    problems: list[str] = []
    index = NamespaceIndex((w.name, path) for w in wheels for path in w.files)
    count = 0
    for wheel in wheels:
        allowed = {wheel.name} | {r.name for r in wheel.requires}
        for path, source in sorted(wheel.sources.items()):
            try:
                imports = list(imported_modules(source, path))
            except SyntaxError as error:
                problems.append(f"{wheel.name}: {path}: syntax error: {error}")
                continue
            for line, module, kind in imports:
                count += 1
                where = f"{wheel.name}: {path}:{line}"
                owners = index.resolve(module, kind)
                if owners is None:
                    problems.append(f"{where}: imports {module}, which no wheel here ships")
                elif owners == {META} and not allowed & owners:
                    problems.append(
                        f"{where}: uses the meta-package ({module}); "
                        "import the concrete module instead"
                    )
                elif owners and not owners & allowed:
                    problems.append(
                        f"{where}: imports {module} from {', '.join(sorted(owners))}, "
                        f"which {wheel.name} does not declare as a dependency"
                    )
    return problems, count


def check_versions(wheels: list[Wheel]) -> list[str]:
    """Check one shared version, exact pins between the wheels, and the meta's pins."""
    problems: list[str] = []
    versions = {w.version for w in wheels}
    if len(versions) > 1:
        listing = ", ".join(f"{w.name} {w.version}" for w in wheels)
        problems.append(f"the wheels have different versions: {listing}")
    by_name = {w.name: w for w in wheels}
    for wheel in wheels:
        for requirement in wheel.requires:
            target = by_name.get(requirement.name)
            if target is not None and requirement.specifier != f"=={target.version}":
                problems.append(
                    f"{wheel.name}: requires {requirement.name}{requirement.specifier}; "
                    f"it must pin the exact version: {requirement.name}=={target.version}"
                )
        if wheel.is_meta:
            required = {r.name for r in wheel.requires if not r.marker}
            for other in wheels:
                if not other.is_meta and other.name not in required:
                    problems.append(f"{wheel.name}: the meta-package does not require {other.name}")
    return problems


def check_wheels(wheels: list[Wheel]) -> tuple[list[str], int]:
    """Run every wheel check; return the problems and how many imports were checked."""
    import_problems, count = check_imports(wheels)
    return check_files(wheels) + import_problems + check_versions(wheels), count


def check_wheel_dir(folder: pathlib.Path) -> tuple[list[Wheel], list[str], int]:
    """Read every wheel in ``folder`` and check them together."""
    paths = sorted(pathlib.Path(folder).glob("*.whl"))
    if not paths:
        return [], [f"{folder}: no wheels found"], 0
    wheels = [read_wheel(p) for p in paths]
    names = [w.name for w in wheels]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        return wheels, [f"{folder}: several wheels of {', '.join(duplicates)}"], 0
    problems, count = check_wheels(wheels)
    return wheels, problems, count


def check_source_tree(repo: pathlib.Path) -> list[str]:
    """Check the source folders under ``repo/packages`` by the same namespace rules."""
    problems: list[str] = []
    packages = pathlib.Path(repo) / "packages"
    if not packages.is_dir():
        return [f"{repo}: no packages/ folder"]
    dists = sorted(p for p in packages.iterdir() if p.is_dir())
    sources: list[tuple[str, pathlib.Path, str]] = []
    for dist in dists:
        if not (dist / "pyproject.toml").is_file():
            problems.append(f"{dist.name}: no pyproject.toml")
        if dist.name != META and not (dist / "tests").is_dir():
            problems.append(f"{dist.name}: no tests/ folder")
        src = dist / "src"
        for file in sorted(src.rglob("*.py")) if src.is_dir() else []:
            sources.append((dist.name, file, file.relative_to(src).as_posix()))
    owner: dict[str, str] = {}
    for dist_name, _file, rel in sources:
        folder, _, filename = rel.rpartition("/")
        if filename == "__init__.py" and SHARED_FOLDERS.get(folder, dist_name) != dist_name:
            problems.append(
                f"{dist_name}: has src/{rel}; only {SHARED_FOLDERS[folder]} has it (another "
                "copy would shadow the namespace in editable installs)"
            )
        if rel in owner and owner[rel] != dist_name:
            problems.append(f"{rel}: in both {owner[rel]} and {dist_name}")
        owner.setdefault(rel, dist_name)
    index = NamespaceIndex((d, rel) for d, _f, rel in sources if d != META)
    for dist_name, file, rel in sources:
        if dist_name == META:
            continue
        try:
            imports = list(imported_modules(file.read_text(encoding="utf-8"), rel))
        except SyntaxError as error:
            problems.append(f"{dist_name}: src/{rel}: syntax error: {error}")
            continue
        for line, module, kind in imports:
            if index.resolve(module, kind) == {META}:
                problems.append(
                    f"{dist_name}: src/{rel}:{line}: uses the meta-package ({module}); "
                    "import the concrete module instead"
                )
    return problems


def check_shipped(repo: pathlib.Path, wheels: list[Wheel]) -> list[str]:
    """Check that each wheel ships every file of its distribution's src/ folder."""
    problems: list[str] = []
    for wheel in wheels:
        src = pathlib.Path(repo) / "packages" / wheel.name / "src"
        if not src.is_dir():
            problems.append(f"{wheel.name}: no source folder {src}")
            continue
        for file in sorted(src.rglob("*")):
            rel = file.relative_to(src).as_posix()
            if file.is_file() and "__pycache__" not in rel and not rel.endswith((".pyc", ".pyo")):
                if rel not in wheel.files:
                    problems.append(
                        f"{wheel.name}: src/{rel} is in no wheel; list it in the "
                        "[tool.hatch.build.targets.wheel] only-include of its pyproject.toml"
                    )
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheeldir", type=pathlib.Path, help="folder holding the built wheels")
    parser.add_argument("--source", type=pathlib.Path, help="also check this repository's sources")
    args = parser.parse_args(argv)
    wheels, problems, count = check_wheel_dir(args.wheeldir)
    if args.source is not None:
        problems += check_source_tree(args.source) + check_shipped(args.source, wheels)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    listing = ", ".join(f"{w.name} {w.version}" for w in wheels)
    files = sum(len(w.files) for w in wheels)
    print(f"wheels ok: {listing}; {files} files, {count} eventlet imports checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
