"""Tests of benches/suite/run.py's merging, table and chart code, with made-up measurements:
no arr binary, no virtual environment, no peers, no timing.

    python3 benches/suite/test_run.py        # or: python3 benches/suite/run.py --self-test
"""

import json
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (which puts benches/peers on the path)
import peers  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


def stats(median):
    return {"median_s": median, "min_s": median, "samples": 5}


# arr's rows as peers.run_arr gives them, and a peers.py JSON document.
ARR_ROWS = {
    "add_1M": {"arr_fused": stats(5e-4), "arr_unfused": stats(6e-4), "arr_interp": stats(2e-3)},
    "matmul_100": {"arr_fused": stats(4e-5), "arr_unfused": stats(4e-5)},
    "compile_chain_cold": {"arr_fused": stats(2e-3)},
}
PEERS_DOC = {
    "versions": {"python": "3.11.7", "numpy": "2.4.6"},
    "skipped": {"jax": "jax not importable (ModuleNotFoundError: No module named 'jax')",
                "torch_compile": {"matmul_100": "no C++ compiler"}},
    "results": [
        {"workload": "add_1M", "system": "numpy", **stats(1e-3)},
        {"workload": "add_1M", "system": "numba", **stats(2.5e-4)},
        {"workload": "matmul_100", "system": "numpy", **stats(4e-5)},
        {"workload": "compile_chain_cold", "system": "numba", **stats(0.1)},
        # Not selected: must not appear.
        {"workload": "sort_1M", "system": "numpy", **stats(0.06)},
    ],
}
NAMES = ["add_1M", "matmul_100", "compile_chain_cold"]


