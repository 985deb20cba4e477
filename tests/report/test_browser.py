"""The rendered report opens in headless Chromium: it lays out, shows every claim and figure,
and logs no console errors. Skips with a reason when Chromium is not installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from repro.report import build_report

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
# The report has no JavaScript, so any console message (an uncaught error, a failed load) is one
# too many. Chromium logs them as `INFO:CONSOLE:1] "..."` (older: `CONSOLE(1)]`).
CONSOLE_ERRORS = re.compile(r"Uncaught|ERROR:CONSOLE|:CONSOLE[:(]\d+")


def _chromium() -> str:
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).is_file():
            return cand
    pytest.skip(
        "headless Chromium not found (/usr/bin/chromium or `chromium` on PATH); "
        "install it with `apt-get install -y chromium` to run the browser test"
    )


def _run(browser: str, tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    args = [
        browser,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1280,2000",
        *extra,
        url,
    ]
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within 120 s: {' '.join(args)}")


def _check_page(html_path: Path, tmp: Path, n_claims: int, min_svgs: int) -> None:
    browser = _chromium()
    url = html_path.resolve().as_uri()
    shot = tmp / "shot.png"
    cap = _run(browser, tmp, url, f"--screenshot={shot}")
    assert shot.is_file(), f"no screenshot; chromium said:\n{cap.stderr[-2000:]}"
    dom = _run(browser, tmp, url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout

    # the page rendered: title, one claim-table row per claim, figures as <svg>
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S)
    assert title and "reproduction report" in title.group(1)
    table = re.search(r'<table class="claims">.*?</table>', page, flags=re.S)
    assert table is not None
    assert len(re.findall(r'<tr id="row-c\d\d"', table.group(0))) == n_claims
    assert page.count("<svg") >= min_svgs

    # no console errors in either run
    for log in (cap.stderr, dom.stderr):
        bad = [line for line in log.splitlines() if CONSOLE_ERRORS.search(line)]
        assert not bad, "console errors:\n" + "\n".join(bad[:10])

    # the screenshot is a real page: big enough and not blank
    assert shot.stat().st_size > 20_000
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1280, 2000)
        small = im.convert("L").resize((160, 250))
        pixels = list(small.getdata())
    dark = sum(1 for p in pixels if p < 200) / len(pixels)
    assert len(set(pixels)) > 20 and 0.01 < dark < 0.6, f"blank-looking page ({dark:.3f} dark)"


def test_fixture_report_in_chromium(smoke_fixture, tmp_path):
    root = tmp_path / "reports"
    shutil.copytree(smoke_fixture.root, root)
    paths = build_report("smoke", root)
    n_claims = len(json.loads((root / "smoke" / "claims.json").read_text())["claims"])
    _check_page(paths["html"], tmp_path, n_claims, min_svgs=3)


def test_committed_report_in_chromium(tmp_path):
    """The report `repro report` wrote into the checkout (the nox `report` session)."""
    profile = os.environ.get("REPRO_CLAIMS_PROFILE", "smoke")
    pdir = Path(os.environ.get("REPRO_REPORTS", "reports")) / profile
    html, status = pdir / "report.html", pdir / "claims.json"
    if not html.is_file() or not status.is_file():
        pytest.skip(f"no rendered report at {html} (run `repro report --profile {profile}`)")
    n_claims = len(json.loads(status.read_text()).get("claims", {}))
    has_results = (pdir / "results").is_dir() and any((pdir / "results").rglob("*.json"))
    _check_page(html, tmp_path, n_claims, min_svgs=1 if has_results else 0)


#: Run in the page after layout: figures drawn with a size, no two figures or tables
#: overlapping, no inline code (flags like --set) broken over two lines.
LAYOUT_PROBE = """<script>
window.addEventListener('load', () => {
  const out = {figures: [], overlaps: [], wrapped: []};
  const boxes = [...document.querySelectorAll('figure svg, table')].map(el => {
    const r = el.getBoundingClientRect();
    return {id: (el.closest('figure') || el).id || el.tagName, r};
  });
  for (const b of boxes) if (b.r.width < 50 || b.r.height < 20) out.figures.push(b.id);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, c = boxes[j].r;
    const ix = Math.min(a.right, c.right) - Math.max(a.left, c.left);
    const iy = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
    if (ix > 2 && iy > 2) out.overlaps.push(boxes[i].id + ' / ' + boxes[j].id);
  }
  for (const el of document.querySelectorAll('code')) {
    if (el.textContent.includes('--') && el.getClientRects().length > 1)
      out.wrapped.push(el.textContent.slice(0, 60));
  }
  const pre = document.createElement('pre');
  pre.id = 'layout-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def test_layout_has_no_overlaps_and_no_flag_wrapped(tmp_path):
    """The committed smoke report, laid out at two widths: figures have a size, figures and
    tables do not overlap, and no inline command is broken inside a flag."""
    src = Path("reports") / "smoke" / "report.html"
    if not src.is_file():
        pytest.skip(f"no rendered report at {src}")
    browser = _chromium()
    html = src.read_text(encoding="utf-8").replace("</body>", LAYOUT_PROBE + "</body>")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    for width in (1280, 800):
        dom = _run(
            browser, tmp_path, page.resolve().as_uri(), "--dump-dom", f"--window-size={width},2000"
        )
        m = re.search(r'<pre id="layout-probe">(.*?)</pre>', dom.stdout, flags=re.S)
        assert m, f"the layout probe did not run: {dom.stderr[-1500:]}"
        import html as html_lib

        found = json.loads(html_lib.unescape(m.group(1)))
        assert found == {"figures": [], "overlaps": [], "wrapped": []}, (width, found)
