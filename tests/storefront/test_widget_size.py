"""The widget's weight budget (reliability D6): a size, not a timing, so a plain test guards it."""

import importlib.util
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "widget_size.py"


def _benchmark():
    spec = importlib.util.spec_from_file_location("widget_size", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_widget_script_and_the_loader_snippet_stay_within_budget():
    sizes = {size.name: size for size in _benchmark().sizes()}
    assert set(sizes) == {"widget.js", "loader snippet"}
    assert sizes["widget.js"].gzipped <= 10_000
    assert sizes["loader snippet"].raw <= 2_000
    assert sizes["loader snippet"].raw <= 8_192  # a Shoptet template include


def test_the_benchmark_prints_the_sizes_and_exits_zero_within_budget():
    result = subprocess.run([sys.executable, str(BENCHMARK)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("widget.js ")
    assert lines[2].startswith("loader snippet ")
    assert "over budget" not in result.stdout


def test_the_benchmark_fails_when_over_budget(monkeypatch, capsys):
    module = _benchmark()
    monkeypatch.setattr(module, "SCRIPT_BUDGET", 100)
    assert module.main() == 1
    assert capsys.readouterr().out.splitlines()[-1] == "over budget: widget.js"
