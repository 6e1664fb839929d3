"""JUnit XML: one testsuite per variant, one testcase per case; infrastructure errors are
`<error>`, assertion failures `<failure>`, cases stopped by --max-cost `<skipped>`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from evals.results import CaseResult, RunResult


def _testcase(case: CaseResult) -> ET.Element:
    duration = sum(r.duration_s for r in case.repeats)
    element = ET.Element(
        "testcase", name=case.case_id, classname=f"evals.{case.dataset}", time=f"{duration:.3f}"
    )
    if case.status == "skipped":
        ET.SubElement(element, "skipped", message="not run (--max-cost reached)")
    elif case.status == "error":
        errors = [e for r in case.repeats for e in r.errors]
        ET.SubElement(element, "error", message=errors[0] if errors else "error").text = "\n".join(
            errors
        )
    elif case.status == "fail":
        lines = [
            f"repeat {r.repeat}: {a.name}: {a.detail}"
            for r in case.repeats
            for a in r.assertions
            if not a.passed
        ]
        lines += [
            f"repeat {r.repeat}: judge mean {r.judge.mean} < {r.judge.threshold}"
            for r in case.repeats
            if r.judge is not None and r.judge.passed is False
        ]
        names = sorted({a for r in case.repeats for a in r.failed_assertions})
        message = f"pass rate {case.pass_rate}: {', '.join(names)}"
        ET.SubElement(element, "failure", message=message).text = "\n".join(lines)
    return element


def to_junit(run: RunResult) -> str:
    root = ET.Element("testsuites", name=f"advocacy evals {run.run_id}")
    for variant in run.variants:
        cases = [c for c in run.cases if c.variant == variant.id]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=variant.id,
            tests=str(len(cases)),
            failures=str(sum(c.status == "fail" for c in cases)),
            errors=str(sum(c.status == "error" for c in cases)),
            skipped=str(sum(c.status == "skipped" for c in cases)),
        )
        suite.extend(_testcase(case) for case in cases)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