class Workloads(unittest.TestCase):
    def test_every_bench_block_is_a_peer_workload(self):
        # The merge joins arr's and the peers' results by name: a block the peers do not know
        # would get no peer columns.
        known = set(peers.WORKLOADS) | set(peers.COLD_WORKLOADS)
        for script, names in run.suite():
            with self.subTest(script=script.name):
                self.assertTrue(names)
                self.assertEqual(set(names) - known, set())
                self.assertEqual(len(names), len(set(names)))

    def test_the_original_five_workloads_at_both_sizes(self):
        names = {w for _, ws in run.suite() for w in ws}
        for w in ["add_1K", "add_1M", "mul_1K", "mul_1M", "sin_1K", "sin_1M", "matmul_100",
                  "matmul_2000", "grad_100", "grad_10K", "fft_1K", "fft_1M", "sort_1K",
                  "sort_1M", "chain_1M", "softmax_1000x1000", "stencil_1M", "logreg_10Kx100",
                  "compile_chain_cold", "compile_chain_resize"]:
            self.assertIn(w, names)

    def test_only_selects_scripts(self):
        got = run.suite({"matmul_100", "sort_1M"})
        self.assertEqual([(p.name, ws) for p, ws in got],
                         [("matmul.arr", ["matmul_100"]), ("sort.arr", ["sort_1M"])])

    def test_bench_names_reads_blocks_not_comments(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "t.arr"
            p.write_text('# bench "commented" { }\nx = 1\nbench "a_1K" { y = x }\n'
                         '  bench "b_1M" { y = x + 1 }\n')
            self.assertEqual(run.bench_names(p), ["a_1K", "b_1M"])

    def test_sizes(self):
        self.assertEqual(run.describe("add_1M")[1], "1,000,000")
        self.assertEqual(run.describe("matmul_2000")[1], "2,000×2,000")
        self.assertEqual(run.describe("logreg_10Kx100")[1], "10,000×100")
        self.assertIn("new size", run.describe("compile_chain_resize")[1])


class Merge(unittest.TestCase):
    def setUp(self):
        self.results = run.merge(NAMES, ARR_ROWS, [PEERS_DOC])

    def test_rows_and_columns(self):
        self.assertEqual(list(self.results), NAMES)
        self.assertEqual(set(self.results["add_1M"]),
                         {"arr_fused", "arr_unfused", "arr_interp", "numpy", "numba"})
        self.assertEqual(self.results["add_1M"]["numba"]["median_s"], 2.5e-4)
        self.assertEqual(run.columns(self.results),
                         ["arr_fused", "arr_unfused", "arr_interp", "numpy", "numba"])

    def test_ratios_divide_by_arr_fused(self):
        r = run.ratios(self.results)
        self.assertAlmostEqual(r["add_1M"]["numpy"], 2.0)
        self.assertAlmostEqual(r["add_1M"]["numba"], 0.5)
        self.assertAlmostEqual(r["add_1M"]["arr_interp"], 4.0)
        self.assertAlmostEqual(r["compile_chain_cold"]["numba"], 50.0)
        self.assertNotIn("arr_fused", r["add_1M"])

    def test_without_peers(self):
        results = run.merge(NAMES, ARR_ROWS, [])
        self.assertEqual(set(results["add_1M"]), {"arr_fused", "arr_unfused", "arr_interp"})
        self.assertIsNone(run.fastest_peer(results["add_1M"]))

    def test_documents_of_several_scripts(self):
        other = {"results": [{"workload": "matmul_100", "system": "numba", **stats(3.8e-5)}],
                 "skipped": {"torch_compile": {"add_1M": "no C++ compiler"}}}
        results = run.merge(NAMES, ARR_ROWS, [PEERS_DOC, other])
        self.assertEqual(set(results["matmul_100"]),
                         {"arr_fused", "arr_unfused", "numpy", "numba"})
        self.assertEqual(results["add_1M"]["numba"]["median_s"], 2.5e-4)
        skips = run.merged_skips([PEERS_DOC, other])
        self.assertEqual(skips["torch_compile"], {"matmul_100": "no C++ compiler",
                                                  "add_1M": "no C++ compiler"})
        self.assertTrue(skips["jax"].startswith("jax not importable"))

    def test_fastest_peer_ignores_arr(self):
        self.assertEqual(run.fastest_peer(self.results["add_1M"]), "numba")


class Table(unittest.TestCase):
    def setUp(self):
        self.results = run.merge(NAMES, ARR_ROWS, [PEERS_DOC])
        self.meta = {"command": "python3 benches/suite/run.py --quick", "machine": "test CPU",
                     "threads": 2, "versions": PEERS_DOC["versions"],
                     "skipped": PEERS_DOC["skipped"], "notes": []}

    def rows(self, text):
        return [line for line in text.splitlines() if line.startswith("| `")]

    def test_cells_hold_medians_and_ratios(self):
        text = run.markdown_table(self.results, ["arr_fused", "numpy", "numba"])
        head = text.splitlines()[0]
        self.assertEqual(head, "| workload | size | arrjit | NumPy | Numba | fastest peer | "
                         "arrjit vs it |")
        add = self.rows(text)[0].split(" | ")
        self.assertEqual(add[:5], ["| `add_1M`", "1,000,000", "500 µs", "1 ms (2x)",
                                   "250 µs (0.5x)"])
        self.assertEqual(add[5:], ["Numba 250 µs", "0.5x |"])
        matmul = self.rows(text)[1].split(" | ")
        self.assertEqual(matmul[3:5], ["40 µs (1x)", "–"])

    def test_report_has_both_tables_and_the_skips(self):
        text = run.report(self.results, self.meta)
        self.assertIn("`python3 benches/suite/run.py --quick` on test CPU", text)
        self.assertEqual(len(self.rows(text)), 2 * len(NAMES))
        self.assertIn("- JAX: jax not importable", text)
        self.assertIn("- torch.compile on `matmul_100`: no C++ compiler", text)

    def test_write_outputs(self):
        import json

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            run.write_outputs(out, self.results, self.meta)
            doc = json.loads((out / "results.json").read_text())
            self.assertEqual(doc["medians_s"]["add_1M"]["numba"], 2.5e-4)
            self.assertAlmostEqual(doc["ratios_to_arr_fused"]["add_1M"]["numpy"], 2.0)
            self.assertEqual(sorted(p.name for p in (out / "charts").iterdir()),
                             sorted(f"{n}.svg" for n in NAMES))
            self.assertTrue((out / "table.md").read_text().startswith("# arrjit against"))


class Charts(unittest.TestCase):
    def parse(self, row, name="add_1M"):
        return ET.fromstring(run.svg_chart(name, row))

    def bars(self, svg):
        return [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]

    def test_one_bar_per_system_in_order(self):
        row = run.merge(NAMES, ARR_ROWS, [PEERS_DOC])["add_1M"]
        bars = self.bars(self.parse(row))
        self.assertEqual([b.get("data-system") for b in bars],
                         ["arr_fused", "arr_unfused", "arr_interp", "numpy", "numba"])

    def test_heights_follow_medians(self):
        row = {"arr_fused": stats(2e-3), "numpy": stats(4e-3), "jax": stats(1e-3)}
        heights = {b.get("data-system"): float(b.get("height"))
                   for b in self.bars(self.parse(row))}
        self.assertLess(heights["jax"], heights["arr_fused"])
        self.assertLess(heights["arr_fused"], heights["numpy"])
        # Linear scale (the bars are within 10x): heights are proportional to the medians.
        self.assertAlmostEqual(heights["numpy"] / heights["jax"], 4.0, places=2)

    def test_log_scale_when_orders_of_magnitude_apart(self):
        row = {"arr_fused": stats(2e-3), "torch_compile": stats(1.2)}
        self.assertTrue(run.chart_scale([2e-3, 1.2])[0])
        text = run.svg_chart("compile_chain_cold", row)
        self.assertIn("log scale", text)
        heights = [float(b.get("height")) for b in self.bars(ET.fromstring(text))]
        # log10(1.2 / 1e-3) / log10(2e-3 / 1e-3): far from the linear ratio of 600.
        self.assertLess(heights[1] / heights[0], 20)

    def test_linear_scale_ticks(self):
        is_log, lo, hi, ticks = run.chart_scale([3e-6, 7e-6])
        self.assertFalse(is_log)
        self.assertEqual(lo, 0.0)
        self.assertGreaterEqual(hi, 7e-6)
        self.assertLessEqual(len(ticks), 8)

    def test_log_scale_ticks_are_decades(self):
        is_log, lo, hi, ticks = run.chart_scale([3e-6, 0.5])
        self.assertTrue(is_log)
        self.assertAlmostEqual(lo, 1e-6)
        self.assertAlmostEqual(hi, 1.0)
        self.assertEqual(len(ticks), 7)

    def test_escapes_and_empty(self):
        svg = self.parse({}, name="stencil_1M")
        self.assertEqual(self.bars(svg), [])
        self.assertIn("no results", run.svg_chart("stencil_1M", {}))


if __name__ == "__main__":
    unittest.main()


class GpuMergeTest(unittest.TestCase):
    """benches/gpu/merge.py: arr bench's JSON and peers_gpu.py's, merged into rows, a JSON
    table and charts with the suite's chart code."""

    def test_rows_table_and_charts(self):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gpu"))
        import merge

        arr = [
            {"name": "add_1M_f32", "mode": "fused", "median_s": 8e-6, "kernel_s": 6e-6,
             "h2d_s": 0.0, "d2h_s": 0.0},
            {"name": "add_1M_f32", "mode": "unfused", "median_s": 9e-6},
        ]
        peers_doc = {"meta": {"gpu": "Some GPU"}, "results": [
            {"workload": "add_1M", "dtype": "f32", "system": "torch", "status": "ok",
             "median_s": 1.6e-5},
            {"workload": "add_1M", "dtype": "f32", "system": "jax", "status": "error"},
            {"workload": "sort_1M", "dtype": "f32", "system": "torch", "status": "ok",
             "median_s": 1e-4},
        ]}
        merged = merge.rows(arr, peers_doc)
        self.assertEqual(set(merged), {"add_1M_f32"})
        self.assertEqual(set(merged["add_1M_f32"]), {"arr_fused", "arr_unfused", "torch"})
        self.assertEqual(merged["add_1M_f32"]["arr_fused"]["kernel_s"], 6e-6)
        with tempfile.TemporaryDirectory() as d:
            merge.write_outputs(Path(d), merged, peers_doc["meta"])
            doc = json.loads((Path(d) / "table.json").read_text())
            self.assertAlmostEqual(doc["ratios_to_arr_fused"]["add_1M_f32"]["torch"], 2.0)
            svg = ET.parse(Path(d) / "charts" / "add_1M_f32.svg").getroot()
            bars = [r.get("data-system") for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
            self.assertEqual(bars, ["arr_fused", "arr_unfused", "torch"])
