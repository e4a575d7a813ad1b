"""Check a report.html in a real headless browser: Arabic renders right-to-left and the images show.

Used by a test (skipped without a browser) and runnable by hand:

    python -m hadath.evaluation.browser REPORT_DIR [--screenshot out.png]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Runs inside the page after layout; writes its findings into <pre id="hadath-check">.
_PROBE = """
<script>
window.addEventListener('load', () => {
  const out = {rtl_blocks: 0, rtl_ok: 0, glyphs_right_to_left: 0, svgs: 0, svgs_drawn: 0, external: []};
  for (const el of document.querySelectorAll('[dir="rtl"]')) {
    out.rtl_blocks++;
    if (getComputedStyle(el).direction === 'rtl') out.rtl_ok++;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const m = /[\\u0621-\\u064a]{3,}/.exec(node.data);
      if (!m) continue;
      const r = document.createRange();
      r.setStart(node, m.index); r.setEnd(node, m.index + 1);
      const first = r.getBoundingClientRect();
      r.setStart(node, m.index + m[0].length - 1); r.setEnd(node, m.index + m[0].length);
      const last = r.getBoundingClientRect();
      if (first.left > last.left) out.glyphs_right_to_left++;
      break;
    }
  }
  for (const svg of document.querySelectorAll('svg')) {
    out.svgs++;
    const b = svg.getBoundingClientRect();
    if (b.width > 0 && b.height > 0 && svg.querySelector('rect,circle,line')) out.svgs_drawn++;
  }
  out.external = performance.getEntriesByType('resource').map(e => e.name);
  const pre = document.createElement('pre'); pre.id = 'hadath-check';
  pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>
"""
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def check_report(report_html: Path, browser: str | None = None, screenshot: Path | None = None) -> dict[str, Any]:
    """Render ``report_html`` and return what the page measured about itself."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no Chromium found (apt-get install chromium)")
    page = report_html.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>")
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        probe.write_text(page, encoding="utf-8")
        flags = [*_FLAGS, f"--user-data-dir={tmp}/profile"]
        dom = subprocess.run(
            [browser, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120
        )
        if screenshot is not None:
            subprocess.run(
                [
                    browser,
                    *flags,
                    f"--screenshot={screenshot}",
                    "--window-size=1200,1600",
                    report_html.resolve().as_uri(),
                ],
                capture_output=True,
                timeout=120,
            )
    found = re.search(r'<pre id="hadath-check">(.*?)</pre>', dom.stdout, re.S)
    if not found:
        raise RuntimeError(f"the page did not report back; browser said: {dom.stderr[-500:]}")
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report_dir")
    ap.add_argument("--screenshot")
    args = ap.parse_args(argv)
    result = check_report(
        Path(args.report_dir) / "report.html", screenshot=Path(args.screenshot) if args.screenshot else None
    )
    print(json.dumps(result, indent=2))
    ok = (
        result["rtl_blocks"]
        and result["rtl_ok"] == result["rtl_blocks"]
        and result["glyphs_right_to_left"] > 0
        and result["svgs"]
        and result["svgs_drawn"] == result["svgs"]
        and not result["external"]
    )
    print("OK: Arabic right-to-left, all images drawn, nothing fetched" if ok else "FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
