"""The deconv1d command."""

import subprocess
import sys

from deconv1d.cli import main


def test_demo_prints_working_and_agrees(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "full length          = (L - 1)*s + dk = (3 - 1)*2 + 3 = 7" in out
    assert "y = conv1d_transpose(x, w) = [1.0, 2.0, 5.0, 4.0, 9.0, 6.0]" in out
    assert "agree" in out


def test_demo_with_int_and_pair_padding(capsys):
    assert main(["demo", "--padding", "1", "--output-padding", "1"]) == 0
    assert main(["demo", "--padding", "0,2", "--kernel-size", "4"]) == 0


def test_bad_argument_exits_2_with_message(capsys):
    assert main(["demo", "--padding", "causal"]) == 2
    assert "padding='causal'" in capsys.readouterr().err


def test_module_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "deconv1d", "demo"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "agree" in result.stdout


def test_output_cut_short_by_the_reader_is_quiet():
    """`deconv1d explain ... | head -1`: no BrokenPipeError traceback."""
    result = subprocess.run(
        f"{sys.executable} -m deconv1d explain --length 64 --kernel-size 3 --stride 2 "
        "--padding same | head -1", shell=True, capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "Shape walkthrough"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_verify_missing_file_is_an_error_not_a_mismatch(capsys):
    code = main(["verify", "--framework", "torch", "--x", "no-such-x.npy", "--w", "w.npy",
                 "--y", "y.npy"])
    assert code == 2
    assert "`--x`: cannot read 'no-such-x.npy'" in capsys.readouterr().err


def test_verify_padding_words_per_framework(tmp_path, capsys):
    import numpy as np
    for name in ("x", "w", "y"):
        np.save(tmp_path / f"{name}.npy", np.ones((1, 1, 3)))
    files = ["--x", str(tmp_path / "x.npy"), "--w", str(tmp_path / "w.npy"),
             "--y", str(tmp_path / "y.npy")]
    assert main(["verify", "--framework", "torch", *files, "--padding", "same"]) == 2
    assert "--padding for torch must be an int" in capsys.readouterr().err
    assert main(["verify", "--framework", "keras", *files, "--padding", "1"]) == 2
    assert "--padding for keras must be same or valid. Received: --padding='1'" in \
        capsys.readouterr().err


def test_explain_plot_into_a_missing_folder_fails_before_printing(capsys):
    code = main(["explain", "--length", "3", "--kernel-size", "3", "--plot",
                 "/no/such/folder/x.png"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "--plot: no folder" in captured.err


def test_version(capsys):
    import pytest
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    import deconv1d
    assert stop.value.code == 0
    assert f"deconv1d {deconv1d.__version__}" in capsys.readouterr().out
