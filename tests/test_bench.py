"""Every script in ``bench/`` still runs, on small sizes.

The figures in the README and ``docs/`` come from these scripts; nothing else runs them, and
two of them once broke silently when the code they drive changed. This runs each one as a
reader of the README would (a plain ``python bench/x.py`` from the repository root), only
smaller, and asserts it finished and printed its figures. It does not judge the figures: on
these sizes and a shared machine they mean nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# script: (small arguments, a line its output must contain), the longest first
RUNS = {
    "plates.py": (["--reads", "100", "--licensed", "100", "--illegal", "10", "--baseline-reads",
                   "20", "--lookups", "10", "--batch", "50"], '"lookups"'),
    "decisions.py": (["--clients", "2", "--seconds", "1", "--holders-each", "20",
                      "--no-baseline"], "decisions/s"),
    "ingest.py": (["--seconds", "0.5", "--clients", "1", "--batch", "100", "--order-batch",
                   "50", "--no-baseline"], '"stored"'),
    "decision_cost.py": (["--decisions", "10"], "app CPU"),
    "alerts.py": (["--alerts", "8", "--clients", "2", "--no-baseline"], "arrival -> suspended"),
    "card_read.py": (["-n", "2"], "card insertion -> kiosk action screen"),
    "h5_pages.py": (["-n", "2"], "QR code"),
    "compliance.py": (["--orders", "20000", "--repeat", "1"], "same answer: True"),
    "credit_grades.py": (["--drivers", "200", "--records", "50"], "same grades: True"),
    "recheck.py": (["--holders", "200", "--vehicles", "20", "--baseline", "30"],
                   "holders/s"),
    "certificates.py": (["-n", "4", "--single", "2", "--repeat", "1"], "pages/s"),
}


def _run(script: str) -> tuple[str, int, str]:
    arguments, _ = RUNS[script]
    # A clean environment: not the test run's instance folder or database.
    env = {name: value for name, value in os.environ.items()
           if name in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER"}}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, f"bench/{script}", *arguments], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    return script, result.returncode, result.stdout + result.stderr


def test_every_bench_script_is_run_here():
    assert sorted(RUNS) == sorted(path.name for path in (ROOT / "bench").glob("*.py"))


def test_every_bench_script_runs_and_prints_its_figures():
    # Three at a time: much of each run is waiting (servers starting, brokers, idle exits).
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_run, RUNS))  # (longest first: the wait is the longest lane)
    broken = {script: output[-3000:] for script, code, output in results
              if code != 0 or RUNS[script][1] not in output}
    assert not broken, "\n\n".join(f"== bench/{name}\n{tail}" for name, tail in broken.items())
