"""The benchmark's --quick mode runs end to end, so the benchmark cannot rot."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks", "bench.py")


def test_quick_benchmark_prints_the_table():
    result = subprocess.run([sys.executable, BENCH, "--quick", "--paths"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "threads: env *_NUM_THREADS=2" in out
    for dtype in ("float64", "float32"):
        for index in range(1, 9):
            assert any(line.split()[:1] == [str(index)] and dtype in line
                       for line in out.splitlines()), (index, dtype, out)
        assert f"{dtype}: " in out
    assert "loop oracle" in out
    assert "gather" in out and "scatter" in out       # --paths timed each path


def test_quick_benchmark_channels_first():
    pytest.importorskip("torch", reason="checks the layout against PyTorch's output")
    result = subprocess.run([sys.executable, BENCH, "--quick", "--data-format",
                             "channels_first", "--dtypes", "float32", "--paths"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "layout: deconv1d channels_first, torch channels_first" in result.stdout
    assert "float32: geomean ratio" in result.stdout


@pytest.mark.parametrize("layout", ["channels_last", "channels_first"])
def test_quick_backward_benchmark_checks_against_torch_and_prints_the_table(layout):
    pytest.importorskip("torch", reason="the gradients are checked against PyTorch's")
    backward = os.path.join(ROOT, "benchmarks", "bench_backward.py")
    result = subprocess.run([sys.executable, backward, "--quick", "--dtypes", "float64",
                             "--data-format", layout],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"layout: deconv1d {layout}, torch channels_first" in result.stdout
    assert "float64 backward/PyTorch: geomean" in result.stdout


def test_quick_benchmark_without_torch():
    result = subprocess.run([sys.executable, BENCH, "--quick", "--no-torch",
                             "--dtypes", "float32", "--threads", "1"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "torch not installed" in result.stdout or "no PyTorch" in result.stdout


def test_quick_random_shapes_print_the_distribution_and_the_path_choice():
    pytest.importorskip("torch", reason="the ratios are to PyTorch's time")
    result = subprocess.run([sys.executable, BENCH, "--quick", "--random", "3", "--seed", "7",
                             "--paths", "--dtypes", "float64"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "float64: 3 random shapes, ratio median" in out
    assert "p90" in out and "max" in out
    assert "path choice, chosen/fastest over 3 shapes" in out


def test_quick_comparison_of_a_checkout_with_itself():
    compare = os.path.join(ROOT, "benchmarks", "compare.py")
    result = subprocess.run([sys.executable, compare, "--quick", "--against", ROOT,
                             "--dtypes", "float64"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "one process per side" in out
    for direction in ("forward", "backward"):
        assert f"\n{direction}\n" in out
    rows = [line for line in out.splitlines() if "float64" in line and "ms" in line]
    assert len(rows) == 16, out                  # 8 cases, forward and backward
