"""Tests for the classroom page (deconv1d.teaching.page, `deconv1d explain --html`).

The embedded data are checked against the views of deconv1d.explain; the page
itself is loaded in a real headless Chromium (Debian's `chromium`, installed by
.ci/run) at several URL fragments, and the numbers in its DOM are required to
equal the Python ones.  Those tests skip, saying why, where chromium is missing.
"""

import base64
import gzip
import html
import itertools
import json
import os
import re
import shutil
import subprocess

import pytest

from deconv1d import explain
from deconv1d.cli import main
from deconv1d.teaching import page

SMALL = dict(page.GRID, length=(1, 3, 5), kernel_size=(1, 3, 4), stride=(1, 2, 3),
             output_padding=(None, 0, 2))


def _setting(data, args):
    """The page's entry for ``args``: found by the grid's nested order, as the script does."""
    index = 0
    for name, value in zip(data["names"], args):
        shown = page.fragment(*args).split("&")[data["names"].index(name)].split("=")[1]
        values = [str(v) for v in data["grid"][name]]
        index = index * len(values) + values.index(shown)
    return data["settings"][index]


def test_every_setting_of_a_grid_matches_the_views():
    data = page.page_data(SMALL)
    names = data["names"]
    checked = refused = 0
    for args in itertools.product(*(SMALL[n] for n in names)):
        entry = _setting(data, args)
        try:
            c = explain.connectivity(*args)
        except ValueError as error:
            assert data["strings"][entry] == str(error)
            refused += 1
            continue
        window, scatter = data["windows"][entry[0]], data["scatters"][entry[1]]
        g, m, dc = c.geometry, explain.matrices(*args), explain.direct(*args)
        assert window["out"] == g.output_length and window["counts"] == c.counts.tolist()
        assert window["residues"] == list(c.residue_counts)
        assert window["uneven"] == c.checkerboard
        # C^T as the page draws it: row o from the full scatter's position[o]
        for o, t in enumerate(window["position"]):
            pairs = scatter["pairs"][t] if t < len(scatter["pairs"]) else []
            row = [-1] * g.length
            for i, k in zip(pairs[::2], pairs[1::2]):
                row[i] = k
            assert row == m.taps[o].tolist()
        assert window["y"] == dc.y_direct.tolist() == m.y_fast.tolist()
        assert [f"x{i}" if i >= 0 else "0" for i in window["padded"]] == list(dc.padded)
        assert [f"w{k}" if k >= 0 else "0" for k in window["kernel"]] == list(dc.kernel)
        walk = "\n\n".join("\n".join(data["strings"][i] for i in data["blocks"][b])
                           for b in entry[2])
        assert walk == str(explain.shape(*args)).split("\n", 3)[3]
        checked += 1
    assert checked > 100 and refused > 10


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("page") / "page.html"
    page.write(path)
    return path


def test_page_is_small_and_self_contained(page_file):
    text = page_file.read_text(encoding="utf-8")
    assert os.path.getsize(page_file) < page.MAX_BYTES
    assert text.startswith("<!DOCTYPE html>")
    # no external script, style, font or image: no src/href at all, no url() but the
    # page's own #hatch pattern, no @import
    assert not re.search(r"\b(src|href)\s*=", text, re.I)
    assert re.findall(r"url\(([^)]*)\)", text) == ["#hatch"]
    assert "@import" not in text and "@font-face" not in text
    packed = re.search(r'const PACKED = "([A-Za-z0-9+/=]+)";', text).group(1)
    data = json.loads(gzip.decompress(base64.b64decode(packed)))
    assert data == json.loads(json.dumps(page.page_data()))


def test_cli_html(tmp_path, capsys):
    path = tmp_path / "p.html"
    assert main(["explain", "--html", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {path} (") and "#length=5&kernel_size=3" in out
    assert path.stat().st_size < page.MAX_BYTES
    assert main(["explain", "--html", str(tmp_path / "no" / "p.html")]) == 2
    assert "--html: no folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- #
# In a real browser                                                           #
# --------------------------------------------------------------------------- #
def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does it)")


def _browse(page_file, fragment, tmp_path, *extra):
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--disable-component-update",
               "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
               "--virtual-time-budget=10000", *extra, f"{page_file.as_uri()}#{fragment}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _by_id(dom, ident):
    found = re.search(rf'id="{ident}"[^>]*>(.*?)</', dom, re.S)
    assert found, ident
    return html.unescape(found.group(1))


def _ct(dom):
    table = re.search(r'<table class="ct" id="ct-table">(.*?)</table>', dom, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [[int(c[1:]) if c else -1 for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in rows]


@pytest.mark.parametrize("args", [(5, 3, 2, "same", None, 1), (3, 2, 4, "valid", None, 1),
                                  (8, 5, 3, (1, 2), 0, 2), (4, 4, 2, 1, 1, 1),
                                  (6, 3, 2, "same", 1, 2)])
def test_page_in_chromium_shows_the_python_numbers(page_file, tmp_path, args):
    dom = _browse(page_file, page.fragment(*args), tmp_path, "--dump-dom")
    assert 'data-ready="yes"' in dom
    c, m, dc = explain.connectivity(*args), explain.matrices(*args), explain.direct(*args)
    assert _by_id(dom, "output-length") == str(c.geometry.output_length)
    assert _by_id(dom, "overlap-counts") == " ".join(map(str, c.counts))
    assert _ct(dom) == m.taps.tolist()
    assert _by_id(dom, "direct-y") == "y = [" + " ".join(f"{v:g}" for v in dc.y_direct) + "]"
    walkthrough = _by_id(dom, "walkthrough")
    assert walkthrough == str(explain.shape(*args)).split("\n", 3)[3]
    assert "Frameworks:" in walkthrough
    assert _by_id(dom, "status") == ""


def test_page_in_chromium_says_outside_the_grid_and_refusals(page_file, tmp_path):
    dom = _browse(page_file, "length=50&kernel_size=3&stride=2&padding=same"
                  "&output_padding=none&dilation=1", tmp_path, "--dump-dom")
    assert "outside the grid embedded in this page (length=50)" in _by_id(dom, "status")
    assert _by_id(dom, "output-length") == ""
    dom = _browse(page_file, page.fragment(3, 3, 2, "same", 2, 1), tmp_path, "--dump-dom")
    with pytest.raises(ValueError) as error:
        explain.shape(3, 3, 2, "same", 2, 1)
    assert _by_id(dom, "status") == "deconv1d refuses this setting: " + str(error.value)


def test_page_in_chromium_screenshot(page_file, tmp_path):
    shot = tmp_path / "page.png"
    _browse(page_file, page.fragment(5, 3, 2, "same", None, 1), tmp_path,
            f"--screenshot={shot}", "--window-size=1200,900")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
