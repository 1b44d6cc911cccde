"""Speed and size of `tflite-inspector report`, and how fast the page renders in Chromium.

    python benchmarks/bench_report.py [--runs N] [--model M] [--target T,...] [--no-browser]

Targets (issue 5): the report of a MobileNetV2-sized model is under 2 MB and renders in under
2 s; a generated 5,000-op model still renders and stays responsive. Reported per model:
whole-process generation time (median) and peak RSS, HTML size, and in headless Chromium
(/usr/bin/chromium via Playwright, when installed): load time, time until the first graph nodes
are drawn after opening the Graph tab, time until the whole graph is laid out, and the longest
main-thread task meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, corpus_dir, measure

sys.path.insert(0, str(ROOT / "tests"))  # the generated model is built as the tests build it
sys.path.insert(0, str(ROOT))

DEFAULT_MODEL = "gh_google-coral_test_data/tf2_mobilenet_v2_1.0_224_ptq.tflite"
CHROMIUM = os.environ.get("TFLITE_INSPECTOR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Runs the report command exactly as the CLI does, registered or not.
RUNNER = (
    "import argparse, sys; from inspector import report_cli; "
    "p = argparse.ArgumentParser(); report_cli.add_parser(p.add_subparsers()); "
    "sys.exit(report_cli.cmd_report(p.parse_args(['report', *sys.argv[1:]])))"
)


def command() -> list[str]:
    from inspector.cli import build_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["report", "x.tflite"])
        return [sys.executable, "-m", "inspector", "report"]
    except SystemExit:
        return [sys.executable, "-c", RUNNER]


def browser_timings(html: Path, runs: int) -> dict[str, float] | str:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright not installed"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM}"
    out: dict[str, list[float]] = {"load": [], "graph": [], "layout": [], "longest": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(html.resolve().as_uri(), wait_until="load")
            out["load"].append(
                page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
                / 1000
            )
            page.evaluate(
                """() => { window.__longest = 0; new PerformanceObserver(l => { for (const e of
                l.getEntries()) window.__longest = Math.max(window.__longest, e.duration); })
                .observe({type: 'longtask'}); }"""
            )
            t = time.perf_counter()
            page.click("section#m0 .tabs button[data-tab='graph']")
            page.wait_for_selector("section#m0 g.node")
            out["graph"].append(time.perf_counter() - t)
            page.wait_for_function(
                "() => document.querySelector('section#m0 .graph-view .progress').hidden",
                timeout=300_000,
            )
            out["layout"].append(time.perf_counter() - t)
            out["longest"].append(page.evaluate("() => window.__longest") / 1000)
            page.close()
        browser.close()
    return {k: statistics.median(v) for k, v in out.items()}


def bench(label: str, model: Path, targets: list[str], runs: int, browser: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        cmd = [*command(), str(model), "-o", str(html)]
        for t in targets:
            cmd += ["-t", t]
        m = measure(label, cmd, runs, env={"PYTHONPATH": str(ROOT)})
        print(f"\n{label}: {model.name}")
        if not m.ok:
            print(f"  failed: {m.note}")
            return
        size = html.stat().st_size
        print(f"  generate (whole process)  {m.seconds:8.3f} s   peak RSS {m.peak_mib:.0f} MiB")
        print(f"  HTML size                 {size / 1e6:8.3f} MB  ({size:,} bytes)")
        if not browser:
            return
        t = browser_timings(html, max(1, min(runs, 3)))
        if isinstance(t, str):
            print(f"  browser: skipped ({t})")
            return
        print(f"  Chromium: page loaded     {t['load']:8.3f} s")
        print(f"  Chromium: graph drawn     {t['graph']:8.3f} s after opening the Graph tab")
        print(f"  Chromium: graph laid out  {t['layout']:8.3f} s (in the background)")
        print(f"  Chromium: longest task    {t['longest']:8.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", help="model for the MobileNetV2-sized figure")
    parser.add_argument(
        "--target",
        action="append",
        help="targets (default: the example NPU profile and every built-in target)",
    )
    parser.add_argument("--ops", type=int, default=5000, help="ops of the generated model")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args()
    from test_report import MY_NPU, large_model_bytes

    from inspector.profiles import builtin_profile_paths

    targets = args.target or [MY_NPU, *builtin_profile_paths()]
    print(f"targets: {', '.join(Path(t).stem if t.endswith('.toml') else t for t in targets)}")
    corpus = corpus_dir()
    model = Path(args.model) if args.model else (corpus / DEFAULT_MODEL if corpus else None)
    if model is not None:
        bench("MobileNetV2-sized", model, targets, args.runs, not args.no_browser)
    else:
        print("no corpus found: pass --model for the MobileNetV2-sized figure", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / f"generated_{args.ops}_ops.tflite"
        big.write_bytes(large_model_bytes(args.ops))
        bench(f"{args.ops}-op model", big, targets, args.runs, not args.no_browser)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
