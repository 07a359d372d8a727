"""The layers hold (import-linter's contracts in .importlinter), no module imports inside a
function without saying why, and no module reaches into another domain's private names."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("apps", "workers", "clients", "cloudstack")


def sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def test_an_import_inside_a_function_says_why():
    """ruff's PLC0415 refuses them (ruff.toml); the few allowed carry ``# noqa: PLC0415 - <why>``."""
    bare = []
    for path in sources():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "noqa" in line and "PLC0415" in line and not re.search(r"PLC0415 - \w.{8,}", line):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "an inline import without its reason:\n" + "\n".join(bare)


def _app(module):
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("apps", "workers") and len(parts) > 1 else parts[0]


def test_no_module_imports_another_domains_private_names():
    reaching = []
    for path in sources():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if _app(node.module) != _app(module):
                    names = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                    reaching += [f"{module} imports {node.module}.{n}" for n in names]
    assert not reaching, "\n".join(reaching)
