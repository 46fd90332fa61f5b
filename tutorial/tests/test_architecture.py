"""The layers of .importlinter hold, and a forbidden import breaks them: the
check is real, not a config that passes whatever the code does."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = [
    line.strip()
    for line in (BASE / ".importlinter")
    .read_text()
    .split("root_packages =")[1]
    .split("include_external_packages")[0]
    .splitlines()
    if line.strip()
]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    skip = shutil.ignore_patterns("__pycache__", "images", "fixtures", "*.png", "*.mo", "*.po")
    for package in PACKAGES:
        shutil.copytree(BASE / package, tmp_path / package, ignore=skip)
    shutil.copy(BASE / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return copy_of_the_code(tmp_path_factory.mktemp("code"))


def test_the_code_keeps_its_layers(tree):
    result = lint_imports(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_sandbox_importing_lessons_breaks_the_contract(tree):
    upward = tree / "sandbox" / "upward.py"
    upward.write_text("from lessons.checks import run_step_check  # sandbox must not know lessons\n")
    try:
        result = lint_imports(tree)
    finally:
        upward.unlink()
    assert result.returncode != 0
    assert "sandbox.upward -> lessons.checks" in result.stdout, result.stdout
    assert "Contracts: 0 kept, 1 broken." in result.stdout
