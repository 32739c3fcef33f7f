"""`dvc plots show` works offline: the page DVC writes inlines vega, vega-lite and vega-embed
(.dvc/plots_offline.html, set as plots.html_template in .dvc/config) instead of loading them
from a CDN, and draws its plots in a browser with the network blocked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from _project import ROOT, copy_project, dvc


@pytest.fixture(scope="module")
def plots_page(tmp_path_factory) -> Path:
    """`dvc plots show` of a project copy with its plot data (no pipeline run needed)."""
    project = copy_project(tmp_path_factory.mktemp("plots") / "project")
    plots = project / "outputs" / "plots"
    plots.mkdir(parents=True)
    (plots / "k_sweep.csv").write_text(
        "k,npmi,c_v,diversity,stability,largest_topic\n"
        "4,-0.07,,0.92,0.59,0.70\n5,-0.01,,0.93,0.47,0.42\n6,0.02,0.51,0.90,0.58,0.28\n",
        encoding="utf-8")
    (plots / "topic_prevalence.csv").write_text("topic,share\n1,0.5\n2,0.3\n3,0.2\n",
                                                encoding="utf-8")
    result = dvc(project, "plots", "show", "-o", "dvc_plots")
    assert result.returncode == 0, result.stderr[-2000:]
    return project / "dvc_plots" / "index.html"


def test_the_plots_page_loads_no_script_from_the_network(plots_page):
    html = plots_page.read_text(encoding="utf-8")
    assert re.findall(r"<script[^>]*\bsrc\s*=", html) == []
    assert "cdn.jsdelivr.net" not in html and "https://cdn" not in html
    for package in ("vega@5.20.2", "vega-lite@5.2.0", "vega-embed@6.18.2"):
        assert f"/* {package} */" in html
    assert html.count("vegaEmbed(") >= 2  # both data plots are on the page


def test_the_template_is_what_the_builder_makes():
    """Inlined code is the pinned packages' (vendor/vega/SHA256SUMS) and the licenses ship."""
    import hashlib

    page = (ROOT / ".dvc" / "plots_offline.html").read_text(encoding="utf-8")
    sums = (ROOT / "vendor" / "vega" / "SHA256SUMS").read_text(encoding="utf-8").split()
    for digest, name in zip(sums[::2], sums[1::2], strict=True):
        package = name.split("/")[0]
        code = page.split(f"<script>/* {package} */\n", 1)[1].split("\n    </script>", 1)[0]
        assert hashlib.sha256(code.encode()).hexdigest() == digest, package
        assert (ROOT / "vendor" / "vega" / f"LICENSE-{package.split('@')[0]}").is_file()
    assert "{plot_divs}" in page and "{scripts}" not in page
    assert "html_template = plots_offline.html" in (ROOT / ".dvc" / "config").read_text()


@pytest.mark.slow
def test_the_plots_draw_in_a_browser_with_the_network_blocked(plots_page):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    problems, blocked = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.route(re.compile(r"^(?!file:|data:|blob:)"),
                   lambda route: (blocked.append(route.request.url), route.abort()))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(plots_page.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.vega-embed svg, .vega-embed canvas').length >= 2",
            timeout=20000)
        marks = page.evaluate("document.querySelectorAll('.vega-embed .mark-symbol path, "
                              ".vega-embed .mark-rect path, .vega-embed canvas').length")
        browser.close()
    assert blocked == []
    assert problems == []
    assert marks > 0
