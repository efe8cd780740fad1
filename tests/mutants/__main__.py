"""``python -m tests.mutants [AREA ...] [--only TEXT] [--list]``: apply each listed mutant to a
copy of the work tree, run the tests it names there, and report caught or survived.

A mutant is one exact snippet of one file, replaced by another. The copy holds the work tree's
files as they are now (committed or not); the tree itself is never modified, so a run can go on
beside other work. Exit status 1 if a mutant survived or no longer applies.
"""
from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LISTS = Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class Mutant:
    area: str
    name: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...]


def load(areas: list[str]) -> list[Mutant]:
    files = [LISTS / f"{area}.toml" for area in areas] if areas else sorted(LISTS.glob("*.toml"))
    mutants = []
    for path in files:
        for entry in tomllib.loads(path.read_text())["mutant"]:
            mutants.append(Mutant(path.stem, entry["name"], entry["file"], entry["original"], entry["mutated"],
                                  tuple(entry["tests"])))
    return mutants


def tree_copy(into: Path) -> Path:
    """The work tree's files (tracked and new, not ignored) under ``into``."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return into


def apply(tree: Path, mutant: Mutant) -> str | None:
    """Write the mutant into the copy; why it cannot be applied, if it cannot."""
    path = tree / mutant.file
    if not path.is_file():
        return f"{mutant.file} does not exist"
    text = path.read_text()
    found = text.count(mutant.original)
    if found != 1:
        return f"the original snippet occurs {found} times in {mutant.file} (expected once)"
    path.write_text(text.replace(mutant.original, mutant.mutated))
    return None


def run(mutant: Mutant | None, tests: tuple[str, ...], pytest_args: list[str]) -> tuple[str, float, str]:
    """(caught | survived | stale | error, seconds, pytest's last lines); no mutant: the unmutated run."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="nexgate-mutant-") as directory:
        tree = tree_copy(Path(directory))
        problem = mutant and apply(tree, mutant)
        if problem:
            return "stale", 0.0, problem
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *pytest_args, *tests],
            cwd=tree, capture_output=True, text=True,
        )
    lines = (result.stdout + result.stderr).strip().splitlines()
    failed = [line.split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    # 1: a test failed; 2 with failures: -x stopped pytest-xdist's workers; otherwise pytest could not run them.
    outcome = "survived" if result.returncode == 0 else "caught" if result.returncode in (1, 2) and failed else "error"
    return outcome, time.monotonic() - started, "\n".join(failed if outcome == "caught" else lines[-3:])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants", description=__doc__.split("\n\n")[0])
    parser.add_argument("areas", nargs="*", help="the lists to run (tests/mutants/<area>.toml); all by default")
    parser.add_argument("--only", help="run only the mutants whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--pytest", default="", help="extra pytest arguments, e.g. '-n 2'")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the first, unmutated run of each set of tests (which must pass)")
    options = parser.parse_args()
    mutants = [m for m in load(options.areas) if not options.only or options.only in m.name]
    if options.list:
        for mutant in mutants:
            print(f"{mutant.area}: {mutant.name} ({mutant.file}; {' '.join(mutant.tests)})")
        return 0
    pytest_args = options.pytest.split()
    if not options.no_baseline:  # a test that fails anyway would count every mutant as caught
        for tests in dict.fromkeys(m.tests for m in mutants):
            outcome, seconds, tail = run(None, tests, pytest_args)
            print(f"{'BASELINE' if outcome == 'survived' else 'BROKEN':9} {' '.join(tests)} ({seconds:.0f} s)", flush=True)
            if outcome != "survived":
                print("          " + tail.replace("\n", "\n          "))
                return 1
    tally: dict[str, int] = {}
    for mutant in mutants:
        outcome, seconds, tail = run(mutant, mutant.tests, pytest_args)
        tally[outcome] = tally.get(outcome, 0) + 1
        print(f"{outcome.upper():9} {mutant.area}: {mutant.name} ({seconds:.0f} s)", flush=True)
        print("          " + tail.replace("\n", "\n          "), flush=True)  # by which test, or why not
    caught = tally.get("caught", 0)
    print(f"{caught}/{len(mutants)} caught" + "".join(f", {n} {k}" for k, n in tally.items() if k != "caught"))
    return 0 if caught == len(mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
