"""The compiled build (SLAPOLICY_USE_MYPYC=1, setup.py) against the pure one: the same commands, the
same bytes out and the same exit codes. Run by .ci/run; by hand:

    python3 .ci/same_bytes.py .venv .venv-compiled [--tickets 20000]

Each command runs with each environment's `slapolicy`, on the shipped policies and examples and on
generated histories: a large one of the after-sales policy (correlations, escalations, recurring clocks,
penalties; both rules engines, one worker and two) and a smaller one of every shipped policy. Prints one line per command; exit 1 on a difference.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = ["--as-of", "2026-06-30T00:00:00+08:00"]


def commands(h: str, others: dict[str, str]) -> list[list[str]]:
    """What both builds run: every replaying command, in its machine-read formats and its tables; `h` a large
    after-sales history, `others` a smaller one of each shipped policy."""
    out: list[list[str]] = [["--version"]]  # must differ: proves the two environments are the two builds
    for engine in ("python", "durable"):
        e = ["--engine", engine]
        out += [
            ["simulate", "policies/after-sales", "examples/tickets.jsonl", *AS_OF, "--format", "json", *e],
            ["simulate", "policies/after-sales", h, *AS_OF, "--format", "jsonl", "--jobs", "2", *e],
            ["report", "policies/after-sales", h, *AS_OF, "--format", "json", "--jobs", "1", *e],
            ["report", "policies/after-sales", h, *AS_OF, "--format", "json", "--jobs", "2", *e],
        ]
    out += [
        ["report", "policies/after-sales", h, *AS_OF, "--format", "markdown", "--by", "severity", "--period", "quarter"],
        ["whatif", "--base", "2024.1", "--candidate", "2025.1", "--in", "policies/after-sales", h, *AS_OF, "--format", "json"],
        ["diff", "policies/after-sales/2024.1.yaml", "policies/after-sales/2025.1.yaml", "--history", h, *AS_OF, "--format", "json"],
        ["due", "policies/after-sales", "examples/tickets.jsonl", *AS_OF, "--format", "json"],
        ["test", "policies/"],
    ]
    for policy, generated in others.items():  # every shipped policy: availability, credits, contracts, duties, calls …
        out += [["report", policy, generated, *AS_OF, "--format", "json"],
                ["simulate", policy, generated, *AS_OF, "--format", "jsonl"]]
        examples = ROOT / "examples" / Path(policy).name
        out += [["report", policy, str(example.relative_to(ROOT)), *AS_OF, "--format", "json"]
                for example in sorted(examples.glob("*.jsonl") if examples.is_dir() else [])]
    return out


def generate(venv: Path, policy: str, tickets: int, seed: int, path: Path) -> str:
    with path.open("wb") as f:
        subprocess.run([str(venv / "bin" / "slapolicy"), "generate", "--policy", policy, "--tickets", str(tickets), "--seed", str(seed),
                        "--start", "2025-01-01"], cwd=ROOT, stdout=f, check=True)
    return str(path)


def run(venv: Path, args: list[str]) -> tuple[int, bytes]:
    done = subprocess.run([str(venv / "bin" / "slapolicy"), "--lang", "en", *args], cwd=ROOT, capture_output=True, timeout=1800)
    return done.returncode, done.stdout + b"\0" + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pure", type=Path)
    parser.add_argument("compiled", type=Path)
    parser.add_argument("--tickets", type=int, default=20_000)
    opts = parser.parse_args()
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        history = generate(opts.pure, "policies/after-sales", opts.tickets, 7, Path(tmp) / "history.jsonl")
        others = {f"policies/{p.name}": generate(opts.pure, f"policies/{p.name}", 3_000, 11, Path(tmp) / f"{p.name}.jsonl")
                  for p in sorted((ROOT / "policies").iterdir()) if p.is_dir()}
        for args in commands(history, others):
            pure, compiled = run(opts.pure, args), run(opts.compiled, args)
            if args == ["--version"]:
                said = pure[1].decode(), compiled[1].decode()
                ok = "(pure Python)" in said[0] and re.search(r"\(compiled with mypyc: (\d+) of \1 modules\)", said[1]) is not None
                print(f"{'the two builds' if ok else 'NOT THE TWO BUILDS'}: {said[0].splitlines()[0]} / {said[1].splitlines()[0]}")
            else:
                ok = pure == compiled
                print(f"{'same' if ok else 'DIFFERENT'} (exit {pure[0]}, {len(pure[1])} bytes): slapolicy {' '.join(args)}")
            differ += not ok
    print(f"{differ} difference(s)" if differ else "the compiled build gives the same bytes")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
