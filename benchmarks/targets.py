"""The targets of the issue, checked against one run's medians."""

from __future__ import annotations

from dataclasses import dataclass

from .runner import Results

OURS = "fastdjango"
#: The column sending through a send captured before the first send.
CAPTURED = "fd.captured"
#: The most a captured send may cost relative to ``sig.send(...)`` (issue 11).
CAPTURED_TARGET = 1.10

# Scenario -> (reference column, the most fastdjango may cost relative to it).
RATIO_TARGETS: dict[str, tuple[str, float]] = {
    "A0": ("empty fn", 1.2),
    "A1": ("floor", 1.3),
    "A10": ("floor", 1.3),
    "AS1": ("floor", 1.3),
    "S0": ("empty fn", 1.2),
    "S1": ("floor", 1.3),
    "S10": ("floor", 1.3),
    "F100": ("floor", 1.5),
    "W": ("floor", 1.5),
}
MEMORY_TARGET = 400.0
RIVALS = ("dj.", "bl.")


@dataclass(frozen=True)
class Verdict:
    """One target line: what was compared and whether it was met (None: not measured)."""

    scenario: str
    text: str
    met: bool | None


def _value(results: Results, scenario: str, peer: str) -> float | None:
    cell = results.cells.get((scenario, peer))
    return None if cell is None else cell.value


def _ratio(results: Results, scenario: str, reference: str, limit: float) -> Verdict:
    ours = _value(results, scenario, OURS)
    base = _value(results, scenario, reference)
    if ours is None or not base:
        return Verdict(scenario, f"fastdjango vs {reference}: not measured", None)
    ratio = ours / base
    return Verdict(
        scenario, f"fastdjango {ratio:.2f}x {reference} (target <= {limit}x)", ratio <= limit
    )


def _below(results: Results, scenario: str, rival: str) -> Verdict:
    ours = _value(results, scenario, OURS)
    theirs = _value(results, scenario, rival)
    if ours is None or theirs is None:
        return Verdict(scenario, f"fastdjango below {rival}: not measured", None)
    return Verdict(
        scenario, f"fastdjango {ours:,.0f} vs {rival} {theirs:,.0f} (target: below)", ours < theirs
    )


def evaluate(results: Results) -> list[Verdict]:
    """Return a verdict per target of the issue, for the scenarios that ran."""
    verdicts: list[Verdict] = []
    for scenario in results.scenarios:
        key = scenario.key
        if key in RATIO_TARGETS:
            verdicts.append(_ratio(results, key, *RATIO_TARGETS[key]))
        elif key == "C":
            verdicts.append(_below(results, key, "bl.send"))
        elif key == "M":
            ours = _value(results, key, OURS)
            verdicts.append(
                Verdict(key, "fastdjango bytes per receiver: not measured", None)
                if ours is None
                else Verdict(
                    key,
                    f"fastdjango {ours:,.0f} bytes per receiver (target < {MEMORY_TARGET:.0f})",
                    ours < MEMORY_TARGET,
                )
            )
        verdicts.append(_beats_rivals(results, key))
        if scenario.kind == "send":
            verdicts.append(captured_verdict(results, key))
    return verdicts


def captured_ratio(results: Results, scenario: str) -> float | None:
    """What a captured send costs relative to the attribute path, if both ran."""
    attribute = _value(results, scenario, OURS)
    captured = _value(results, scenario, CAPTURED)
    return None if attribute is None or captured is None or not attribute else captured / attribute


def captured_verdict(results: Results, scenario: str) -> Verdict:
    """A send captured before the first send costs what ``sig.send(...)`` costs."""
    ratio = captured_ratio(results, scenario)
    if ratio is None:
        return Verdict(scenario, f"{CAPTURED} vs {OURS}: not measured", None)
    return Verdict(
        scenario,
        f"{CAPTURED} {ratio:.2f}x {OURS} (target <= {CAPTURED_TARGET}x)",
        ratio <= CAPTURED_TARGET,
    )


def _beats_rivals(results: Results, scenario: str) -> Verdict:
    """Below every Django and blinker column that ran this scenario."""
    ours = _value(results, scenario, OURS)
    ratios = {
        peer.label: ours / theirs
        for peer in results.peers
        if peer.label.startswith(RIVALS)
        and ours is not None
        and (theirs := _value(results, scenario, peer.label))
    }
    if not ratios:
        return Verdict(scenario, "fastdjango below Django and blinker: not measured", None)
    closest = max(ratios, key=ratios.__getitem__)
    return Verdict(
        scenario,
        f"fastdjango below Django and blinker ({len(ratios)} columns; closest: "
        f"{ratios[closest]:.2f}x {closest})",
        ratios[closest] < 1,
    )
